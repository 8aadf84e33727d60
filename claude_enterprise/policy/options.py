"""Option parsing for programs that run other programs: where does the wrapped command start?

Each wrapper gets an exact table of its options. An option we do not know makes the wrapped command
unknown (and so denied): guessing whether it takes a value would let `timeout --new-opt curl` hide curl.
"""

from __future__ import annotations

from typing import NamedTuple


class OptSpec(NamedTuple):
    value: frozenset[str] = frozenset()  # options taking a value: "-n", "--adjustment"
    flags: frozenset[str] = frozenset()  # options without one
    code: frozenset[str] = frozenset()  # options whose value is shell code (`flock -c`, `su -c`)
    writes: frozenset[str] = frozenset()  # options whose value is a file written (`time -o`)
    positionals: int = 0  # leading operands before the command (`timeout DURATION`, `chroot DIR`)
    digit_flags: bool = False  # `nice -10`: a dash followed by digits is an option
    assignments: bool = False  # `env A=1 cmd`: NAME=VALUE words before the command


def spec(
    value: str = "",
    flags: str = "",
    code: str = "",
    writes: str = "",
    positionals: int = 0,
    digit_flags: bool = False,
    assignments: bool = False,
) -> OptSpec:
    """Build an OptSpec from space-separated option lists (readable tables)."""
    return OptSpec(
        frozenset(value.split()),
        frozenset(flags.split()),
        frozenset(code.split()),
        frozenset(writes.split()),
        positionals,
        digit_flags,
        assignments,
    )


class Parsed:
    """The outcome: `command` is the wrapped argv (empty: none), None when it cannot be known."""

    __slots__ = ("assignments", "code", "command", "present", "values", "writes")

    def __init__(self, command: list[str | None] | None) -> None:
        self.command = command
        self.code: list[str | None] = []
        self.writes: list[str | None] = []
        self.values: dict[str, str | None] = {}
        self.assignments: list[str] = []
        self.present: set[str] = set()


def _takes_value(opts: OptSpec, name: str) -> bool:
    return name in opts.value or name in opts.code or name in opts.writes


def _record(opts: OptSpec, parsed: Parsed, name: str, value: str | None) -> None:
    parsed.present.add(name)
    parsed.values[name] = value
    if name in opts.code:
        parsed.code.append(value)
    elif name in opts.writes:
        parsed.writes.append(value)


def parse_options(args: list[str | None], opts: OptSpec) -> Parsed:
    """Split `args` into the wrapper's options and the command it runs."""
    parsed = Parsed(command=[])
    i = 0
    n = len(args)
    while i < n:
        arg = args[i]
        if arg is None:
            parsed.command = None
            return parsed
        if arg == "--":
            i += 1
            break
        if opts.assignments and "=" in arg and not arg.startswith("-"):
            name = arg.split("=", 1)[0]
            if name.isidentifier():
                parsed.assignments.append(arg)
                i += 1
                continue
        if arg == "-" and "-" in opts.flags:
            parsed.present.add(arg)
            i += 1
            continue
        if not arg.startswith("-") or arg == "-":
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if _takes_value(opts, name):
                if eq:
                    _record(opts, parsed, name, value)
                    i += 1
                else:
                    _record(opts, parsed, name, args[i + 1] if i + 1 < n else None)
                    i += 2
                continue
            if name in opts.flags:
                parsed.present.add(name)
                i += 1
                continue
            parsed.command = None
            return parsed
        if opts.digit_flags and arg[1:].isdigit():
            i += 1
            continue
        consumed_next = False
        for j in range(1, len(arg)):
            name = "-" + arg[j]
            if _takes_value(opts, name):
                attached = arg[j + 1 :]
                if attached:
                    _record(opts, parsed, name, attached)
                else:
                    _record(opts, parsed, name, args[i + 1] if i + 1 < n else None)
                    consumed_next = True
                break
            if name in opts.flags:
                parsed.present.add(name)
                continue
            parsed.command = None
            return parsed
        i += 2 if consumed_next else 1
    if opts.positionals:
        if n - i < opts.positionals:
            return parsed
        i += opts.positionals
    parsed.command = list(args[i:])
    return parsed
