"""Container image registries as a simulated host reaches them: the Windows base images on
mcr.microsoft.com, and the images pushed to other registries.

State: state["registries"] (optional; absent = every registry reachable, none
with accounts) is {"unreachable": [hosts the host cannot reach],
"accounts": {host: {"username", "password"}}: registries that check
credentials, "anonymous_push": [hosts that accept pushes without
credentials], "images": {normalised name: {"digest", "os_build"}}: pushed
images}. Images built on the host go to containerd's image store,
state["containerd_images"][namespace][normalised name] = {"digest", "os_build"}.
"""

from __future__ import annotations

import hashlib

DOCKER_HUB = "docker.io"
# Docker Hub's credentials are stored under this key in config.json (buildkit
# session/auth/authprovider maps registry-1.docker.io to it).
DOCKER_HUB_CONFIG_KEY = "https://index.docker.io/v1/"

# The LTSC Windows base images and the OS build each tag runs (docs/windows-facts.md#hosts-and-base-images;
# Nano Server for 2019 is tagged 1809 only).
BASE_IMAGES = {
    "mcr.microsoft.com/windows/nanoserver:1809": 17763,
    "mcr.microsoft.com/windows/nanoserver:ltsc2022": 20348,
    "mcr.microsoft.com/windows/nanoserver:ltsc2025": 26100,
    "mcr.microsoft.com/windows/servercore:1809": 17763,
    "mcr.microsoft.com/windows/servercore:ltsc2019": 17763,
    "mcr.microsoft.com/windows/servercore:ltsc2022": 20348,
    "mcr.microsoft.com/windows/servercore:ltsc2025": 26100,
}
# hcsshim osversion compatLTSCReleases: the LTSC builds with the stable ABI, ascending.
STABLE_ABI_LTSC = (20348, 26100)


class RegistryError(Exception):
    """What containerd's resolver or pusher returns; the message as BuildKit prints it."""


def split(reference: str) -> tuple:
    """(domain, path, tag) with docker's defaults: docker.io, library/ for one-word names, latest."""
    name, _unused, _digest = reference.partition("@")
    tag = "latest"
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    first, slash, rest = name.partition("/")
    # distribution/reference splitDockerDomain.
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
    else:
        domain, path = DOCKER_HUB, name
    if domain in ("index.docker.io", "registry-1.docker.io"):
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = "library/" + path
    return domain, path, tag


def normalise(reference: str) -> str:
    domain, path, tag = split(reference)
    return f"{domain}/{path}:{tag}"


def _registries(state: dict) -> dict:
    return state.get("registries") or {}


def _endpoint(domain: str) -> str:
    return "registry-1.docker.io" if domain == DOCKER_HUB else domain


def _unreachable(state: dict, domain: str, url: str) -> RegistryError | None:
    if domain in _registries(state).get("unreachable", []):
        host = _endpoint(domain).split(":")[0]
        # Go net/http through containerd's resolver: failed to do request: Head "<url>": dial tcp: lookup <host>: ...
        return RegistryError(f'failed to do request: Head "{url}": dial tcp: lookup {host}: no such host')
    return None


def resolve(state: dict, reference: str) -> dict:
    """An image's manifest for a FROM line: {"name", "digest", "os_build"}; raises RegistryError."""
    domain, path, tag = split(reference)
    name = f"{domain}/{path}:{tag}"
    failure = _unreachable(state, domain, f"https://{_endpoint(domain)}/v2/{path}/manifests/{tag}")
    if failure:
        raise failure
    pushed = _registries(state).get("images", {}).get(name)
    if pushed:
        return {"name": name, "digest": pushed["digest"], "os_build": pushed["os_build"]}
    if name in BASE_IMAGES:
        digest = "sha256:" + hashlib.sha256(f"base {name}".encode()).hexdigest()
        return {"name": name, "digest": digest, "os_build": BASE_IMAGES[name]}
    # containerd remotes/docker resolver: errdefs.ErrNotFound wrapped with the reference.
    raise RegistryError(f"{name}: not found")


def push(state: dict, reference: str, image: dict, auths: dict) -> None:
    """Push an image: the registry must be reachable and take the credentials found in `auths`
    (the "auths" of a Docker config.json)."""
    domain, path, tag = split(reference)
    name = f"{domain}/{path}:{tag}"
    registries = _registries(state)
    failure = _unreachable(state, domain, f"https://{_endpoint(domain)}/v2/{path}/blobs/{image['digest']}")
    if failure:
        raise failure
    key = DOCKER_HUB_CONFIG_KEY if domain == DOCKER_HUB else domain
    credentials = auths.get(key)
    account = registries.get("accounts", {}).get(domain)
    if credentials is None and domain not in registries.get("anonymous_push", []):
        # The registry's 401 to an anonymous token request, as BuildKit reports it (the
        # "pull access denied, repository does not exist or may require authorization:
        # server message: insufficient_scope: authorization failed" family).
        raise RegistryError("push access denied, repository does not exist or may require authorization: "
                            "server message: insufficient_scope: authorization failed")
    if credentials is not None and account is not None and credentials != (account["username"], account["password"]):
        raise RegistryError(f"failed to authorize: failed to fetch oauth token: unexpected status from GET request "
                            f"to https://{_endpoint(domain)}/token?scope=repository%3A{path.replace('/', '%2F')}"
                            f"%3Apull%2Cpush: 401 Unauthorized")
    state.setdefault("registries", {}).setdefault("images", {})[name] = dict(image)


def process_isolation_fits(host_build: int, image_build: int) -> bool:
    """hcsshim osversion CheckHostAndContainerCompat (containerd/platforms' copy the same): below
    20348 the builds must be equal; from 20348 on the image must lie between the newest stable-ABI
    LTSC older than the host (20348 at least) and the host."""
    if host_build < STABLE_ABI_LTSC[0]:
        return host_build == image_build
    oldest = STABLE_ABI_LTSC[0]
    for ltsc in reversed(STABLE_ABI_LTSC):
        if host_build > ltsc:
            oldest = ltsc
            break
    return oldest <= image_build <= host_build
