"""winsim.windows.downloads: Invoke-WebRequest of Windows PowerShell 5.1 against a loopback server."""

import pytest

from integration.artifact_server import ArtifactServer
from winsim.windows import certificates, downloads


@pytest.fixture
def server(tmp_path):
    server = ArtifactServer(tmp_path / "artifacts").start()
    yield server
    server.stop()


def test_body_is_fetched(server):
    url = server.publish("a/b.tar.gz", b"bytes")
    assert downloads.fetch(url) == b"bytes"
    assert server.served("a/b.tar.gz") == 1


@pytest.mark.parametrize("fault, message", [
    ("404", "The remote server returned an error: (404) Not Found."),
    ("500", "The remote server returned an error: (500) Internal Server Error."),
])
def test_http_errors_have_the_webexception_text(server, fault, message):
    url = server.publish("x.zip", b"z")
    server.fault("x.zip", fault)
    with pytest.raises(downloads.WebException) as raised:
        downloads.fetch(url)
    assert raised.value.message == message


def test_corrupt_fault_changes_one_byte(server):
    url = server.publish("x.zip", b"abc")
    server.fault("x.zip", "corrupt")
    assert downloads.fetch(url) == bytes([ord("a") ^ 0xFF]) + b"bc"


def test_refused_connection():
    with pytest.raises(downloads.WebException, match="^Unable to connect to the remote server$"):
        downloads.fetch("http://127.0.0.1:9/x.zip")


def test_only_loopback_resolves(server, monkeypatch):
    monkeypatch.setenv("http_proxy", server.base_url)  # ignored: 5.1 uses the system proxy settings
    with pytest.raises(downloads.WebException, match="^The remote name could not be resolved: 'github.com'$"):
        downloads.fetch("https://github.com/containerd/containerd/releases/download/v1.7.7/x.tar.gz")
    assert server.requests == []


def test_a_proxy_reaches_other_names(server):
    server.publish("v1/x.tar.gz", b"via proxy")
    assert downloads.fetch("http://upstream.example.invalid/v1/x.tar.gz", proxy=server.base_url) == b"via proxy"
    assert server.requests[-1].proxied
    with pytest.raises(downloads.WebException, match="proxy name could not be resolved: 'proxy.example'"):
        downloads.fetch("http://127.0.0.1/x", proxy="http://proxy.example:3128")


def test_credentials_answer_the_challenge(server):
    url = server.publish("private/x.zip", b"secret")
    server.require_auth("private/x.zip", "deploy", "pw")
    with pytest.raises(downloads.WebException, match=r"\(401\) Unauthorized\."):
        downloads.fetch(url)
    assert downloads.fetch(url, username="deploy", password="pw") == b"secret"
    first, second = server.requests[-2:]
    assert first.authorization is None and second.authorization.startswith("Basic "), "sent after the 401 only"


@pytest.fixture
def other_host(tmp_path):
    server = ArtifactServer(tmp_path / "other").start()
    yield server
    server.stop()


def test_credentials_follow_a_redirect_to_another_host(server, other_host):
    """HttpWebRequest re-authenticates to the redirected location (learn.microsoft.com,
    "HttpWebRequest.AllowAutoRedirect"): another host's challenge gets the password."""
    target = other_host.publish("x.zip", b"moved")
    other_host.require_auth("x.zip", "deploy", "pw")
    server.redirect("x.zip", target)
    assert downloads.fetch(server.url("x.zip"), username="deploy", password="pw") == b"moved"
    assert other_host.requests[-1].authorization.startswith("Basic ")


@pytest.mark.parametrize("status", [301, 302])
def test_no_redirection_fails_a_301_or_302_and_asks_nothing_of_the_target(server, other_host, status):
    other_host.publish("x.zip", b"moved")
    server.redirect("x.zip", other_host.url("x.zip"), status)
    with pytest.raises(downloads.MaximumRedirectExceeded) as raised:
        downloads.fetch_response(server.url("x.zip"), username="deploy", password="pw", maximum_redirection=0)
    assert raised.value.location == other_host.url("x.zip")
    assert other_host.requests == []


@pytest.mark.parametrize("status", [307, 308])
def test_no_redirection_answers_a_307_or_308_as_its_body(server, other_host, status):
    server.redirect("x.zip", other_host.url("x.zip"), status)
    assert downloads.fetch_response(server.url("x.zip"), maximum_redirection=0) == (status, b"moved\n")
    assert other_host.requests == []


def test_a_redirect_to_an_unresolved_name_fails_as_that_name(server):
    server.redirect("x.zip", "http://elsewhere.example.invalid/x.zip")
    with pytest.raises(downloads.WebException, match="could not be resolved: 'elsewhere.example.invalid'"):
        downloads.fetch(server.url("x.zip"))


@pytest.fixture
def tls(tmp_path):
    from integration import tls_material

    return tls_material.create(tmp_path / "tls")


@pytest.fixture
def https_server(tmp_path, tls):
    server = ArtifactServer(tmp_path / "https-artifacts", tls=tls).start()
    yield server
    server.stop()


def test_https_from_a_server_under_a_trusted_root(https_server, tls):
    url = https_server.publish("v1/x.tar.gz", b"over tls")
    assert url.startswith("https://127.0.0.1:")
    assert downloads.fetch(url, trusted_roots=[tls.ca_pem]) == b"over tls"


def test_https_from_an_untrusted_server_fails_the_trust_check(https_server, tmp_path):
    """The host's roots decide, never those of the machine running the simulator (certificates.py)."""
    from integration import tls_material

    url = https_server.publish("v1/x.tar.gz", b"over tls")
    other_ca = tls_material.create(tmp_path / "other-tls", ca_name="another CA").ca_pem
    for roots in (None, [], [other_ca]):
        with pytest.raises(downloads.WebException) as raised:
            downloads.fetch(url, trusted_roots=roots)
        assert raised.value.message == certificates.TRUST_FAILURE
    assert https_server.served("v1/x.tar.gz") == 0


def test_https_to_a_name_the_certificate_does_not_hold_fails_the_trust_check(tmp_path):
    from integration import tls_material

    tls = tls_material.create(tmp_path / "tls-localhost", names=("localhost",))
    server = ArtifactServer(tmp_path / "by-name", tls=tls).start()
    try:
        url = server.publish("x.zip", b"z")  # https://127.0.0.1:<port>/x.zip: not a name of the certificate
        with pytest.raises(downloads.WebException, match="Could not establish trust relationship"):
            downloads.fetch(url, trusted_roots=[tls.ca_pem])
    finally:
        server.stop()
