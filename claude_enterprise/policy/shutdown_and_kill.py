"""Shutdown under other names, and commands that would kill the agent's own guard rails.

`systemctl poweroff` is `poweroff` and `telinit 6` is `reboot`: a deny list naming the one covers the
other. Killing every process (`kill -9 -1`) or the product's own processes (`pkill -f claude-enterprise`,
`kill $(pgrep claude)`) would end the session's hook and exec gate: refused under every profile.
"""

from __future__ import annotations

import re

from .destructive import operation_candidates
from .model import Analysis, Execution

_SYSTEMCTL_VALUE = frozenset(
    {"-t", "--type", "-p", "--property", "-s", "--signal", "-H", "--host", "-M", "--machine", "-n", "--lines",
     "-o", "--output", "--root", "--state", "--kill-whom", "--what", "--job-mode", "--boot-loader-entry",
     "--reboot-argument", "--when", "--message", "--timestamp"}
)  # fmt: skip
_SHUTDOWN_VERBS = {
    "poweroff": ("poweroff", "shutdown", "halt"),
    "halt": ("halt", "shutdown", "poweroff"),
    "reboot": ("reboot", "shutdown"),
    "kexec": ("reboot", "shutdown"),
    "soft-reboot": ("reboot", "shutdown"),
    "rescue": ("shutdown",),
    "emergency": ("shutdown",),
}
_RUNLEVELS = {"0": _SHUTDOWN_VERBS["poweroff"], "6": _SHUTDOWN_VERBS["reboot"], "1": ("shutdown",),
              "s": ("shutdown",), "S": ("shutdown",)}  # fmt: skip
_EVERY_SHUTDOWN = ("poweroff", "reboot", "halt", "shutdown")

# What the product's processes look like to pkill/pgrep (short names, truncated to 15 characters by the
# kernel) and to `pkill -f` (full command lines: Claude Code is a node program, ours are Python scripts).
_PROCESS_NAMES = ("claude", "claude-enterprise", "claude-enterprise-gate", "claude-enterpri")
_COMMAND_LINES = (
    *_PROCESS_NAMES,
    "node /usr/local/bin/claude",
    "/usr/bin/python3 /usr/local/bin/claude-enterprise hook",
    "/usr/bin/python3 /usr/local/bin/claude-enterprise-gate",
    "python3 -m claude_enterprise.cli.entry",
)
_PGREP_VALUE = frozenset(
    {"-d", "--delimiter", "-g", "--pgroup", "-G", "--group", "-P", "--parent", "-s", "--session", "-t",
     "--terminal", "-u", "--euid", "-U", "--uid", "--ns", "--nslist", "--signal", "-F", "--pidfile", "-r",
     "--runstates", "-q", "--queue"}
)  # fmt: skip
_KILLALL_VALUE = frozenset({"-s", "--signal", "-u", "--user", "-o", "--older-than", "-y", "--younger-than", "-n"})
_SIGNAL = re.compile(r"^-([0-9]+|[A-Z][A-Z0-9+-]*)$")


def shutdown_names(ex: Execution, name: str) -> tuple[str, ...]:
    """The deny-list names `ex` also stands for (`name`: its canonical lower-cased name)."""
    if name in ("systemctl", "loginctl"):
        for verb in operation_candidates(ex.args, _SYSTEMCTL_VALUE, count=1):
            if verb is None:
                return _EVERY_SHUTDOWN
            if verb in _SHUTDOWN_VERBS:
                return _SHUTDOWN_VERBS[verb]
    if name in ("init", "telinit"):
        operands = [a for a in ex.args if a is None or not a.startswith("-")]
        if operands[:1] == [None]:
            return _EVERY_SHUTDOWN
        if operands:
            return _RUNLEVELS.get(operands[0] or "", ())
    return ()


def _matches(pattern: str | None, full: bool, ignore_case: bool, exact: bool) -> bool:
    """Could a pgrep-style pattern select one of the product's processes? Unknown patterns could."""
    if pattern is None:
        return True
    try:
        regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return True
    for candidate in _COMMAND_LINES if full else _PROCESS_NAMES:
        if (regex.fullmatch(candidate) if exact else regex.search(candidate)) is not None:
            return True
    return False


def _pgrep_targets(ex: Execution) -> bool:
    args = list(ex.args)
    patterns: list[str | None] = []
    letters = ""
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None:
            patterns.append(None)
        elif arg in _PGREP_VALUE:
            i += 1
        elif arg.startswith("--"):
            letters += {"--full": "f", "--ignore-case": "i", "--exact": "x"}.get(arg, "")
        elif arg.startswith("-") and not _SIGNAL.match(arg):
            letters += arg[1:]
        elif not arg.startswith("-"):
            patterns.append(arg)
    return any(_matches(p, "f" in letters, "i" in letters, "x" in letters) for p in patterns)


def _killall_targets(ex: Execution) -> bool:
    args = list(ex.args)
    regex = any(a in ("-r", "--regexp") for a in args)
    ignore_case = any(a in ("-I", "--ignore-case") for a in args)
    names: list[str | None] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in _KILLALL_VALUE:
            i += 1
        elif arg is None or not arg.startswith("-"):
            names.append(arg)
    for name in names:
        if regex:
            if _matches(name, False, ignore_case, False):
                return True
        elif name is None or any((name.lower() == p) if ignore_case else name == p for p in _PROCESS_NAMES):
            return True
    return False


def _kill_pids(ex: Execution) -> list[str | None]:
    """The process ids a `kill` gives (the first `-X` word is a signal, `-s`/`-n` take one)."""
    args = list(ex.args)
    pids: list[str | None] = []
    i = 0
    signal_seen = False
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None:
            pids.append(None)
        elif arg == "--":
            pids.extend(args[i:])
            break
        elif arg in ("-l", "-L", "--list", "--table"):
            return []
        elif arg in ("-s", "-n", "--signal"):
            i += 1
            signal_seen = True
        elif arg.startswith("-") and not signal_seen:
            signal_seen = True
        else:
            pids.append(arg)
    if not pids and args == ["-1"]:
        return ["-1"]  # `kill -1` alone: read as "every process", the reading that matters
    return pids


def kills_the_agent(ex: Execution, name: str, analysis: Analysis) -> str | None:
    """What `ex` would kill of the session's own processes, or None."""
    if name == "pkill" and _pgrep_targets(ex):
        return "`pkill` would match the agent's own processes (claude, claude-enterprise)"
    if name == "killall" and _killall_targets(ex):
        return "`killall` would match the agent's own processes (claude, claude-enterprise)"
    if name == "kill":
        pids = _kill_pids(ex)
        if any(p in ("-1", "0") for p in pids):
            return "`kill -1` / `kill 0` signals every process, the agent's own included"
        if None in pids and any(
            other.name in ("pgrep", "pidof") and _finds_agent(other) for other in analysis.executions
        ):
            return "`kill` of the process ids `pgrep`/`pidof` finds for the agent's own processes"
    return None


def _finds_agent(ex: Execution) -> bool:
    if ex.name == "pidof":
        return any(a is None or a in _PROCESS_NAMES for a in ex.args if a is None or not a.startswith("-"))
    return _pgrep_targets(ex)
