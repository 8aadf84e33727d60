"""What the analyser knows about particular programs: wrappers, shells, interpreters, variables.

Data only; the behaviour lives in analysis.py and launchers.py. Names are matched lower-cased here (a
case-sensitive system would simply not find `BASH`, so treating it as bash only adds scrutiny).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .options import OptSpec, spec

# Programs that run their argument list as a command and change nothing the profile cares about: the
# wrapped program is judged, the wrapper itself only against the deny list (`timeout 60 pytest` is
# pytest). Options are exact (GNU coreutils / util-linux); see options.py for why.
TRANSPARENT: dict[str, OptSpec] = {
    "nice": spec("-n --adjustment", digit_flags=True),
    "nohup": spec(),
    "timeout": spec("-s --signal -k --kill-after", "--preserve-status --foreground -v --verbose", positionals=1),
    "time": spec(
        "-f --format",
        "-p --portability -v --verbose -a --append -q --quiet",
        writes="-o --output",
    ),
    "stdbuf": spec("-i -o -e --input --output --error"),
    "setsid": spec("", "-c --ctty -f --fork -w --wait"),
    "ionice": spec("-c --class -n --classdata", "-t --ignore"),
    "flock": spec(
        "-w --wait --timeout -E --conflict-exit-code",
        "-s --shared -x -e --exclusive -u --unlock -n --nb --nonblock -o --close -F --no-fork --verbose",
        code="-c --command",
        positionals=1,
    ),
    "env": spec(
        "-u --unset -C --chdir -S --split-string",
        "-i --ignore-environment -0 --null -v --debug - --default-signal --ignore-signal --block-signal",
        assignments=True,
    ),
    "xargs": spec(
        "-a --arg-file -d --delimiter -E -e --eof -I -i --replace -L -l --max-lines -n --max-args "
        "-P --max-procs -s --max-chars --process-slot-var",
        "-0 --null -o --open-tty -p --interactive -r --no-run-if-empty -t --verbose -x --exit",
    ),
    "taskset": spec("", "-a --all-tasks -c --cpu-list", positionals=1),
    "chrt": spec("-T -P -D", "-a -b -d -f -i -o -r -m -R -v", positionals=1),
    "caffeinate": spec("-t -w", "-d -i -m -s -u"),
    "unbuffer": spec("", "-p"),
}

# Programs that run a command with other privileges or in another root: the program itself must be
# permitted (it is no mere wrapper), and the command it runs is judged too.
PRIVILEGED: dict[str, OptSpec] = {
    "sudo": spec(
        "-u --user -g --group -C --close-from -D --chdir -h --host -p --prompt -r --role -t --type "
        "-T --command-timeout -U --other-user",
        "-A --askpass -b --background -E --preserve-env -H --set-home -i --login -K --remove-timestamp "
        "-k --reset-timestamp -n --non-interactive -P --preserve-groups -S --stdin -s --shell -B --bell "
        "-N --no-update -e --edit -l --list -v --validate -V --version",
        assignments=True,
    ),
    "doas": spec("-u -C", "-n -s -L"),
    "pkexec": spec("--user", "--disable-internal-agent --keep-cwd"),
    "chroot": spec("--userspec --groups", "--skip-chdir", positionals=1),
    "run0": spec(
        "-u --user -g --group -D --chdir --setenv --unit --property --description --slice --nice --machine "
        "--background",
        "--no-ask-password --slice-inherit --via-shell -i",
    ),
    "systemd-run": spec(
        "-u --unit -p --property --description --slice -E --setenv --working-directory -M --machine --uid --gid "
        "--nice --on-active --on-boot --on-startup --on-unit-active --on-unit-inactive --on-calendar "
        "--timer-property --path-property --socket-property --service-type",
        "--user --system --scope -t --pty -P --pipe -q --quiet -G --collect --wait -r --remain-after-exit "
        "--same-dir --no-block --no-ask-password -d --send-sighup --slice-inherit",
    ),
    # `machinectl shell [USER@]HOST [COMMAND...]`; other verbs take names, judged as if they were commands.
    "machinectl": spec(
        "-M --machine -H --host -p --property -E --setenv --uid -o --output -n --lines -s --signal "
        "--kill-whom --verify --format",
        "-q --quiet --no-pager --no-legend --no-ask-password -a --all -l --full --value",
        positionals=2,
    ),
}

# su and runuser: `-c` carries shell code; without it they start an interactive shell (nothing runs
# under Claude Code, whose commands have no terminal).
SU_LIKE = spec(
    "-s --shell -g --group -G --supp-group -w --whitelist-environment",
    "-l --login - -m -p --preserve-environment -f --fast -P --pty",
    code="-c --command --session-command",
)

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "lksh", "oksh"})
# Shells whose language is not bash's: their code is opaque.
FOREIGN_SHELLS = frozenset({"fish", "csh", "tcsh", "pwsh", "powershell", "nu", "xonsh", "elvish"})
FOREIGN_SHELL_CODE_OPTS = frozenset({"-c", "--command", "-command", "-Command", "-encodedcommand", "-EncodedCommand"})
SHELL_VALUE_OPTS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})

# Interpreters and the options that carry inline code (`python -c`, `node -e`...). `module` options run
# a named module as the program (`python -m pytest` is pytest). `value` options take a non-code value.
INTERPRETER_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(python|pypy)[0-9.]*"), "python"),
    (re.compile(r"(node|nodejs)[0-9.]*"), "node"),
    (re.compile(r"perl[0-9.]*"), "perl"),
    (re.compile(r"ruby[0-9.]*"), "ruby"),
    (re.compile(r"php[0-9.]*"), "php"),
    (re.compile(r"lua(jit)?[0-9.]*"), "lua"),
)
INTERPRETER_NAMES = {
    "osascript": "osascript",
    "rscript": "r",
    "r": "r",
    "tclsh": "tcl",
    "wish": "tcl",
    "expect": "tcl",
    "jshell": "stdin_only",
    "irb": "stdin_only",
}


class InterpreterSpec:
    """Options of an interpreter: `code` carry inline code, `module` name a module to run as the
    program, `value` take a value (attached or next), `attached_only` take one only when attached
    (perl's `-i.bak`, `-l`, `-0777`). Short options cluster (`python -Ic`, `perl -lne`)."""

    __slots__ = ("attached_only", "code", "module", "value")

    def __init__(self, code: str, value: str = "", module: str = "", attached_only: str = "") -> None:
        self.code = frozenset(code.split())
        self.value = frozenset(value.split())
        self.module = frozenset(module.split())
        self.attached_only = frozenset(attached_only.split())


INTERPRETERS: dict[str, InterpreterSpec] = {
    "python": InterpreterSpec("-c", "-W -X --check-hash-based-pycs", "-m"),
    "node": InterpreterSpec(
        "-e --eval -p --print",
        "-r --require --import --loader --experimental-loader --input-type --conditions -C --env-file "
        "--inspect-port --title",
    ),
    "perl": InterpreterSpec("-e -E", "", attached_only="-I -M -m -x -i -l -0 -C -d -D"),
    "ruby": InterpreterSpec("-e", "-I -r -C -E -F", attached_only="-x -0 -K -T -W -i -l"),
    "php": InterpreterSpec("-r -B -R -E -F", "-c -d -z -t"),
    "lua": InterpreterSpec("-e", "-l"),
    "osascript": InterpreterSpec("-e", "-l -s"),
    "r": InterpreterSpec("-e --expr", "-f --file"),
    "tcl": InterpreterSpec("-c", ""),
    "stdin_only": InterpreterSpec("", ""),
}

# Text-processing languages whose program is a command-line argument but that can also run commands
# (`awk 'BEGIN{system("x")}'`, GNU sed's `e`). Their program is inline code only when it can execute.
AWKS = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk"})
AWK_OPTS = spec(
    "-F -v -f --field-separator --assign --file -e --source -i --include -l --load",
    "-b -c -O -P -r -S -t -n --posix --traditional --re-interval --sandbox --characters-as-bytes",
)
AWK_EXECUTES = re.compile(r"\bsystem\s*\(|\|\s*getline|\|\s*\"|\|&|print[^;}]*\|")
SED_OPTS = spec(
    "-e --expression -f --file -l --line-length --follow-symlinks",
    "-n --quiet --silent -E -r --regexp-extended -s --separate -u --unbuffered -z --null-data --posix "
    "--debug --sandbox",
)
SED_INPLACE = re.compile(r"^(-i|--in-place)")
# GNU sed runs a command with `e` (command or s///e flag). `w file` writes a file; both count.
SED_EXECUTES = re.compile(r"(^|[;\n}{])\s*(\d+|/[^/]*/|\$)?\s*!?\s*e(\s|$|;)|s(.).*\4.*\4[gpIiMm0-9w]*e")

# Bash builtins (and the trivial utilities) that only touch the shell's own state or print: an allow
# list need not name them (`cd src && pytest`). Writes through their redirections are still checked.
INERT_BUILTINS = frozenset(
    {
        "cd", "pwd", "echo", "printf", "true", "false", ":", "test", "[", "export", "unset", "local",
        "declare", "typeset", "readonly", "set", "shift", "return", "exit", "break", "continue", "wait",
        "read", "type", "shopt", "pushd", "popd", "dirs", "let", "getopts", "mapfile", "readarray",
    }
)  # fmt: skip

# Variables whose value is a command line some program will run (git's pager, ssh command, ...): the
# value is analysed as shell code.
CODE_VARIABLES = frozenset(
    {
        "GIT_SSH_COMMAND", "GIT_PAGER", "PAGER", "GIT_EDITOR", "EDITOR", "VISUAL", "GIT_SEQUENCE_EDITOR",
        "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS", "PROMPT_COMMAND", "MANPAGER",
        "GIT_PROXY_COMMAND", "GIT_SSH", "LESSOPEN", "LESSCLOSE", "BROWSER", "GIT_DIFF_OPTS",
    }
)  # fmt: skip
PAGER_VARIABLES = frozenset({"GIT_PAGER", "PAGER", "MANPAGER"})
# Pagers that only show text (`git -c core.pager=cat log`, `GIT_PAGER=less`): no allow-list entry
# needed. Without a terminal, as under Claude Code, less and more behave like cat; LESSOPEN, the way
# less runs commands, is a code variable judged on its own.
PLAIN_PAGER = re.compile(r"(cat|less|more)(\s+-[A-Za-z]+)*\s*")
PROMPT_VARIABLES = frozenset({"PS0", "PS1", "PS2", "PS3", "PS4"})
# Variables that load code into every program started afterwards, or change which program a name runs.
LOADER_VARIABLES = frozenset(
    {
        "PATH", "LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH",
        "DYLD_FRAMEWORK_PATH", "BASH_ENV", "ENV", "NODE_OPTIONS", "PERL5OPT", "RUBYOPT", "PYTHONSTARTUP",
        "PYTHONWARNINGS", "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR", "SHELLOPTS", "BASHOPTS", "IFS",
        "NPM_CONFIG_SCRIPT_SHELL", "npm_config_script_shell", "PIP_CONFIG_FILE", "NPM_CONFIG_USERCONFIG",
    }
)  # fmt: skip
LOADER_VARIABLE_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_", "BASH_FUNC_", "LD_", "DYLD_")

# Other names for one tool, so an allow or deny entry covers all of them. `sudoedit` is `sudo -e`; run0
# and systemd-run start commands as root or outside the session's process tree, as sudo does.
PROGRAM_ALIASES = {
    "npx": "npm", "py.test": "pytest", "nodejs": "node", "sudoedit": "sudo", "run0": "sudo", "systemd-run": "sudo",
    "machinectl": "sudo",
}  # fmt: skip
# Tool families whose companions share the entry's rules: `ansible` covers `ansible-playbook`, `mkfs`
# covers `mkfs.ext4`.
PROGRAM_FAMILIES = (("ansible-", "ansible"), ("mkfs.", "mkfs"))
_PIP_NAME = re.compile(r"pip[0-9.]*")


@lru_cache(maxsize=1024)
def canonical(name: str) -> str:
    """The tool a program name stands for: `pip3.11` is pip, `npx` is npm."""
    if name in PROGRAM_ALIASES:
        return PROGRAM_ALIASES[name]
    for prefix, family in PROGRAM_FAMILIES:
        if name.startswith(prefix):
            return family
    if _PIP_NAME.fullmatch(name):
        return "pip"
    return name


@lru_cache(maxsize=1024)
def interpreter_kind(name: str) -> str | None:
    if name in INTERPRETER_NAMES:
        return INTERPRETER_NAMES[name]
    for pattern, kind in INTERPRETER_PATTERNS:
        if pattern.fullmatch(name):
            return kind
    return None
