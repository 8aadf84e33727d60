"""Test tree root: starts PROGRAM (a harmless stand-in for a denied program) one of several ways.

usage: spawner.py MODE PROGRAM PIDFILE [ARG...]
Writes the pid the program runs as to PIDFILE, then stays alive (the session root) until killed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def write_pid(path: str, pid: int) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{pid}\n")
    os.replace(tmp, path)


def fork_exec(program: str, args: list[str], pidfile: str, *, setsid: bool) -> None:
    """Double fork: the middle process exits at once, the grandchild is re-parented, then execs."""
    middle = os.fork()
    if middle == 0:
        if setsid:
            os.setsid()
        if os.fork() == 0:
            write_pid(pidfile, os.getpid())
            os.execvp(program, [program, *args])
        os._exit(0)
    os.waitpid(middle, 0)


def main() -> None:
    mode, program, pidfile, *args = sys.argv[1:]
    if mode in ("direct", "abspath"):
        proc = subprocess.Popen([program, *args])
        write_pid(pidfile, proc.pid)
    elif mode == "sh":
        # `; wait` keeps sh as the parent (no exec of the last command), so the chain is root > sh > program
        line = " ".join([program, *args])
        subprocess.Popen(["sh", "-c", f'{line} & echo $! > "$0.tmp" && mv "$0.tmp" "$0"; wait', pidfile])
    elif mode == "setsid":
        proc = subprocess.Popen(["setsid", program, *args])
        write_pid(pidfile, proc.pid)
    elif mode == "doublefork":
        fork_exec(program, args, pidfile, setsid=False)
    elif mode == "daemon":
        fork_exec(program, args, pidfile, setsid=True)
    elif mode == "exec-later":
        # An already-running member (seen by the guard as python) that execs the program later on.
        child = os.fork()
        if child == 0:
            write_pid(pidfile, os.getpid())
            time.sleep(0.3)
            os.execvp(program, [program, *args])
    else:
        raise SystemExit(f"unknown mode {mode}")
    while True:
        try:
            os.waitpid(-1, 0)  # reap what we started; keep living as the root
        except ChildProcessError:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
