"""One JSON state file per simulated host, changed atomically under a lock.

Writers take an exclusive `fcntl.flock` on a sidecar `<file>.lock` (the state
file itself is replaced on every write, so it cannot carry the lock), write a
temporary file in the same directory and `os.replace` it over the state file:
a reader never sees half a document, and tests may edit a host by hand between
runs with `transaction()`.
"""

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile

from . import faults as fault_file
from . import profiles


class HostStore:
    def __init__(self, path: pathlib.Path):
        self.path = pathlib.Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @classmethod
    def create(cls, path, profile: str, faults: list | None = None, **options) -> "HostStore":
        """A fresh state file for `profile` (see `winsim.host.profiles.build_state`), with `faults` (winsim.host.faults)."""
        state = profiles.build_state(profile, **options)
        store = cls(path)
        with store._locked(fcntl.LOCK_EX):
            store._write(state)
        fault_file.set_faults(store.path, faults)
        return store

    def read(self) -> dict:
        with self._locked(fcntl.LOCK_SH):
            return json.loads(self.path.read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def transaction(self):
        """Yield the mutable state; written at exit unless the block raises."""
        with self._locked(fcntl.LOCK_EX):
            state = json.loads(self.path.read_text(encoding="utf-8"))
            yield state
            self._write(state)

    @contextlib.contextmanager
    def _locked(self, mode: int):
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), mode)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write(self, state: dict) -> None:
        text = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
