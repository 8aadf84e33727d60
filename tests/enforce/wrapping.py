"""Claude Code 2.1's construction of the string it hands to CLAUDE_CODE_SHELL_PREFIX, re-implemented from the
binary (functions Qa, W1a, O1a, fyo, H$p and buildExecCommand) so tests can produce exactly what the real
binary sends for any command; `OBSERVED` holds strings captured verbatim from the real binary."""

from __future__ import annotations

import re

SHOPT = "{ shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true"


def qa(word: str) -> str:
    if word == "":
        return "''"
    if re.fullmatch(r"[A-Za-z0-9_./:=@+,-]+", word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def _heredoc(cmd: str) -> bool:
    if re.search(r"\d\s*<<\s*\d", cmd) or re.search(r"\[\[\s*\d+\s*<<\s*\d+\s*\]\]", cmd) or re.search(
        r"\$\(\(.*<<.*\)\)", cmd
    ):
        return False
    return bool(re.search(r"<<-?\s*(?:(['\"]?)(\w+)\1|\\(\w+))", cmd))


def _multiline_quote(cmd: str) -> bool:
    single = re.search(r"'(?:[^'\\]|\\.)*\n(?:[^'\\]|\\.)*'", cmd)
    return bool(single or re.search(r'"(?:[^"\\]|\\.)*\n(?:[^"\\]|\\.)*"', cmd))


def _eval_word(cmd: str) -> str:
    stdin = not _heredoc(cmd) and not re.search(r"(?:^|[\s;&|])<(?![<(])\s*\S+", cmd)
    if "|" in cmd and stdin:
        return "'" + cmd.replace("'", "'\"'\"'") + "' < /dev/null"
    if _heredoc(cmd) or _multiline_quote(cmd):
        quoted = "'" + cmd.replace("'", "'\"'\"'") + "'"
        return quoted if _heredoc(cmd) else quoted + (" < /dev/null" if stdin else "")
    return qa(cmd) + (" < /dev/null" if stdin else "")


def claude_wrap(
    cmd: str,
    snapshot: str | None = None,
    cwd_file: str = "/tmp/claude-1a2b-cwd",
    env_script: str | None = None,
    remote: bool = False,
) -> str:
    parts = []
    if snapshot:
        parts.append(f"source {qa(snapshot)} 2>/dev/null || true")
    if env_script:
        parts.append(f"{env_script}\n:")
    if remote:
        parts.append('export BUN_OPTIONS="--smol${BUN_OPTIONS:+ $BUN_OPTIONS}"')
    parts.append(SHOPT)
    parts.append(f"eval {_eval_word(cmd)}")
    parts.append(f"pwd -P >| {qa(cwd_file)}")
    return " && ".join(parts)


# Captured from claude 2.1.197 (REFERENCE.md §1, and a run with a logging prefix: foreground, background
# and subagent commands all arrive in this shape).
OBSERVED = [
    (
        "source /home/u/.claude/shell-snapshots/snapshot-bash-1795515861499-unncjb.sh 2>/dev/null || true && "
        "{ shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true && "
        "eval 'git status --short && echo '\"'\"'it'\"'\"''\"'\"'s'\"'\"'' < /dev/null"
        " && pwd -P >| /tmp/claude-7aef-cwd",
        "git status --short && echo 'it''s'",
    ),
    (
        "source /home/u/.claude/shell-snapshots/snapshot-bash-1795517575236-pbhbmz.sh 2>/dev/null || true"
        " && { shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true && "
        "eval 'echo fg '\"'\"'q'\"'\"' > /dev/null' < /dev/null && pwd -P >| /tmp/claude-e6bd-cwd",
        "echo fg 'q' > /dev/null",
    ),
    (
        "source /home/u/.claude/shell-snapshots/snapshot-bash-1795517575236-pbhbmz.sh 2>/dev/null || true"
        " && { shopt -u extglob || setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL; } >/dev/null 2>&1 || true && "
        "eval 'sleep 0.2; echo bg' < /dev/null && pwd -P >| /tmp/claude-817e-cwd",
        "sleep 0.2; echo bg",
    ),
]
