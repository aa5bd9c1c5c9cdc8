"""The machine's trusted root certificates, as an HTTPS download on the host checks the server against them.

state["certificates"] = {"LocalMachine\\Root": [PEM text, ...]}; absent: no root. A simulated host reaches
loopback servers only, so it trusts no public root: a test deploys the CA of its HTTPS server here, as a real
host trusts an internal CA once it is in LocalMachine\\Root (learn.microsoft.com, "Import-Certificate",
-CertStoreLocation Cert:\\LocalMachine\\Root).

Windows PowerShell 5.1's Invoke-WebRequest runs on HttpWebRequest, which accepts a server certificate only when
its chain ends in a trusted root and its name matches the URL's host (the default validation when
ServicePointManager.ServerCertificateValidationCallback is unset; learn.microsoft.com,
"ServicePointManager.ServerCertificateValidationCallback", "SslPolicyErrors": RemoteCertificateChainErrors,
RemoteCertificateNameMismatch). Either failure ends the request with WebExceptionStatus.TrustFailure, whose
message Invoke-WebRequest shows: "The underlying connection was closed: Could not establish trust relationship
for the SSL/TLS secure channel." (learn.microsoft.com, Azure SQL Database "Deploy a split-merge service",
troubleshooting: "Invoke-WebRequest : The underlying connection was closed: Could not establish trust
relationship for the SSL/TLS secure channel.").
"""

from __future__ import annotations

ROOT_STORE = "LocalMachine\\Root"
TRUST_FAILURE = ("The underlying connection was closed: Could not establish trust relationship for the SSL/TLS "
                 "secure channel.")


def add_trusted_root(state: dict, pem: str) -> None:
    """Import-Certificate -CertStoreLocation Cert:\\LocalMachine\\Root (once per certificate)."""
    roots = state.setdefault("certificates", {}).setdefault(ROOT_STORE, [])
    if pem not in roots:
        roots.append(pem)


def trusted_roots(state: dict) -> list[str]:
    return list(state.get("certificates", {}).get(ROOT_STORE, []))
