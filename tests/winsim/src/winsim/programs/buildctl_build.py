"""`buildctl build` on a simulated host: the dockerfile.v0 frontend on local directories, an image output.

What decides the outcome is modelled, in the order a real build meets it:
buildctl's flags; the daemon's pipe and its DACL (winsim.programs.buildctl);
buildkitd's containerd worker; the Dockerfile; the base image from its
registry (winsim.programs.registry); COPY sources in the context; RUN steps,
which start a process-isolated container whose base image must fit the host
build; the image export to containerd; the push. Progress goes to stderr in
buildctl's plain format, and `error: <message>` ends a failed build (exit 1).
"""

from __future__ import annotations

import base64
import hashlib
import json

from ..windows import environment, files, guids, pipes
from ..windows.processes import Completed, Process
from . import containerd_snapshots, dockerfile, goflags, registry

# cmd/buildctl/build.go flags (those a build may give).
FLAGS = goflags.Spec(
    kinds={"frontend": "string", "local": "slice", "output": "slice", "metadata-file": "string", "progress": "string",
           "opt": "slice", "no-cache": "bool", "export-cache": "slice", "import-cache": "slice", "secret": "slice",
           "ssh": "slice", "allow": "slice", "trace": "string", "ref-file": "string", "source-policy-file": "string",
           "registry-auth-tlscontext": "slice"},
    aliases={"o": "output"},
)
# BuildKit's containerd worker keeps its images in this containerd namespace
# (docs/windows-facts.md#buildkitd-defaults: containerd namespace `buildkit`).
NAMESPACE = "buildkit"


class Failed(Exception):
    """The solve failed: buildctl prints `error: <message>` and exits 1."""


class Progress:
    """buildctl --progress=plain: `#<n> <name>`, detail lines, then `#<n> DONE <s>s` or `#<n> ERROR: <msg>`."""

    def __init__(self):
        self.lines, self.number, self.seconds = [], 0, 0.0

    def step(self, name: str, seconds: float, details=()) -> int:
        self.number += 1
        self.lines.append(f"#{self.number} {name}")
        self.lines.extend(f"#{self.number} {detail}" for detail in details)
        self.lines.append(f"#{self.number} DONE {seconds:.1f}s")
        self.lines.append("")
        self.seconds += seconds
        return self.number

    def error(self, name: str, message: str) -> Failed:
        self.number += 1
        self.lines += [f"#{self.number} {name}", f"#{self.number} ERROR: {message}", ""]
        return Failed(message)

    def text(self, final: str = "") -> str:
        return "\n".join(self.lines + ([final] if final else [])) + "\n"


def _csv(value: str) -> dict:
    """An --output value: comma-separated key=value pairs (buildctl build's ParseOutput)."""
    fields = {}
    for part in value.split(","):
        key, _unused, field = part.partition("=")
        fields[key.strip().lower()] = field
    return fields


def _docker_auths(state: dict, env: dict) -> dict:
    """{config key: (username, password)} from DOCKER_CONFIG\\config.json, else the user's
    %USERPROFILE%\\.docker\\config.json (docker/cli config.Dir, which buildctl's auth provider loads)."""
    folder = (env or {}).get("DOCKER_CONFIG") or environment.expand("%USERPROFILE%\\.docker")
    path = folder.rstrip("\\") + "\\config.json"
    if not files.is_file(state, path):
        return {}
    try:
        document = json.loads(files.read_bytes(state, path).decode("utf-8"))
        auths = {}
        for key, entry in (document.get("auths") or {}).items():
            user, _unused, password = base64.b64decode(entry.get("auth", "")).decode("utf-8").partition(":")
            auths[key] = (user, password)
        return auths
    except (ValueError, UnicodeDecodeError, AttributeError):
        return {}


def _local_dirs(state: dict, flags: goflags.Parsed) -> dict:
    locals_ = {}
    for entry in flags.get("local", []):
        key, _unused, path = entry.partition("=")
        locals_[key] = path
    for key in ("context", "dockerfile"):
        if key not in locals_:
            # The dockerfile.v0 frontend reads both local sources (approximated message).
            raise Failed(f"no local directory named {key!r}: give --local {key}=<dir>")
        if not files.is_dir(state, locals_[key]):
            # fsutil on the missing folder: Go's os.Stat text on Windows (approximated).
            raise Failed(f"local directory {locals_[key]}: CreateFile {locals_[key]}: "
                         "The system cannot find the file specified.")
    return locals_


