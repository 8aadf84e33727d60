"""The processes Claude Code's own Linux sandbox starts, which the guard and the PATH shims must let run.

With the sandbox on, Claude Code bridges the sandbox's network namespace to its filtering proxy with socat
(observed on 2.1.197): on the host, a child of claude listening on a private Unix socket and forwarding to the
proxy's loopback port; inside the namespace, one socat per proxy port forwarding to that socket. Profiles deny
socat everywhere else, so these exact shapes, and only these, are exempt. A process imitating one gains
nothing: it can only bridge a Unix socket and the proxy, which applies the profile's domain list.

Pure and standard library only: the shims import it on every invocation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

HELPER_PROGRAMS = frozenset({"socat"})
_SOCK = r"/(?:[A-Za-z0-9._-]+/)*claude-(?:http|socks)-[0-9a-f]+\.sock"
_HOST = (re.compile(rf"UNIX-LISTEN:{_SOCK},fork,reuseaddr"),
         re.compile(r"TCP:localhost:[0-9]{1,5}(?:,keepalive,keepidle=[0-9]+,keepintvl=[0-9]+,keepcnt=[0-9]+)?"))
_INNER = (re.compile(r"TCP-LISTEN:[0-9]{1,5},fork,reuseaddr"), re.compile(rf"UNIX-CONNECT:{_SOCK}"))


def is_sandbox_helper(argv: Sequence[str]) -> bool:
    """True when `argv` is one of the sandbox's socat bridges, to the byte."""
    if len(argv) != 3 or os.path.basename(argv[0]) not in HELPER_PROGRAMS:
        return False
    return any(a.fullmatch(argv[1]) is not None and b.fullmatch(argv[2]) is not None for a, b in (_HOST, _INNER))
