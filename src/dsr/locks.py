"""One command at a time per output directory (a ``dsr write`` run, a
``dsr synth`` data directory).

``directory_lock(root, command)`` holds ``root/.lock``, which names the pid
and host of the holder. A second command on the same directory is refused
with a one-line error (exit code 3); a lock left by a killed command (its
process is gone) is taken over, so a killed run can simply be started again.
"""

from __future__ import annotations

import errno
import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from dsr.errors import UserError

LOCK_NAME = ".lock"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


@contextmanager
def directory_lock(root: Path | str, command: str, what: str = "run directory") -> Iterator[None]:
    """Hold ``root``'s lock for ``command`` (made if missing; ``what`` names
    the directory in the error when it cannot be made)."""
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {what} {root}: {exc.strerror}") from None
    lock_path = root / LOCK_NAME
    me = f"{os.getpid()} {socket.gethostname()}\n"
    for _ in range(3):
        try:
            fd = os.open(lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = lock_path.read_text("utf-8", errors="replace").split()
            pid = int(holder[0]) if holder and holder[0].isdigit() else None
            same_host = len(holder) < 2 or holder[1] == socket.gethostname()
            if pid and pid != os.getpid() and (_pid_alive(pid) or not same_host):
                raise UserError(
                    f"{root} is in use by another {command} (pid {pid}); "
                    "wait for it to finish or use another -o directory",
                    exit_code=3,
                ) from None
            lock_path.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(me)
        break
    else:
        raise UserError(f"cannot lock {root}: another process keeps taking the lock", exit_code=3)
    try:
        yield
    finally:
        lock_path.unlink(missing_ok=True)


def lock_holder(root: Path | str) -> int | None:
    """The pid of the live process on this host holding ``root``'s lock, or None."""
    try:
        holder = (Path(root) / LOCK_NAME).read_text("utf-8", errors="replace").split()
    except OSError:
        return None
    pid = int(holder[0]) if holder and holder[0].isdigit() else None
    same_host = len(holder) < 2 or holder[1] == socket.gethostname()
    return pid if pid and same_host and _pid_alive(pid) else None
