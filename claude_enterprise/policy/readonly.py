"""Read-only text utilities (`cat head tail wc grep sort ...`): which files one invocation reads and writes.

An allow list admits them without naming them (`pytest 2>&1 | tail -30`, `git log | head`), provided every
file they read is inside the project and every file they write passes the usual write rules. Each utility
has an exact GNU option table: an option we do not know (`sort --compress-program=x` runs a program) makes
the invocation unknown, and it is then judged like any other program. Long options match by unique prefix,
as getopt_long does, so `sort --out=/etc/x` is `--output`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .model import Execution, PolicyContext
from .pathcheck import HARMLESS_TARGETS, write_allowed_inside


class Utility(NamedTuple):
    value: frozenset[str]  # options taking a value that is not a file (`-n 30`, `--key`)
    flags: frozenset[str]  # options without a value; a long one may still carry `=WHEN` (`--color=auto`)
    reads: frozenset[str]  # options whose value is a file read (`grep -f FILE`)
    writes: frozenset[str]  # options whose value is a file written (`sort -o FILE`)
    operands: str  # "files"; "pattern" (grep: a pattern, then files); "none" (tr); "in_out" (uniq IN OUT);
    # "writes" (tee: every operand is written)
    digit_flags: bool  # `head -30`, `grep -5`: a dash and digits is an option


class Use(NamedTuple):
    """What one invocation touches; None entries are paths only known at run time."""

    reads: tuple[str | None, ...]
    writes: tuple[str | None, ...]


def _u(
    value: str = "",
    flags: str = "",
    reads: str = "",
    writes: str = "",
    operands: str = "files",
    digit_flags: bool = False,
) -> Utility:
    return Utility(
        frozenset(value.split()),
        frozenset(flags.split()),
        frozenset(reads.split()),
        frozenset(writes.split()),
        operands,
        digit_flags,
    )


_GREP = _u(
    "-A -B -C -m -d -D --after-context --before-context --context --max-count --directories --devices --include "
    "--exclude --exclude-dir --label --binary-files --regexp -e",
    "-E -F -G -P -i -y -v -w -x -c -L -l -o -q -s -b -H -h -n -T -Z -z -a -I -r -R -U --extended-regexp "
    "--fixed-strings --basic-regexp --perl-regexp --ignore-case --no-ignore-case --invert-match --word-regexp "
    "--line-regexp --count --files-with-matches --files-without-match --only-matching --quiet --silent "
    "--no-messages --byte-offset --with-filename --no-filename --line-number --initial-tab --null --null-data "
    "--text --recursive --dereference-recursive --line-buffered --color --colour --binary",
    "-f --file --exclude-from",
    operands="pattern",
    digit_flags=True,
)
_HEAD_TAIL = "-n -c --lines --bytes"
_LS_FLAGS = (
    "-a -A -b -B -c -C -d -f -F -g -G -h -H -i -k -l -L -m -n -N -o -p -q -Q -r -R -s -S -t -u -U -v -x -X -Z -1 "
    "--all --almost-all --escape --ignore-backups --directory --classify --file-type --no-group --human-readable "
    "--si --dereference-command-line --dereference-command-line-symlink-to-dir --dereference --inode --kibibytes "
    "--numeric-uid-gid --literal --indicator-style --hide-control-chars --show-control-chars --quote-name "
    "--reverse --recursive --size --context --zero --color --full-time --group-directories-first --author "
    "--hyperlink --dired"
)

UTILITIES: dict[str, Utility] = {
    "cat": _u(
        flags="-A -b -e -E -n -s -t -T -u -v --show-all --number-nonblank --show-ends --number --squeeze-blank "
        "--show-tabs --show-nonprinting"
    ),
    "head": _u(_HEAD_TAIL, "-q -v -z --quiet --silent --verbose --zero-terminated", digit_flags=True),
    "tail": _u(
        f"{_HEAD_TAIL} -s --sleep-interval --pid --max-unchanged-stats",
        "-f -F -q -v -z --follow --retry --quiet --silent --verbose --zero-terminated",
        digit_flags=True,
    ),
    "wc": _u("--total", "-c -m -l -L -w --bytes --chars --lines --words --max-line-length"),
    "grep": _GREP,
    "egrep": _GREP,
    "fgrep": _GREP,
    "sort": _u(
        "-k --key -t --field-separator -S --buffer-size --parallel --batch-size --sort",
        "-b -d -f -g -i -M -h -n -R -r -V -c -C -m -s -u -z --ignore-leading-blanks --dictionary-order "
        "--ignore-case --general-numeric-sort --ignore-nonprinting --month-sort --human-numeric-sort "
        "--numeric-sort --random-sort --reverse --version-sort --check --merge --stable --unique "
        "--zero-terminated --debug",
        "--random-source",
        "-o --output",
    ),
    "uniq": _u(
        "-f -s -w --skip-fields --skip-chars --check-chars",
        "-c -d -D -i -u -z --count --repeated --all-repeated --group --ignore-case --unique --zero-terminated",
        operands="in_out",
    ),
    "cut": _u(
        "-b -c -f -d --bytes --characters --fields --delimiter --output-delimiter",
        "-s -n -z --complement --only-delimited --zero-terminated",
    ),
    "tr": _u(flags="-c -C -d -s -t --complement --delete --squeeze-repeats --truncate-set1", operands="none"),
    "nl": _u(
        "-b -d -f -h -i -l -n -s -v -w --body-numbering --section-delimiter --footer-numbering "
        "--header-numbering --line-increment --join-blank-lines --number-format --number-separator "
        "--starting-line-number --number-width",
        "-p --no-renumber",
    ),
    "tac": _u("-s --separator", "-b -r --before --regex"),
    "rev": _u(),
    "paste": _u("-d --delimiters", "-s -z --serial --zero-terminated"),
    "fold": _u("-w --width", "-b -s --bytes --spaces"),
    "comm": _u("--output-delimiter", "-1 -2 -3 -i -z --check-order --nocheck-order --total --zero-terminated"),
    "join": _u(
        "-a -e -o -t -v -1 -2 -j",
        "-i --ignore-case --check-order --nocheck-order --header -z --zero-terminated",
    ),
    "expand": _u("-t --tabs", "-i --initial"),
    "unexpand": _u("-t --tabs", "-a --all --first-only"),
    "column": _u(
        "-s -c -o -N -R -E -W -H -O -d --separator --output-width --output-separator --table-columns "
        "--table-right --table-noextreme --table-wrap --table-hide --table-order --table-name",
        "-t -x -n -e -J -L -r --table --fillrows --json --keep-empty-lines --tree",
    ),
    "diff": _u(
        "-U -C -x -I -F -L -W --unified --context --exclude --ignore-matching-lines --show-function-line "
        "--label --width --tabsize --horizon-lines",
        "-u -c -r -N -q -s -i -w -b -B -a -y -p -t -T -d -E -Z -P --brief --recursive --new-file "
        "--unidirectional-new-file --report-identical-files --ignore-case --ignore-all-space "
        "--ignore-space-change --ignore-blank-lines --ignore-tab-expansion --ignore-trailing-space --text "
        "--side-by-side --show-c-function --expand-tabs --initial-tab --minimal --strip-trailing-cr "
        "--suppress-common-lines --color --no-dereference --speed-large-files --normal",
        "-X --exclude-from --from-file --to-file",
    ),
    "cmp": _u("-i -n --ignore-initial --bytes", "-b -l -s --print-bytes --verbose --quiet --silent"),
    "ls": _u(
        "-I -T -w --ignore --tabsize --width --hide --block-size --format --sort --time --time-style "
        "--quoting-style",
        _LS_FLAGS,
    ),
    "tee": _u(flags="-a -i -p --append --ignore-interrupts --output-error", operands="writes"),
    "basename": _u("-s --suffix", "-a -z --multiple --zero", operands="none"),
    "dirname": _u(flags="-z --zero", operands="none"),
}
_STDIN = frozenset({"-", "/dev/stdin"})


@lru_cache(maxsize=64)
def _long_names(name: str) -> tuple[str, ...]:
    tool = UTILITIES[name]
    return tuple(o for o in tool.value | tool.flags | tool.reads | tool.writes if o.startswith("--"))


def _long(name: str, option: str) -> str | None:
    """The long option `option` abbreviates (exact match first), or None when unknown or ambiguous."""
    names = _long_names(name)
    if option in names:
        return option
    matches = [n for n in names if n.startswith(option)]
    return matches[0] if len(matches) == 1 else None


@lru_cache(maxsize=2048)
def read_only_use(name: str, args: tuple[str | None, ...]) -> Use | None:
    """The files `name args` reads and writes, or None when it is not a read-only utility invocation we
    fully understand (then it must be judged as an ordinary program)."""
    tool = UTILITIES.get(name)
    if tool is None:
        return None
    reads: list[str | None] = []
    writes: list[str | None] = []
    operands: list[str | None] = []
    pattern_given = False

    def record(option: str, value: str | None) -> None:
        nonlocal pattern_given
        if option in tool.reads:
            reads.append(value)
        elif option in tool.writes:
            writes.append(value)
        pattern_given = pattern_given or option in ("-e", "--regexp", "-f", "--file")

    i = 0
    options_done = False
    while i < len(args):
        arg = args[i]
        i += 1
        if arg is None or options_done or arg == "-" or not arg.startswith("-"):
            operands.append(arg)
            continue
        if arg == "--":
            options_done = True
            continue
        if arg in ("--help", "--version"):
            continue
        if arg.startswith("--"):
            given, eq, value = arg.partition("=")
            option = _long(name, given)
            if option is None:
                return None
            if option in tool.flags:
                continue
            given_value: str | None = value
            if not eq:
                given_value = args[i] if i < len(args) else None
                i += 1
            record(option, given_value)
            continue
        if tool.digit_flags and arg[1:].isdigit():
            continue
        for j in range(1, len(arg)):
            option = "-" + arg[j]
            if option in tool.flags:
                continue
            if option not in tool.value and option not in tool.reads and option not in tool.writes:
                return None
            attached: str | None = arg[j + 1 :]
            if not attached:
                attached = args[i] if i < len(args) else None
                i += 1
            record(option, attached)
            break
    if tool.operands == "pattern" and not pattern_given:
        operands = operands[1:]
    if tool.operands == "writes":
        writes.extend(o for o in operands if o not in _STDIN)
        operands = []
    elif tool.operands == "none":
        operands = []
    elif tool.operands == "in_out" and len(operands) >= 2:
        writes.append(operands[1])
        operands = operands[:1] + operands[2:]
    reads.extend(o for o in operands if o not in _STDIN)
    return Use(tuple(reads), tuple(writes))


def read_only_refusal(ex: Execution, key: str, ctx: PolicyContext) -> tuple[str, str] | None:
    """Why a read-only utility admitted by an allow list may not run as written: (rule id, what it would
    do); None when it only reads project files and stdin. Its writes are judged with all other writes."""
    use = read_only_use(key, ex.args)
    if use is None:
        return "shell.read_only.unknown_option", f"`{ex.name}` is used with an option the policy does not know"
    for path in (*use.reads, *ex.reads):
        if path in HARMLESS_TARGETS or path in _STDIN:
            continue
        # The same lexical test as for project-only writes, from every directory it may run in.
        if not write_allowed_inside(path, ex.cwds, ctx):
            shown = f"`{path}`" if path is not None else "a path only known at run time"
            return "shell.read_only.outside_project", f"`{ex.name}` would read {shown} outside the project"
    return None
