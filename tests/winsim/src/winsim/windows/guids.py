"""Reproducible identifiers: GUIDs, SIDs and MAC addresses seeded by host name."""

import hashlib
import uuid

_NAMESPACE = uuid.UUID("6f0c5b52-2f55-4c1e-9d3a-8a4b0e1c7d21")


def new_guid(state: dict) -> str:
    """The next GUID of this host, upper-case as HNS and hnsdiag print them."""
    seq = state.get("guid_seq", 0) + 1
    state["guid_seq"] = seq
    return str(uuid.uuid5(_NAMESPACE, f"{state['hostname'].lower()}/{seq}")).upper()


def seeded_int(*parts: object) -> int:
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def machine_sid(hostname: str) -> str:
    """A local machine SID, S-1-5-21-a-b-c, stable for a host name."""
    n = seeded_int("machine-sid", hostname.lower())
    parts = [(n >> shift) & 0x3FFFFFFF for shift in (0, 21, 42)]
    return "S-1-5-21-" + "-".join(str(p + 100000000) for p in parts)


def mac_address(hostname: str, index: int) -> str:
    """A MAC in Hyper-V's 00-15-5D range, stable for a host name and adapter."""
    n = seeded_int("mac", hostname.lower(), index)
    return "00-15-5D-" + "-".join(f"{(n >> s) & 0xFF:02X}" for s in (16, 8, 0))