def _solve(process: Process, runtime: dict, flags: goflags.Parsed, progress: Progress) -> dict:
    state = process.state
    if flags.get("frontend") != "dockerfile.v0":
        raise Failed(f"frontend {flags.get('frontend')!r} is not modelled by the simulator (only dockerfile.v0)")
    locals_ = _local_dirs(state, flags)
    outputs = [_csv(value) for value in flags.get("output", [])]
    output = outputs[-1] if outputs else {"type": "image"}
    if output.get("type") != "image":
        raise Failed(f"output type {output.get('type')!r} is not modelled by the simulator (only image)")
    name, push = output.get("name") or None, output.get("push", "false").lower() == "true"
    if push and not name:
        # exporter/containerimage: pushing needs a name (approximated message).
        raise Failed("failed to push: image name is required to push")
    address = runtime.get("containerd_address") or "\\\\.\\pipe\\containerd-containerd"
    if pipes.lookup(state, address) is None:
        # The containerd worker dials containerd for every solve; with containerd gone the
        # gRPC dial fails as buildctl's own does (docs/windows-facts.md#tool-output; approximated).
        raise Failed(f'connection error: desc = "transport: Error while dialing: open {address}: '
                     'The system cannot find the file specified."')
    path = locals_["dockerfile"].rstrip("\\") + "\\Dockerfile"
    if not files.is_file(state, path):
        raise progress.error("[internal] load build definition from Dockerfile",
                             "failed to read dockerfile: open Dockerfile: The system cannot find the file specified.")
    text = files.read_bytes(state, path).decode("utf-8", errors="replace")
    progress.step("[internal] load build definition from Dockerfile", 0.0,
                  [f"transferring dockerfile: {len(text.encode())}B done"])
    try:
        instructions = dockerfile.parse(text)
    except dockerfile.ParseError as error:
        raise Failed(str(error)) from None
    # The worker's snapshotter is containerd's: RUN steps unpack and commit layers in its root.
    root = containerd_snapshots.containerd_root(state, address)
    return _run_stage(process, instructions, text, locals_["context"], progress, name, push, root)


def _run_stage(process, instructions, text, context, progress, name, push, root) -> dict:
    state = process.state
    base_ref = dockerfile.base_of(next(arg for _n, kw, arg in instructions if kw == "FROM"))
    normalised = registry.normalise(base_ref)
    try:
        base = registry.resolve(state, base_ref)
    except registry.RegistryError as error:
        # llbsolver: "<ref as written>: failed to resolve source metadata for <normalised>: <cause>"
        # (the form docker build and buildctl print, e.g. drawdb-io/drawdb#293).
        message = f"{base_ref}: failed to resolve source metadata for {normalised}: {error}"
        raise progress.error(f"[internal] load metadata for {normalised}", message) from None
    progress.step(f"[internal] load metadata for {normalised}", 0.2)
    progress.step("[internal] load .dockerignore", 0.0, ["transferring context: 2B done"])
    steps = [i for i in instructions if i[1] in ("FROM", "COPY", "ADD", "RUN", "WORKDIR")]
    context_names = {files.normalise(key).rsplit("\\", 1)[-1]: key for key in files.children(state, context)}
    size = sum(len(files.read_bytes(state, key)) for key in context_names.values()
               if files.is_file(state, key) and not key.lower().endswith("\\dockerfile"))
    for index, (_number, keyword, argument) in enumerate(steps, start=1):
        label = f"[{index}/{len(steps)}]"
        if keyword == "FROM":
            progress.step(f"{label} FROM {normalised}@{base['digest']}", 0.1,
                          [f"resolve {normalised}@{base['digest']} done"])
            progress.step("[internal] load build context", 0.0, [f"transferring context: {size}B done"])
        elif keyword in ("COPY", "ADD"):
            for source in dockerfile.copy_sources(argument):
                if source.strip("/\\").lower() not in context_names:
                    # The cache key of a COPY whose source is missing from the context
                    # (fluxcd/source-controller#716: ... "/Makefile": not found).
                    raise progress.error(f"{label} {dockerfile.described(keyword, argument)}",
                                         f'failed to compute cache key: failed to calculate checksum of ref '
                                         f'{_id(state, "ref")}::{_id(state, "ctx")[:25]}: "/{source}": not found')
            progress.step(f"{label} {dockerfile.described(keyword, argument)}", 0.3)
        elif keyword == "RUN":
            _run_container(state, base, argument, f"{label} {dockerfile.described(keyword, argument)}", progress)
            # The container's rootfs is the base layer unpacked; its changes are committed as a new layer.
            parent = containerd_snapshots.unpack_base(state, root, base)
            containerd_snapshots.commit_layer(state, root, [parent], {f"run-{index}.txt": argument.encode()})
        else:
            progress.step(f"{label} {dockerfile.described(keyword, argument)}", 0.0)
    return _export(state, base, text, context, context_names, progress, name, push)


def _id(state: dict, kind: str) -> str:
    return hashlib.sha256(f"{kind} {state['hostname']} {state.get('buildkit_build_seq', 0)}".encode()).hexdigest()


