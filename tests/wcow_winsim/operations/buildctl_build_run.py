"""buildctl_build_run: the context written to a new folder under %TEMP%, `buildctl build` run on it
(winsim.programs.buildctl_build), the metadata file read, the folder removed whatever happened."""

from winsim.windows import environment, files, processes
from winsim.windows.guids import new_guid

from . import data_tree
from .base import PowerShellError, param
from .service_common import fail


def run(state: dict, params) -> dict:
    buildctl = param(params, "buildctl_path", (str,))
    addr = param(params, "addr", (str,), nullable=True)
    output = param(params, "output", (str,))
    context_files = param(params, "files", (list,))
    docker_config = param(params, "docker_config", (str,), nullable=True)
    timeout = param(params, "timeout", (int,))
    # [IO.Path]::GetTempPath() is the user's TMP, with a trailing backslash.
    root = environment.expand("%TMP%") + "\\wcow-buildctl-" + new_guid(state).replace("-", "").lower()
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
    finally:
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
