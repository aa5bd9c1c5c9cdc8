"""Hints for WinRM connection failures, from the messages ansible-core's winrm connection raises."""

from __future__ import annotations

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.connection_hints import connection_hint

# The messages as ansible-core's winrm connection plugin (_winrm_connect) words what pywinrm and requests raised.
CASES = [
    ("ntlm: HTTPSConnectionPool(host='127.0.0.1', port=5985): Max retries exceeded with url: /wsman (Caused by "
     "SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)')))",
     ['ansible_winrm_scheme=https', 'port 5985', '5986']),
    ("ntlm: HTTPSConnectionPool(host='win01', port=5986): Max retries exceeded with url: /wsman (Caused by "
     "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
     "local issuer certificate (_ssl.c:1000)')))",
     ['ansible_winrm_ca_trust_path', 'ansible_host']),
    ('basic: the specified credentials were rejected by the server', ['ansible_user', 'ansible_winrm_transport']),
    ("ntlm: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
     ['ansible_winrm_scheme=https']),
    ("ntlm: HTTPSConnectionPool(host='127.0.0.1', port=5985): Max retries exceeded with url: /wsman (Caused by "
     "NewConnectionError('<urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: "
     "[Errno 111] Connection refused'))",
     ['listener', 'firewall', 'port 5985']),
]


@pytest.mark.parametrize('message, words', CASES,
                         ids=['http-listener', 'certificate', 'credentials', 'scheme', 'refused'])
def test_common_failures_get_a_hint_naming_what_to_check(message, words):
    hint = connection_hint(message, 'https', 5985)
    assert hint is not None
    for word in words:
        assert word in hint, (word, hint)


def test_other_failures_get_no_hint():
    assert connection_hint('winrm connection error: something new', 'https', 5986) is None