def _run_container(state: dict, base: dict, argument: str, label: str, progress: Progress) -> None:
    host_build = state["os"]["build"]
    if not registry.process_isolation_fits(host_build, base["os_build"]):
        # buildkitd has no Hyper-V isolation: a RUN step's container is process-isolated,
        # and HCS refuses an image of another build (docs/windows-facts.md#buildkitd-defaults;
        # moby/buildkit#5682: RUN fails on a mismatched host; the hcs text as in
        # microsoft/navcontainerhelper#3417 "hcs::CreateComputeSystem <id>: The container
        # operating system does not match the host operating system", and the containerd
        # shim's "failed to create shim task", moby/buildkit#5216). buildkit wraps exec
        # errors: process "<args>" did not complete successfully: <error>.
        args = " ".join(dockerfile.run_arguments(argument))
        container = _id(state, "container")
        raise progress.error(label, f"process {json.dumps(args)} did not complete successfully: failed to create "
                                    f"shim task: hcs::CreateComputeSystem {container}: The container operating "
                                    "system does not match the host operating system.: unknown")
    progress.step(label, 1.9)


def _export(state, base, text, context, context_names, progress, name, push) -> dict:
    # The image config records the build time (no SOURCE_DATE_EPOCH: moby/buildkit
    # docs/build-repro.md), so every build gets a new digest.
    state["buildkit_build_seq"] = state.get("buildkit_build_seq", 0) + 1
    content = {"base": base["digest"], "dockerfile": text, "seq": state["buildkit_build_seq"],
               "context": sorted((n, base64.b64encode(files.read_bytes(state, k)).decode())
                                 for n, k in context_names.items() if files.is_file(state, k))}
    manifest = "sha256:" + hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    config = "sha256:" + hashlib.sha256(("config " + manifest).encode()).hexdigest()
    details = ["exporting layers 1.3s done", f"exporting manifest {manifest} done", f"exporting config {config} done"]
    image = {"digest": manifest, "os_build": base["os_build"]}
    if name:
        details.append(f"naming to {name} done")
        # The containerd worker's image exporter stores named images in its namespace.
        state.setdefault("containerd_images", {}).setdefault(NAMESPACE, {})[registry.normalise(name)] = image
    metadata = {"containerimage.digest": manifest, "containerimage.config.digest": config}
    if name:
        metadata["image.name"] = name
    return {"details": details, "image": image, "name": name, "push": push, "metadata": metadata}


def run(process: Process, runtime: dict, argv: list) -> Completed:
    """`buildctl [global flags] build <argv>` against the buildkitd whose runtime is given."""
    try:
        flags = goflags.parse(argv, FLAGS)
    except goflags.FlagError as error:
        return Completed(1, "", f"Incorrect Usage: {error}\n")
    state = process.state
    progress = Progress()
    try:
        result = _solve(process, runtime, flags, progress)
        details = list(result["details"])
        if result["push"]:
            try:
                registry.push(state, result["name"], result["image"], _docker_auths(state, process.env))
            except registry.RegistryError as error:
                raise progress.error("exporting to image", f"failed to push {result['name']}: {error}") from None
            details += ["pushing layers 1.1s done",
                        f"pushing manifest for {registry.normalise(result['name'])}@{result['image']['digest']} done"]
        progress.step("exporting to image", 2.7, details)
    except Failed as failure:
        return Completed(1, "", progress.text(f"error: failed to solve: {failure}"))
    target = flags.get("metadata-file")
    if target and files.is_dir(state, files.parent(target) or ""):
        failed = _write_metadata(state, target, json.dumps(result["metadata"], indent=2).encode("utf-8"))
        if failed:
            # handleErr in cmd/buildctl/main.go: "error: %v" on stderr, exit status 1.
            return Completed(1, "", progress.text(f"error: {failed}"))
    return Completed(0, "", progress.text())


def _write_metadata(state: dict, target: str, data: bytes) -> str | None:
    """writeMetadataFile (cmd/buildctl/build.go): continuity.AtomicWriteFile, i.e. os.CreateTemp(dir,
    ".tmp-" + base), Write, Sync, Close, os.Rename over the target. A failed write returns the *PathError
    and leaves the temporary file where it is (containerd/continuity ioutils.go removes nothing).
    Returns the error text, or None."""
    # os.CreateTemp puts a random decimal number after the pattern.
    suffix = int(guids.new_guid(state).replace("-", "")[:8], 16)
    name = target.replace("/", "\\").rsplit("\\", 1)[-1]
    staged = f"{files.parent(target)}\\.tmp-{name}{suffix}"
    try:
        files.write_bytes(state, staged, data)
    except files.WindowsIOError as error:
        return f"write {staged}: {error.message}"
    try:
        # os.Rename on Windows: MoveFileEx with MOVEFILE_REPLACE_EXISTING.
        if files.is_file(state, target):
            files.delete(state, target)
        files.move(state, staged, target, long_paths=True)
    except files.WindowsIOError as error:
        return f"rename {staged} {target}: {error.message}"
    return None
