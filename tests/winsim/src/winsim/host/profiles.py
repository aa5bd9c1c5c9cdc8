"""Host profiles: the fresh state of each kind of Windows host modelled.

`build_state(profile, hostname=None, containers=False, hyperv=False)` returns the
state dict that `winsim.host.store.HostStore` keeps. `containers=True` means the
Containers feature was enabled and the host rebooted since; `hyperv=True` the
same for Hyper-V. `nat_subnet_changes_at_reboot=False` keeps the default `nat`
network's subnet across reboots (it changes at each reboot otherwise).
`architecture="arm64"` makes an arm64 host (amd64 otherwise). `defender=False` makes a
host without Microsoft Defender Antivirus (a Windows Server where the Windows-Defender
feature was removed; winsim.windows.defender).
"""

from dataclasses import dataclass

from ..windows import boot, defender as defender_model, features, files
from ..windows.guids import mac_address, machine_sid


@dataclass(frozen=True)
class Profile:
    caption: str
    edition_id: str
    build: int
    display_version: str
    server: bool
    # docs/windows-facts.md#hns-networks: WS2022 / Windows 11 have a default `nat`
    # network; WS2019 does not. WS2025 is taken to behave as WS2022.
    default_nat: bool
    # moby/moby#38358: on WS2019, NAT networks made through HNSCall can vanish at reboot.
    api_nat_survives_reboot: bool


# Builds: docs/windows-facts.md#hosts-and-base-images.
PROFILES = {
    "ws2019": Profile("Microsoft Windows Server 2019 Datacenter", "ServerDatacenter", 17763, "1809", True, False, False),
    "ws2022": Profile("Microsoft Windows Server 2022 Datacenter", "ServerDatacenter", 20348, "21H2", True, True, True),
    "win11": Profile("Microsoft Windows 11 Pro", "Professional", 22631, "23H2", False, True, True),
    "ws2025": Profile("Microsoft Windows Server 2025 Datacenter", "ServerDatacenter", 26100, "24H2", True, True, True),
    # A host too old for most tools (wcow.buildkit refuses it): Windows Server 2016 is build 14393
    # (MicrosoftDocs/Virtualization-Documentation, deploy-containers/version-compatibility.md).
    # No default nat, as on 2019 (strictest plausible).
    "ws2016": Profile("Microsoft Windows Server 2016 Datacenter", "ServerDatacenter", 14393, "1607", True, False,
                      False),
}

# HKLM\...\Windows NT\CurrentVersion UBR: the February 2025 cumulative updates
# (10.0.17763.6893, 10.0.20348.3207, 10.0.26100.3194 in docker-library image
# manifests of that month; 10.0.22631.4890 and 10.0.14393.7785 in its security advisories).
UPDATE_BUILD_REVISIONS = {"ws2019": 6893, "ws2022": 3207, "win11": 4890, "ws2025": 3194, "ws2016": 7785}

# PROCESSOR_ARCHITECTURE names of the architectures a host may have.
ARCHITECTURES = ("amd64", "arm64")

# The value Windows installs under HKLM\...\Session Manager\Environment, type
# REG_EXPAND_SZ (docs/windows-facts.md#machine-path); OpenSSH is in it from 1809 on.
DEFAULT_MACHINE_PATH = ";".join(
    [
        "%SystemRoot%\\system32",
        "%SystemRoot%",
        "%SystemRoot%\\System32\\Wbem",
        "%SYSTEMROOT%\\System32\\WindowsPowerShell\\v1.0\\",
        "%SYSTEMROOT%\\System32\\OpenSSH\\",
    ]
)


def build_state(profile: str, hostname: str | None = None, containers: bool = False, hyperv: bool = False,
                nat_subnet_changes_at_reboot: bool = True, architecture: str = "amd64", defender: bool = True) -> dict:
    try:
        spec = PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown host profile {profile!r}; known: {', '.join(PROFILES)}") from None
    for option, value in (("containers", containers), ("hyperv", hyperv),
                          ("nat_subnet_changes_at_reboot", nat_subnet_changes_at_reboot), ("defender", defender)):
        if not isinstance(value, bool):
            raise TypeError(f"option {option} must be a bool, not {value!r}")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"option architecture must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}")
    hostname = hostname or f"{profile.upper()}-SIM"
    sid = machine_sid(hostname)
    state = {
        "schema_version": 1,
        "profile": profile,
        "hostname": hostname,
        "guid_seq": 0,
        "os": {
            "caption": spec.caption,
            "edition_id": spec.edition_id,
            "build": spec.build,
            "ubr": UPDATE_BUILD_REVISIONS[profile],
            "version": f"10.0.{spec.build}",
            "display_version": spec.display_version,
            # Win32_OperatingSystem.ProductType: 1 workstation, 3 server.
            "product_type": 3 if spec.server else 1,
            "architecture": architecture,
        },
        "features": {name: "Disabled" for name in (features.SERVER_FEATURES if spec.server else features.CLIENT_FEATURES)},
        "network_adapters": [
            {
                "name": "Ethernet",
                "interface_description": "Microsoft Hyper-V Network Adapter",
                "mac_address": mac_address(hostname, 0),
                "status": "Up",
            }
        ],
        "hns": {
            "networks": [],
            "default_nat": spec.default_nat,
            "api_nat_survives_reboot": spec.api_nat_survives_reboot,
            # docs/windows-facts.md#hns-networks: the default nat subnet may change after a reboot.
            "nat_subnet_changes_at_reboot": nat_subnet_changes_at_reboot,
        },
        "files": {path: {"type": "dir"} for path in files.BASE_DIRECTORIES},
        "machine_path": {"type": "REG_EXPAND_SZ", "value": DEFAULT_MACHINE_PATH},
        "services": {},
        "local_users": {
            # The built-in Administrator (RID 500) is disabled on client SKUs.
            "Administrator": {"sid": f"{sid}-500", "enabled": spec.server},
        },
        "local_groups": {
            "Administrators": {"sid": "S-1-5-32-544", "members": [f"{hostname}\\Administrator"]},
            "Users": {
                "sid": "S-1-5-32-545",
                "members": ["NT AUTHORITY\\INTERACTIVE", "NT AUTHORITY\\Authenticated Users"],
            },
        },
    }
    state["defender"] = defender_model.fresh()
    if not defender:
        state["defender"]["service"] = None
    boot.first_boot(state)
    wanted = (["Containers"] if containers else []) + (
        ["Microsoft-Hyper-V", "Microsoft-Hyper-V-All"] if hyperv else []
    )
    for name in wanted:
        if name in state["features"]:
            features.enable(state, name)
    if wanted:
        boot.reboot(state)
    return state
