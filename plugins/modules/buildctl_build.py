#!/usr/bin/python
# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This file is documentation only: the module is implemented by the action
# plugin plugins/action/buildctl_build.py.

DOCUMENTATION = r'''
---
module: buildctl_build
short_description: Run the nanoserver hello-world sample build of BuildKit's Windows guide with buildctl
version_added: 0.1.0
description:
  - Builds the sample image of BuildKit's Windows guide (C(docs/windows.md), "Example Build") on the host, to show that
    buildkitd, containerd and the base image fit together. Its Dockerfile starts C(FROM) a Nano Server image, copies
    C(hello.txt) and runs one C(RUN) step.
  - Writes the Dockerfile and C(hello.txt) to a new folder under the connecting user's temporary folder, runs
    C(buildctl build --frontend=dockerfile.v0 --local context=<folder> --local dockerfile=<folder>
    --output type=image,name=<image_name>,push=<push> --metadata-file <file> --progress=plain), reads the image
    digest from the metadata file, and removes the folder, whether the build worked or not.
  - A folder left behind by a run whose connection dropped (its name carries the time the run is over for sure,
    O(timeout) and 10 minutes after it started) is removed by the first build after that time.
  - The base image tag is chosen from the host's build, because buildkitd runs build containers with process
    isolation only, which needs a base image the host build can run (C(1809) on Windows Server 2019, C(ltsc2022) on
    Windows Server 2022 and Windows 11, C(ltsc2025) on Windows Server 2025 and later). O(base_image_tag) overrides it;
    a tag that does not fit the host is warned about, and the build then fails at its C(RUN) step.
  - It is an action, not a state. A build that succeeds reports C(changed=true), every time it runs (the image is
    stored in containerd, and pushed with O(push=true), again; its digest changes with the build time). A build that
    fails reports C(changed=false) and fails the task with buildctl's error and the end of its output.
  - In check mode it builds nothing; it reads the host build and reports what it would build (C(changed=true)).
  - Runs as the connecting user, who must be allowed to open buildkitd's pipe (an administrator, or a member of
    buildkitd's C(--group)).
options:
  image_name:
    description:
      - Name of the image to build, such as C(docker.io/<user>/hello-buildkit) or C(localhost:5000/hello:1), the
        C(name=) of the image output.
      - Required with O(push=true). Without it the image is built but not named.
    type: str
  push:
    description: Push the image to its registry after building it. The image is kept in containerd in both cases.
    type: bool
    default: false
  base_image:
    description:
      - Repository of the base image, without a tag.
      - For C(mcr.microsoft.com/windows/nanoserver) and C(mcr.microsoft.com/windows/servercore) the tag is chosen
        from the host build unless O(base_image_tag) is given; any other repository needs O(base_image_tag).
    type: str
    default: mcr.microsoft.com/windows/nanoserver
  base_image_tag:
    description:
      - Tag of O(base_image) to build on, instead of the one that fits the host build.
      - A Windows base image must fit the host build to run process-isolated; a tag that does not makes the
        C(RUN) step fail ("The container operating system does not match the host operating system").
    type: str
  registry_username:
    description:
      - User name for the registry of O(image_name), to push; only with O(push=true).
      - Requires O(registry_password).
      - The credentials go to a Docker C(config.json) in the temporary build folder, named to C(buildctl) by
        C(DOCKER_CONFIG), and are removed with it. Without them, C(buildctl) uses the connecting user's own Docker
        configuration (C(%USERPROFILE%\.docker\config.json)), if any.
    type: str
  registry_password:
    description:
      - Password or token for O(registry_username).
      - Requires O(registry_username).
      - The value is hidden in task output and logs (C(no_log)).
    type: str
  buildctl_path:
    description: Path of C(buildctl.exe) on the host.
    type: str
    default: C:\Program Files\buildkit\buildctl.exe
  addr:
    description:
      - buildkitd's address (C(--addr)), such as C(npipe:////./pipe/buildkitd); buildctl's default when not set.
      - Either C(npipe:////./pipe/<name>) (or C(npipe:////<server>/pipe/<name>)) with a pipe name of letters, digits,
        C(.), C(_) and C(-), or C(tcp://<host>:<port>); anything else is refused before the host is touched.
    type: str
  timeout:
    description:
      - Seconds to wait for the build; C(buildctl) is stopped after that and the task fails.
      - The first build on a host pulls the base image, which takes minutes.
      - At most 2147483 (about 24 days).
    type: int
    default: 1800
extends_documentation_fragment:
  - wcow.buildkit.attributes
attributes:
  check_mode:
    support: full
    details: Reads the host build and reports what it would build; builds nothing.
  diff_mode:
    support: none
  idempotent:
    support: none
    details: An action; every successful build reports a change.
notes:
  - The host needs to reach the base image's registry (C(mcr.microsoft.com)) to pull it the first time, and the
    registry of O(image_name) to push.
seealso:
  - module: wcow.buildkit.buildctl_debug_info
  - module: wcow.buildkit.wcow_facts
  - name: BuildKit on Windows, Example Build
    description: The sample build this module runs.
    link: https://github.com/moby/buildkit/blob/master/docs/windows.md
author:
  - wcow.buildkit contributors (@wcow)
'''

EXAMPLES = r'''
- name: Build the sample image, with the base image tag that fits the host, and keep it local
  wcow.buildkit.buildctl_build:
    image_name: localhost/hello-buildkit
  register: sample

- name: Build it and push it to a registry
  wcow.buildkit.buildctl_build:
    image_name: docker.io/example/hello-buildkit
    push: true
    registry_username: example
    registry_password: "{{ registry_token }}"
'''

RETURN = r'''
image_name:
  description: Name of the image built (O(image_name)); null when not named.
  returned: always
  type: str
  sample: localhost/hello-buildkit
push:
  description: Whether the build was asked to push the image.
  returned: always
  type: bool
pushed:
  description: Whether the image was pushed (a successful build with O(push=true)).
  returned: always
  type: bool
host_build:
  description: Build number of the host's Windows, which the base image tag must fit.
  returned: always
  type: int
  sample: 20348
base_image:
  description: Base image the Dockerfile starts from, with its tag; null when no tag fits the host.
  returned: always
  type: str
  sample: mcr.microsoft.com/windows/nanoserver:ltsc2022
base_image_tag:
  description: Tag of the base image, chosen from the host build or given in O(base_image_tag).
  returned: always
  type: str
  sample: ltsc2022
output:
  description: The C(--output) value given to C(buildctl).
  returned: always
  type: str
  sample: type=image,name=localhost/hello-buildkit,push=false
command:
  description:
    - The C(buildctl) command line, as a list. Before the build (check mode, or a failure before it ran) the
      temporary paths are shown as C(<context>) and C(<metadata-file>).
  returned: always
  type: list
  elements: str
dockerfile:
  description: The Dockerfile of the sample build.
  returned: always
  type: str
digest:
  description: Digest of the image's manifest (C(containerimage.digest) of buildctl's metadata file); null unless built.
  returned: always
  type: str
  sample: sha256:625a648ad14e6359a8bfa53c676985922834f1ad911e4c38cefac6e0e8e50c9e
duration:
  description: Seconds the build took on the host; null when it did not run.
  returned: always
  type: float
  sample: 5.6
exit_code:
  description: Exit code of C(buildctl); null when it did not run.
  returned: always
  type: int
log_tail:
  description: The last lines of C(buildctl)'s progress output (plain), empty when it did not run.
  returned: always
  type: list
  elements: str
'''
