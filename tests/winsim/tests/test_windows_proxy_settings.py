"""WinHTTP (machine) and WinINet (per user) proxy settings, in the WINHTTP_PROXY_INFO syntax."""

from winsim.host.profiles import build_state
from winsim.windows import proxy_settings


def test_entries_per_scheme_and_the_bypass_list():
    proxy_for = proxy_settings.proxy_for
    assert proxy_for("proxy.corp:3128", None, "https://github.com/x") == "http://proxy.corp:3128"
    assert proxy_for("http=a:1;https=b:2", None, "https://github.com/x") == "http://b:2"
    assert proxy_for("http=a:1", None, "https://github.com/x") is None, "no entry for https: direct"
    assert proxy_for("a:1 https=b:2", None, "http://github.com/x") == "http://a:1"
    assert proxy_for("http://a:1", "<local>;*.corp.example", "http://mirror/x") is None
    assert proxy_for("a:1", "<local>;*.corp.example", "http://Mirror.CORP.example/x") is None
    assert proxy_for("a:1", "<local>", "http://mirror.example/x") == "http://a:1"


def test_winhttp_is_the_machines_and_wininet_each_users():
    state = build_state("ws2022")
    assert proxy_settings.winhttp_default(state) == (proxy_settings.NO_PROXY, None, None)
    proxy_settings.set_winhttp(state, "proxy.corp:3128", "<local>")
    assert proxy_settings.winhttp_default(state) == (proxy_settings.NAMED_PROXY, "proxy.corp:3128", "<local>")
    proxy_settings.set_wininet(state, "alice", "user-proxy:8080")
    assert proxy_settings.wininet_for(state, "alice", "http://x.example/") == "http://user-proxy:8080"
    assert proxy_settings.wininet_for(state, "Administrator", "http://x.example/") is None
    proxy_settings.set_winhttp(state, None)
    assert proxy_settings.winhttp_default(state)[0] == proxy_settings.NO_PROXY


def test_bypass_entries_may_name_a_scheme_and_a_port():
    proxy_for = proxy_settings.proxy_for
    assert proxy_for("a:1", "http://mirror.example", "http://mirror.example/x") is None
    assert proxy_for("a:1", "http://mirror.example", "https://mirror.example/x") == "http://a:1"
    assert proxy_for("a:1", "*.example:8443", "https://mirror.example:8443/x") is None
    assert proxy_for("a:1", "*.example:8443", "https://mirror.example/x") == "http://a:1"
    assert proxy_for("a:1", "mirror.example:443", "https://mirror.example/x") is None, "the scheme's default port"
    assert proxy_for("a:1", "[::1]", "http://[::1]:8080/x") is None
    assert proxy_for("a:1", "mirror?example", "http://mirror.example/x") == "http://a:1", "only * is a wildcard"
