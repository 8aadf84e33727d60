#!/usr/bin/env python3
"""Stands in for `claude` in the launcher's own tests (signal forwarding, exit codes, argv, environment).

Writes a JSON report (argv, selected env, settings file mode) to $STANDIN_REPORT, logs each signal it gets
to $STANDIN_REPORT.signals, then waits. SIGTERM ends it with $STANDIN_EXIT (default 0), or kills it with
SIGKILL when STANDIN_EXIT=kill.
"""

import json
import os
import signal
import stat
import sys

report = os.environ["STANDIN_REPORT"]


def log(signum, _frame):
    with open(report + ".signals", "a") as handle:
        handle.write(signal.Signals(signum).name + "\n")
    if signum == signal.SIGTERM:
        how = os.environ.get("STANDIN_EXIT", "0")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.exit(int(how))


for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGWINCH, signal.SIGQUIT):
    signal.signal(sig, log)

argv = sys.argv[1:]
settings_file = argv[argv.index("--settings") + 1] if "--settings" in argv else None
settings = None
if settings_file:
    with open(settings_file) as handle:
        settings = json.load(handle)
info = {
    "argv": argv,
    "pid": os.getpid(),
    "pgid": os.getpgid(0),
    "env": {k: v for k, v in os.environ.items() if k.startswith(("CLAUDE", "OTEL", "ANTHROPIC"))},
    "settings": settings,
    "settings_mode": stat.S_IMODE(os.stat(settings_file).st_mode) if settings_file else None,
    "session_dir_mode": stat.S_IMODE(os.stat(os.path.dirname(settings_file)).st_mode) if settings_file else None,
    "blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
}
tmp = report + ".tmp"
with open(tmp, "w") as handle:
    json.dump(info, handle)
os.replace(tmp, report)
if os.environ.get("STANDIN_EXIT_NOW") is not None:
    sys.exit(int(os.environ["STANDIN_EXIT_NOW"]))
while True:
    signal.pause()
