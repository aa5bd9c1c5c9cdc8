"""winsim.windows.certificates: the LocalMachine\\Root store an HTTPS download checks servers against."""

from winsim.windows import certificates

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_a_fresh_host_trusts_no_root():
    assert certificates.trusted_roots({}) == []


def test_a_root_is_imported_once():
    state = {}
    certificates.add_trusted_root(state, PEM)
    certificates.add_trusted_root(state, PEM)
    assert certificates.trusted_roots(state) == [PEM]
    assert state["certificates"][certificates.ROOT_STORE] == [PEM]
