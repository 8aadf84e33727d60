"""The registry of argv handlers the analyzer dispatches to by command name (launchers and runners keep
their own tables: Analyzer.run consults them later, once no handler here took the command).

Every handler is a function `(analyzer, word, name, args, stdin, frame)`; the modules holding them export
plain dicts, composed here. Analyzer.run consults them in this order, after functions and aliases:
VARIABLE_BUILTINS (by the exact word), then, after `coproc` and tool writes, HANDLERS (by the lowercased
name, a BUILTIN_ONLY name only when given without a path).
"""

from __future__ import annotations

from collections.abc import Callable

from . import program_handlers, shell_builtins, variables

# Bash builtins that set variables from text; judged only when the word is the plain builtin name.
VARIABLE_BUILTINS: dict[str, Callable[..., None]] = variables.BUILTINS
# Builtins and programs that run other commands or change where later ones run.
HANDLERS: dict[str, Callable[..., None]] = {**shell_builtins.BUILTINS, **program_handlers.PROGRAMS}
# Names that are shell builtins only: `/usr/bin/eval` is no builtin, so a path is just a program.
BUILTIN_ONLY = frozenset(shell_builtins.BUILTINS)
