"""vmcompute.dll DestroyLayer: how the owner of container layers removes one (docs/windows-facts.md#container-layers).

`DestroyLayer(DriverInfo *info, PCWSTR id)` returns an HRESULT (hcsshim
internal/wclayer/wclayer.go: `destroyLayer(info *driverInfo, id string) (hr
error) = vmcompute.DestroyLayer?`). With info.HomeDir set the layer is
`<HomeDir>\\<id>` (containerd snapshots/windows/windows.go passes its
snapshots folder and the snapshot's id, moby/docker-ci-zap a folder's parent
and name); with an empty HomeDir, id is the layer's full path (hcsshim's
stdDriverInfo). The Host Compute Service removes the folder and everything
below it itself, whatever the owners and DACLs of the files (hcsshim
destroylayer.go: "remove the on-disk files representing the layer ...
including that layer's containing folder"; the reason moby/docker-ci-zap
exists). A file held open stops it with the sharing violation and nothing is
removed; a folder that is not there gives ERROR_PATH_NOT_FOUND (approximated:
the HRESULT of a missing folder is not documented).
"""

from __future__ import annotations

from . import files, hns

S_OK = 0
E_PATH_NOT_FOUND = 0x80070003
E_SHARING_VIOLATION = 0x80070020


class VmcomputeNotLoadable(Exception):
    """System.DllNotFoundException from the P/Invoke: vmcompute.dll loads only once the Containers
    feature is enabled and the host restarted (winsim.windows.hns.available; docs/windows-facts.md#container-layers)."""

    def __init__(self) -> None:
        super().__init__(hns.DLL_NOT_FOUND)


class EntryPointMissing(Exception):
    """System.EntryPointNotFoundException from the P/Invoke: vmcompute.dll loaded, but GetProcAddress found no
    such export. hcsshim declares every vmcompute import with mkwinsyscall's `?` ("the function not existing is
    non-fatal, and an error will be returned", golang.org/x/sys/windows/mkwinsyscall), since a build of the DLL
    may lack one; a host's state lists such exports in state["vmcompute_missing_exports"]
    (docs/windows-facts.md#container-layers)."""

    def __init__(self, export: str) -> None:
        super().__init__(f"Unable to find an entry point named '{export}' in DLL 'vmcompute.dll'.")


def destroy_layer(state: dict, home_dir: str, layer_id: str) -> int:
    """The HRESULT of DestroyLayer; on S_OK the layer folder is gone."""
    if not hns.available(state):
        raise VmcomputeNotLoadable()
    if "DestroyLayer" in state.get("vmcompute_missing_exports", ()):
        raise EntryPointMissing("DestroyLayer")
    path = f"{home_dir.rstrip(chr(92))}\\{layer_id}" if home_dir else layer_id
    key = files.find_key(state, path)
    if key is None or state["files"][key]["type"] != "dir":
        return E_PATH_NOT_FOUND
    below = [k for k in state["files"] if files.normalise(k).startswith(files.normalise(key) + "\\")]
    if any(state["files"][k].get("in_use") or state["files"][k].get("held_open") for k in below):
        return E_SHARING_VIOLATION
    for k in below + [key]:
        del state["files"][k]
    return S_OK
