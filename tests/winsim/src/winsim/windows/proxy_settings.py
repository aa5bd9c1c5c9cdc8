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

import re
from urllib.parse import urlsplit

# WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_ACCESS_TYPE_NAMED_PROXY
NO_PROXY, NAMED_PROXY = 1, 3
_BYPASS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[^\]]*\]|[^:/]+)(?::(?P<port>\d+))?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    `<local>`, any name without a period, and host names with `*` wildcards, each as
    `[<scheme>://]<host>[:<port>]`: a scheme or port limits the entry to URLs of that scheme or port
    (Chromium net/docs/proxy.md, "Bypass rule: Hostname", the reading Chromium gives the Windows list;
    unchecked against WinHTTP itself). `*` is the only wildcard.
    """
    parts = urlsplit(url)
    host, scheme = (parts.hostname or "").lower(), parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme)
    for entry in _entries(bypass):
        if entry.lower() == "<local>":
            if "." not in host:
                return None
            continue
        match = _BYPASS.fullmatch(entry)
        if match is None:
            continue
        if match["scheme"] and match["scheme"].lower() != scheme:
            continue
        if match["port"] and int(match["port"]) != port:
            continue
        pattern = ".*".join(re.escape(piece) for piece in match["host"].lower().strip("[]").split("*"))
        if re.fullmatch(pattern, host):
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
