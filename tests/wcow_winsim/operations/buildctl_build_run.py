"""buildctl_build_run: the context written to a new folder under %TEMP%, `buildctl build` run on it
(winsim.programs.buildctl_build), the metadata file read, the folder removed whatever happened.
The folder is named for the time its run is over for sure; each run first removes the folders of earlier
runs past that time (a dropped connection leaves its folder: no finally runs)."""

import re
import time

from winsim.windows import environment, files, processes, scheduled_tasks
from winsim.windows.guids import new_guid

from . import data_tree
from .base import PowerShellError, param
from .service_common import fail

# The margin beyond the build's timeout: the writes of the context before it, the removal after it.
MARGIN_S = 600
_LEFTOVER = re.compile(r"^wcow-buildctl-(\d{14})-[0-9a-f]{32}$", re.IGNORECASE)


def run(state: dict, params) -> dict:
    buildctl = param(params, "buildctl_path", (str,))
    addr = param(params, "addr", (str,), nullable=True)
    output = param(params, "output", (str,))
    context_files = param(params, "files", (list,))
    docker_config = param(params, "docker_config", (str,), nullable=True)
    timeout = param(params, "timeout", (int,))
    # [IO.Path]::GetTempPath() is the user's TMP, with a trailing backslash.
    temp = environment.expand("%TMP%")
    now = scheduled_tasks.utc_now()
    remove_leftovers(state, temp, _stamp(now))
    root = f"{temp}\\wcow-buildctl-{_stamp(now + timeout + MARGIN_S)}-{new_guid(state).replace('-', '').lower()}"
    context = root + "\\context"
    metadata = root + "\\metadata.json"
    arguments = (["--addr", addr] if addr else []) + [
        "build", "--frontend=dockerfile.v0", "--local", f"context={context}", "--local", f"dockerfile={context}",
        "--output", output, "--metadata-file", metadata, "--progress=plain"]
    metadata_text = ""
    try:
        files.ensure_dir(state, context)
        for entry in context_files:
            _write_all_text(state, context + "\\" + entry["name"], entry["content"])
        env = {}
        if docker_config:
            config_dir = root + "\\docker-config"
            files.ensure_dir(state, config_dir)
            _write_all_text(state, config_dir + "\\config.json", docker_config)
            env["DOCKER_CONFIG"] = config_dir
        try:
            completed = processes.run_program(state, buildctl, arguments, env=env, wait_s=timeout)
        except processes.StartError as error:
            raise fail(f"Cannot run {buildctl}: {error.message}") from None
        except processes.StillRunning:
            # WaitForExit(timeout) gave up: Kill(), and the script's throw.
            raise fail(f"buildctl build did not finish within {timeout} s and was stopped.") from None
        if files.is_file(state, metadata):
            metadata_text = files.read_bytes(state, metadata).decode("utf-8")
    except Exception:
        # The script's finally; a killed process (winsim.host.faults.ProcessKilled, a BaseException) runs none.
        data_tree.remove_discarding_outcome(state, root)
        raise
    # Remove-WcowPath: links inside the folder go as links, never followed; what cannot go stays.
    data_tree.remove_discarding_outcome(state, root)
    return {
        "exit_code": completed.exit_code,
        "stdout": completed.stdout,
        "stderr": completed.stderr,
        "metadata": metadata_text,
        "arguments": arguments,
        # Stopwatch time: the simulated build's own step times are what a user would see.
        "duration_seconds": _duration(completed.stderr),
        "temp_dir": root,
        "temp_dir_removed": files.lookup(state, root) is None,
    }


def remove_leftovers(state: dict, temp: str, now: str) -> None:
    """The folders of earlier runs whose name's time is past; links and other names stay."""
    for key in files.children(state, temp):
        name = key.rsplit("\\", 1)[-1]
        record = state["files"][key]
        found = _LEFTOVER.match(name)
        if record["type"] != "dir" or record.get("link_target") or not found or found.group(1) >= now:
            continue
        data_tree.remove_discarding_outcome(state, key)


def _stamp(epoch: float) -> str:
    """[DateTime]::UtcNow.ToString('yyyyMMddHHmmss', InvariantCulture): Gregorian, whatever the host's culture."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch))


def _write_all_text(state: dict, path: str, text: str) -> None:
    """[IO.File]::WriteAllText(path, text, UTF8Encoding($false)): a .NET exception (a full disk: IOException
    ERROR_DISK_FULL) reaches PowerShell as a MethodInvocationException, category NotSpecified; the finally
    block removes the folder."""
    try:
        files.write_bytes(state, path, text.encode("utf-8"))
    except files.WindowsIOError as error:
        raise PowerShellError(f'Exception calling "WriteAllText" with "3" argument(s): "{error.message}"',
                              "NotSpecified") from None


def _duration(progress: str) -> float:
    total = 0.0
    for line in progress.splitlines():
        if " DONE " in line and line.endswith("s"):
            try:
                total += float(line.rsplit(" ", 1)[-1][:-1])
            except ValueError:
                pass
    return round(total, 1)
