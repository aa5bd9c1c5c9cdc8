"""containerd's windows snapshotter on a simulated host: the layer folders an image pull or a build leaves.

A layer is unpacked to `<containerd root>\\io.containerd.snapshotter.v1.windows\\snapshots\\<n>`
(containerd snapshots/windows/windows.go: `snapshots` below the plug-in's root,
one folder per snapshot id, a base layer's files in `Files`), with the
registry hives in `Hives` (hcsshim internal/wclayer baselayerwriter.go). The
layer writer restores each file's security descriptor from the layer tar
(MSWINDOWS.rawsd, go-winio backuptar/tar.go), so the files keep the image's
owners and DACLs: Windows' own files owned by TrustedInstaller, readable but
not deletable by Administrators, and folders only SYSTEM may open
(docs/windows-facts.md#container-layers). Names inside a Windows image are
long (WinSxS component folders), so full paths in a layer pass MAX_PATH.
"""

from __future__ import annotations

from ..windows import files, ntfs, pipes

PLUGIN = "io.containerd.snapshotter.v1.windows"
TI = ntfs.TRUSTED_INSTALLER
# The DACL Windows' own folders carry (icacls C:\Windows\WinSxS: TrustedInstaller full control, SYSTEM,
# Administrators and Users read and execute, inherited by what is inside), owned by TrustedInstaller.
SYSTEM_FILES_SDDL = f"O:{TI}D:P(A;OICI;FA;;;{TI})(A;OICI;0x1200a9;;;SY)(A;OICI;0x1200a9;;;BA)(A;OICI;0x1200a9;;;BU)"
# A folder only SYSTEM may open (icacls C:\Windows\System32\LogFiles\WMI\RtBackup: SYSTEM full control).
SYSTEM_ONLY_SDDL = "O:SYD:P(A;OICI;FA;;;SY)"
_COMPONENT = "amd64_microsoft-windows-servicingstack-onecore_31bf3856ad364e35_10.0.{build}.2227_none_5d1ee9c2b0b5a7f4"
_PACKAGE = "Microsoft-Windows-ServicingStack-OneCore-Package~31bf3856ad364e35~amd64~~10.0.{build}.2227.mum"
_BASE_FILES = (
    # (path below the layer, content, sddl of the entry or None to inherit)
    ("Files\\Windows", None, SYSTEM_FILES_SDDL),
    ("Files\\Windows\\System32\\cmd.exe", b"MZ cmd", None),
    ("Files\\Windows\\WinSxS\\" + _COMPONENT + "\\" + _PACKAGE, b"<assembly/>", None),
    ("Files\\Windows\\WinSxS\\" + _COMPONENT + "\\wcp.dll", b"MZ wcp", None),
    ("Files\\Windows\\System32\\LogFiles\\WMI\\RtBackup", None, SYSTEM_ONLY_SDDL),
    ("Files\\Windows\\System32\\LogFiles\\WMI\\RtBackup\\EtwRTEventLog-System.etl", b"etl", None),
    ("Hives\\Software_Delta", b"regf", None),
    ("blank.vhdx", b"vhdx", None),
    ("blank-base.vhdx", b"vhdx", None),
)


class NoSnapshotter(Exception):
    """No running containerd serves the address."""


def containerd_root(state: dict, address: str) -> str:
    """The --root of the containerd serving `address` (its service's runtime)."""
    pipe = pipes.lookup(state, address)
    service = state.get("services", {}).get((pipe or {}).get("service") or "", {})
    root = (service.get("Runtime") or {}).get("root")
    if not root:
        raise NoSnapshotter(address)
    return root


def _snapshots(state: dict, root: str) -> dict:
    return state.setdefault("containerd_snapshots", {}).setdefault(files.normalise(root), {"next": 1, "layers": {}})


def _new_layer(state: dict, root: str) -> str:
    known = _snapshots(state, root)
    folder = f"{root.rstrip(chr(92))}\\{PLUGIN}\\snapshots\\{known['next']}"
    known["next"] += 1
    files.ensure_dir(state, folder)
    return folder


def _write(state: dict, path: str, content: bytes | None, sddl: str | None) -> None:
    created = files.ensure_dir(state, path if content is None else files.parent(path))
    if content is not None:
        state["files"][path] = files.file_record(content)
        created.append(path)
    for entry in created:
        if "\\files\\windows" in files.normalise(entry):
            # What the tar restores below Files\Windows keeps its owner, TrustedInstaller; the DACL is inherited.
            state["files"][files.find_key(state, entry)].setdefault("sddl", f"O:{TI}D:")
    if sddl:
        state["files"][files.find_key(state, path)]["sddl"] = sddl


def unpack_base(state: dict, root: str, image: dict) -> str:
    """The base image's layer folder, unpacked on first use; a later pull of the same digest reuses it."""
    known = _snapshots(state, root)
    folder = known["layers"].get(image["digest"])
    if folder and files.is_dir(state, folder):
        return folder
    folder = _new_layer(state, root)
    build = str(image.get("os_build", "20348")).split(".", maxsplit=1)[0]
    for relative, content, sddl in _BASE_FILES:
        _write(state, f"{folder}\\{relative.format(build=build)}", content, sddl)
    known["layers"][image["digest"]] = folder
    metadata = f"{root.rstrip(chr(92))}\\{PLUGIN}\\metadata.db"
    if not files.is_file(state, metadata):
        state["files"][metadata] = files.file_record(b"bolt")
    return folder


def commit_layer(state: dict, root: str, parents: list, changed: dict) -> str:
    """A new layer on `parents` (layerchain.json names them) holding the files a step changed."""
    folder = _new_layer(state, root)
    chain = "[" + ",".join('"%s"' % p.replace("\\", "\\\\") for p in parents) + "]"
    _write(state, f"{folder}\\layerchain.json", chain.encode(), None)
    files.ensure_dir(state, f"{folder}\\Files")
    for relative, content in changed.items():
        _write(state, f"{folder}\\Files\\{relative}", content, None)
    return folder
