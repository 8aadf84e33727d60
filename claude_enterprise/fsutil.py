"""Writing files and directories that nobody else may prepare or read (standard library only).

One implementation of each: an atomic replace (readers see the old file or the new one, never half),
an exclusive create (the file must not exist: nobody may have planted it), and a private directory.
The audit spool uses them on the hot path, so this module imports only small standard-library modules.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from pathlib import Path

_TMP_COUNTER = itertools.count()


def atomic_write(path: Path | str, data: str | bytes, *, mode: int = 0o600, fsync: bool = True) -> None:
    """Replace `path` with `data` atomically, with `mode`; `fsync` first when it must survive a crash.

    The temporary file sits beside `path` (a rename across file systems is not atomic) and has a name unique
    to this process and call, so concurrent writers never share one.
    """
    path = os.fspath(path)
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{next(_TMP_COUNTER)}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        # Left by a killed process whose pid we now have (pids repeat after a reboot or in a container): no
        # live writer can hold our pid, so it is stale. O_EXCL again, so a planted symlink is never followed.
        os.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.write(fd, payload)
            os.fchmod(fd, mode)  # the umask narrowed the mode os.open gave it
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def create_exclusive(path: Path | str, data: str | bytes, *, mode: int = 0o600, fsync: bool = False) -> None:
    """Create `path` with `data`, failing (FileExistsError) if anything is already there."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, payload)
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def private_dir(path: Path) -> Path:
    """Create (or accept) a directory that is ours alone: not a symlink, owned by us, 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a directory owned by this user")
    os.chmod(path, 0o700)
    return path
