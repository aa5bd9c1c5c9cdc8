# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options containerd_service and buildkitd_service share: the service's state and start type, how long to
    # wait for it, and what state=absent removes. Each module's notes say which data folders O(remove_data) means.
    DOCUMENTATION = r'''
options:
  state:
    description:
      - V(started) registers the service when it is missing, corrects its registration, and starts it; a running
        service is restarted when its command line or its config file changed.
      - V(stopped) registers and corrects the service like V(started), and stops it.
      - V(restarted) is V(started), and restarts the service in any case (always reports a change).
      - V(absent) stops and deletes the service, then removes the config file the module wrote (see
        O(remove_config)) and, with O(remove_data=true), the daemon's data. The binary stays; the release archive
        is removed with M(wcow.buildkit.win_release_archive).
    type: str
    choices: [started, stopped, restarted, absent]
    default: started
  start_type:
    description:
      - V(auto) starts the service at boot (as C(--register-service) sets it), V(delayed) shortly after boot,
        V(manual) only when asked or when a service depending on it starts, V(disabled) never.
      - V(disabled) cannot be combined with O(state=started) or O(state=restarted).
    type: str
    choices: [auto, delayed, manual, disabled]
    default: auto
  timeout:
    description: Seconds to wait for the service to start, stop or be deleted; at least 1.
    type: int
    default: 60
  backup:
    description: Keep the replaced config file as C(<config_path>.<timestamp>.<random>.bak).
    type: bool
    default: false
  remove_config:
    description:
      - With O(state=absent) and O(manage_config=true), remove the config file at O(config_path) when it holds what
        this module writes with the options given (compared as TOML, as when writing). A file that differs was
        changed by someone else, or written with other options; it is kept, with a warning.
      - Give the same options as when the service was installed, so that the same file is recognised.
      - Backups made with O(backup=true) are kept, since they hold configs the module did not write.
      - Ignored with the other states.
    type: bool
    default: true
  remove_data:
    description:
      - With O(state=absent), once the service is unregistered and its process stopped, remove the daemon's data
        folders and its log, then their folder when nothing else is left in it. The notes say which paths these
        are.
      - Only the paths the module's options name (or their defaults) are removed, never what a file on the host
        says, and only paths that pass this rule, checked before anything reaches the host (a refused path fails
        the task naming the option it came from) - a local drive (no network path); at least two folders deep
        (three below C(Program Files)); nothing in C(Windows), C(Users), C(ProgramData\Microsoft) or the volume's
        own folders; no C(.), C(..), trailing dot or space, or 8.3 short name such as C(PROGRA~3); not the folder
        of O(binary).
      - A data folder is removed only when this collection created it. With O(state=started), O(state=stopped) or
        O(state=restarted) the module creates the data folders that are missing before the daemon first starts, and
        records each in C(HKLM\SOFTWARE\wcow.buildkit\DataRoots) - a value named after its path whose data is the
        folder's identity (volume serial number and NTFS file id). Only a folder with that record, and the same
        identity, is removed, and its record with it; a folder without one - created by hand, by the daemon, by a
        release of this collection older than the records, or deleted and created again since - is kept, with a
        warning naming it, and the task goes on (the uninstall converges). To remove such a folder, delete it by
        hand once the service is gone.
      - A reparse point (junction, symbolic link, mount point) anywhere along a data folder's path, or along the
        log file's folder, fails the task before anything is changed, as does a folder whose final path (the path
        with every link resolved) is not its path. A folder below a link is not created nor recorded either.
      - Links (junctions, symbolic links) inside the folders are removed as links; what they point to is not
        touched.
      - Read-only files are removed too. A file a process still holds (a container or a build still running)
        stops the removal with an error naming it; what went before stays removed, and running the task again
        removes the rest.
      - In check mode the task lists what would be removed (RV(removed), and the diff with sizes).
      - Only with O(state=absent); V(false) keeps the data, so that a new installation finds it again.
    type: bool
    default: false
  service_environment:
    description:
      - Environment variables of the daemon's process, a mapping of names to values, for example C(HTTP_PROXY),
        C(HTTPS_PROXY) and C(NO_PROXY), which the daemon's registry and HTTP clients read (Go's
        C(net/http.ProxyFromEnvironment)).
      - Kept in the service's own C(Environment) value (REG_MULTI_SZ) under
        C(HKLM\SYSTEM\CurrentControlSet\Services\<name>), which the service control manager gives the process
        when it starts the service; they do not reach the rest of the machine, unlike machine-wide variables.
      - The value is made to hold exactly these variables; an entry added by hand is reported as a change and
        removed. V({}) removes the value. Not given (the default), the value is left as it is.
      - A change restarts a running service once, since the process reads its environment only when it starts.
      - Names must not be empty or hold C(=); names differing only in case are refused (Windows names ignore
        case); values must be strings. Checked before anything reaches the host.
      - Results and diffs show the values with any credentials of a URL (C(http://user:password@proxy:3128))
        replaced by C(********).
    type: dict
'''
