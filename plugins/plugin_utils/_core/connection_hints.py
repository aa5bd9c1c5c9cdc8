# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hint for the common causes of a WinRM connection failure, from its message.

ansible-core's winrm connection plugin connects on the first command, which
is the first operation of a task of this collection, and reports what
pywinrm and requests raised: an OpenSSL reason, an HTTP status turned into
"the specified credentials were rejected by the server", a socket error. The
hint names the inventory variables to look at
(ansible.windows docs: "Windows Remote Management", "WinRM Setup").
"""

from __future__ import annotations

import re

_HINTS: tuple[tuple[str, str], ...] = (
    (r'WRONG_VERSION_NUMBER|wrong version number|record layer failure|unknown protocol',
     'the controller spoke HTTPS (ansible_winrm_scheme={scheme}) but port {port} answered with plain HTTP: point '
     'ansible_port at the HTTPS listener (5986 by default), or set ansible_winrm_scheme=http for an HTTP listener '
     '(5985), which only message encryption (ntlm, kerberos, credssp) protects'),
    (r'CERTIFICATE_VERIFY_FAILED|certificate verify failed|hostname mismatch|doesn\'t match',
     'the host\'s certificate was not accepted: give the CA that issued it with ansible_winrm_ca_trust_path, and '
     'connect with the name the certificate holds (ansible_host); ansible_winrm_server_cert_validation=ignore '
     'turns the check off and lets anyone on the path impersonate the host'),
    (r'credentials were rejected|\b401\b|Unauthorized',
     'the host refused the credentials: check ansible_user (DOMAIN\\user or user@REALM for a domain account, '
     '.\\user for a local one) and ansible_password, and that ansible_winrm_transport names an authentication the '
     'listener allows (ntlm, kerberos, credssp; basic only for local accounts and when the service allows it)'),
    (r'RemoteDisconnected|BadStatusLine|Connection aborted|Connection reset',
     'the listener on port {port} closed the connection: with ansible_winrm_scheme={scheme} against an HTTPS '
     'listener use ansible_winrm_scheme=https (port 5986)'),
    (r'Connection refused|ConnectionRefused|No route to host|Name or service not known|nodename nor servname|'
     r'timed out|Max retries exceeded|Failed to establish a new connection',
     'nothing answered on {scheme} port {port}: check that the host is up, that a WinRM listener is configured for '
     'this port and scheme (winrm enumerate winrm/config/listener on the host), and that the Windows firewall and '
     'the network allow it (5985 for HTTP, 5986 for HTTPS)'),
)


def connection_hint(message: str, scheme: str | None, port: object) -> str | None:
    """What to check for a connection failure `message`, or None when it is not a common one."""
    for pattern, hint in _HINTS:
        if re.search(pattern, message or '', re.IGNORECASE):
            return hint.format(scheme=scheme or 'https', port=port if port is not None else 'of ansible_port')
    return None
