"""The two proxy settings of a Windows host (docs/windows-facts.md#downloads-archives-and-hashes).

- WinHTTP, per machine: `netsh winhttp set proxy proxy-server="..." bypass-list="..."`, read with
  WinHttpGetDefaultProxyConfiguration (learn.microsoft.com, "WinHttpGetDefaultProxyConfiguration",
  "Netsh Commands for WinHTTP"). Server Core hosts and services are configured here.
- WinINet, per user: Internet Options of the user's profile. Windows PowerShell 5.1's
  Invoke-WebRequest without -Proxy uses these, through WebRequest.DefaultWebProxy
  (learn.microsoft.com, "WebRequest.DefaultWebProxy": "the proxy settings from Internet Explorer"),
  so over WinRM the connecting user's, not the machine's.

state["proxy"] = {"winhttp": setting or None, "wininet": {user name: setting}}; a setting is
{"proxy": "[<scheme>=][<scheme>://]<host>:<port>[;...]", "bypass": "<local>;*.example;..."}
(the syntax of WINHTTP_PROXY_INFO, learn.microsoft.com "WINHTTP_PROXY_INFO structure"). Absent: direct.
"""

from __future__ import annotations

import fnmatch
import re
from urllib.parse import urlsplit

# WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_ACCESS_TYPE_NAMED_PROXY
NO_PROXY, NAMED_PROXY = 1, 3


def set_winhttp(state: dict, proxy: str | None, bypass: str = "") -> None:
    """netsh winhttp set proxy (None: netsh winhttp reset proxy)."""
    state.setdefault("proxy", {})["winhttp"] = {"proxy": proxy, "bypass": bypass} if proxy else None


def set_wininet(state: dict, user: str, proxy: str | None, bypass: str = "") -> None:
    users = state.setdefault("proxy", {}).setdefault("wininet", {})
    users[user] = {"proxy": proxy, "bypass": bypass} if proxy else None


def winhttp_default(state: dict) -> tuple[int, str | None, str | None]:
    """WinHttpGetDefaultProxyConfiguration: (dwAccessType, lpszProxy, lpszProxyBypass)."""
    setting = state.get("proxy", {}).get("winhttp")
    if not setting:
        return NO_PROXY, None, None
    return NAMED_PROXY, setting["proxy"], setting.get("bypass") or None


def wininet_for(state: dict, user: str, url: str) -> str | None:
    """The proxy URI the user's WinINet settings give `url`, or None for a direct connection."""
    setting = state.get("proxy", {}).get("wininet", {}).get(user)
    if not setting:
        return None
    return proxy_for(setting["proxy"], setting.get("bypass"), url)


def proxy_for(proxy: str | None, bypass: str | None, url: str) -> str | None:
    """The proxy URI of a setting for `url`, None when it is bypassed or has no entry for its scheme.

    Entries are separated by `;` or white space; `<scheme>=` limits one to that scheme; the bypass list holds
    host names with `*` wildcards and `<local>`, any name without a period.
    """
    parts = urlsplit(url)
    host, scheme = (parts.hostname or "").lower(), parts.scheme.lower()
    for entry in _entries(bypass):
        if entry.lower() == "<local>":
            if "." not in host:
                return None
        elif fnmatch.fnmatchcase(host, entry.lower()):
            return None
    chosen = None
    for entry in _entries(proxy):
        match = re.fullmatch(r"(?:(\w+)=)?(?:\w+://)?(.+)", entry)
        if match is None:
            continue
        limited = (match.group(1) or "").lower()
        if limited == scheme or (not limited and chosen is None):
            chosen = match.group(2)
    return f"http://{chosen}" if chosen else None


def _entries(text: str | None) -> list[str]:
    return [entry for entry in re.split(r"[;\s]+", text or "") if entry]
