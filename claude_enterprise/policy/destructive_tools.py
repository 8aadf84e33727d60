"""Destructive operations of infrastructure, cloud, file and disk tools (the checks `destructive.py` adds).

Infrastructure tools destroy through more than one spelling (`terraform apply -destroy=1`, a saved
destroy plan, `pulumi state delete`); a subcommand only known at run time may be any of them, so it is
treated as one. File tools are destructive when aimed outside the project (or at an unknown path):
inside it they are ordinary work (`find . -name '*.pyc' -delete`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .destructive import TEMP_DIRS, Finding, operation_candidates
from .model import Execution, PolicyContext
from .pathcheck import HARMLESS_TARGETS, INSIDE, fd_target, in_project, resolve, under

# Go's strconv.ParseBool: anything else makes terraform fail, so only these are known not to destroy.
_GO_FALSE = frozenset({"0", "f", "F", "false", "False", "FALSE"})
_TERRAFORM_DESTROYING = {("destroy",), ("workspace", "delete"), ("state", "rm")}
_DESTROY_OPTION = re.compile(r"^--?destroy(=|$)")
_CLOUD_VERB = re.compile(r"^(delete|destroy|purge|remove|bulk-delete|delete-\w[\w-]*|purge-\w[\w-]*)$")
_CLOUD_GLOBAL_VALUE = frozenset(
    {"--project", "--account", "--configuration", "--format", "--verbosity", "--impersonate-service-account",
     "--billing-project", "--flags-file", "--subscription", "--output", "-o", "--query"}
)  # fmt: skip
_SYSTEM_DIRS = (
    "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/boot", "/var", "/opt", "/root", "/home",
    "/srv", "/System", "/Library", "/Applications", "/Users", "/private", "/dev", "/proc", "/sys",
)  # fmt: skip
_DELETING_EXEC = frozenset({"rm", "unlink", "rmdir", "shred", "truncate"})
_RSYNC_DELETE = re.compile(r"^--(delete\S*|del|remove-source-files)$")


def _destroy_flag(args: list[str]) -> bool:
    for arg in args:
        match = _DESTROY_OPTION.match(arg)
        if match and (match.group(1) == "" or arg.split("=", 1)[1] not in _GO_FALSE):
            return True
    return False


def terraform(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """terraform, tofu, terragrunt: `destroy`, `apply -destroy` in any value spelling, creating a saved
    destroy plan (`plan -destroy -out=x`, applied later), workspace delete, state rm."""
    operands: list[str | None] = [a for a in ex.args if a is None or not a.startswith("-")]
    literal = [a for a in ex.args if a is not None]
    what = f"`{ex.name}` destroys managed infrastructure"
    if not operands:
        return None
    if operands[0] is None:
        return "terraform_unknown_operation", f"the `{ex.name}` subcommand is only known at run time"
    words = tuple(o for o in operands if o is not None)
    if "destroy" in words or any(words[: len(pair)] == pair for pair in _TERRAFORM_DESTROYING):
        return "terraform_destroy", what
    if ("apply" in words or "run-all" in words or "run" in words) and _destroy_flag(literal):
        return "terraform_destroy", f"`{ex.name} apply -destroy` destroys managed infrastructure"
    if "plan" in words[:2] and _destroy_flag(literal) and any(a.startswith(("-out", "--out")) for a in literal):
        return "terraform_destroy_plan", f"`{ex.name} plan -destroy -out` saves a plan that destroys infrastructure"
    return None


def cdk(ex: Execution, ctx: PolicyContext) -> Finding | None:
    if "destroy" in ex.args:
        return "cdk_destroy", "`cdk destroy` deletes CloudFormation stacks"
    operands = [a for a in ex.args if a is None or not a.startswith("-")]
    if operands[:1] == [None]:
        return "cdk_unknown_operation", "the `cdk` subcommand is only known at run time"
    return None


def pulumi_state(ex: Execution, ctx: PolicyContext) -> Finding | None:
    ops = operation_candidates(ex.args, frozenset({"-C", "--cwd", "-s", "--stack"}), count=2)
    if None in ops[:2]:
        return "pulumi_unknown_operation", "the `pulumi` subcommand is only known at run time"
    if ops[:2] == ["state", "delete"]:
        return "pulumi_state_delete", "`pulumi state delete` drops resources from the stack"
    return None


def cloud_cli(tool: str) -> Callable[[Execution, PolicyContext], Finding | None]:
    """gcloud and az: a delete verb anywhere in the command path (`gcloud compute instances delete`,
    `az storage blob delete-batch`), `gcloud storage rm`, or a path only known at run time."""

    def check(ex: Execution, ctx: PolicyContext) -> Finding | None:
        path = operation_candidates(ex.args, _CLOUD_GLOBAL_VALUE, count=6)
        for index, word in enumerate(path):
            if word is None:
                return f"{tool}_unknown_operation", f"the `{tool}` command is only known at run time"
            if _CLOUD_VERB.match(word) or (word == "rm" and "storage" in path[:index]):
                return f"{tool}_delete", f"`{tool} ... {word}` deletes cloud resources"
        return None

    return check


def kubectl(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """kubectl beyond `delete`: `apply --prune` deletes what the manifests omit, `replace --force` and
    `apply --force` delete and recreate."""
    literal = [a for a in ex.args if a is not None]
    operands = [a for a in ex.args if a is None or not a.startswith("-")]
    prune = any(a == "--prune" or (a.startswith("--prune=") and a != "--prune=false") for a in literal)
    if prune and "apply" in operands:
        return "kubectl_prune", "`kubectl apply --prune` deletes resources missing from the manifests"
    if ("replace" in operands or "apply" in operands) and any(a in ("--force", "--force=true") for a in literal):
        return "kubectl_force", "`kubectl replace --force` deletes and recreates resources"
    return None


def _outside(target: str | None, cwds: tuple[str | None, ...], ctx: PolicyContext) -> bool:
    """Is `target` outside the project (temporary directories excepted) or unknown, from any cwd?"""
    for cwd in cwds:
        resolved = resolve(target, cwd, ctx)
        if resolved == INSIDE:
            continue
        if resolved is None:
            return True
        if in_project(resolved, ctx) or any(under(resolved, t, ctx) and resolved != t for t in TEMP_DIRS):
            continue
        return True
    return False


def find(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """`find START... -delete` or `-exec rm ...`: destructive when a starting point is outside the project."""
    args = list(ex.args)
    deletes = "-delete" in args
    for i, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir") and i + 1 < len(args):
            program = args[i + 1]
            deletes = deletes or program is None or program.rsplit("/", 1)[-1] in _DELETING_EXEC
    if not deletes:
        return None
    starts: list[str | None] = []
    for arg in args:
        if arg is not None and (arg.startswith("-") or arg in ("(", "!")):
            break
        starts.append(arg)
    for start in starts or ["."]:
        if _outside(start, ex.cwds, ctx):
            return "find_delete_outside", f"`find {start or '?'}` deletes files outside the project"
    return None


def rsync(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """`rsync --delete*` deletes in the destination; `--remove-source-files` in the sources."""
    literal = [a for a in ex.args if a is not None]
    flags = [a for a in literal if _RSYNC_DELETE.match(a.split("=", 1)[0])]
    if not flags:
        return None
    operands = [a for a in ex.args if a is None or not a.startswith("-")]
    targets = operands if "--remove-source-files" in flags else operands[-1:]
    for target in targets:
        remote = target is not None and ":" in target.split("/", 1)[0]
        if remote or _outside(target, ex.cwds, ctx):
            where = f"`{target}`" if target is not None else "a path only known at run time"
            return "rsync_delete_outside", f"`rsync {flags[0]}` deletes files in {where}, outside the project"
    return None


def git_clean(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """`git clean` in a work tree outside the project (`git -C /elsewhere clean -fdx`)."""
    trees: list[str | None] = []
    args = list(ex.args)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg is None:
            return None
        name, eq, value = arg.partition("=")
        if name in ("-C", "--work-tree", "--git-dir"):
            trees.append(value if eq else (args[i + 1] if i + 1 < len(args) else None))
            i += 1 if eq else 2
            continue
        if arg == "-c":
            i += 2
            continue
        if not arg.startswith("-"):
            if arg == "clean" and any(_outside(t, ex.cwds, ctx) for t in trees):
                return "git_clean_outside", "`git clean` deletes untracked files outside the project"
            return None
        i += 1
    return None


def files_outside(tool: str) -> Callable[[Execution, PolicyContext], Finding | None]:
    """shred and truncate: destroying file contents outside the project."""
    values = frozenset({"-s", "--size", "-r", "--reference", "-n", "--iterations", "--random-source"})

    def check(ex: Execution, ctx: PolicyContext) -> Finding | None:
        args = list(ex.args)
        skip = False
        for arg in args:
            if skip:
                skip = False
                continue
            if arg is not None and arg.startswith("-"):
                skip = arg in values
                continue
            if _outside(arg, ex.cwds, ctx):
                return f"{tool}_outside", f"`{tool} {arg or '?'}` destroys file contents outside the project"
        return None

    return check


def dd(ex: Execution, ctx: PolicyContext) -> Finding | None:
    for arg in ex.args:
        if arg is None:
            return "dd_unknown", "`dd` with an argument only known at run time may overwrite a device"
        if arg.startswith("of="):
            target = arg[3:]
            if target in HARMLESS_TARGETS or fd_target(target):
                continue
            if target.startswith("/dev/"):
                return "dd_device", f"`dd of={target}` overwrites a device"
            if _outside(target, ex.cwds, ctx):
                return "dd_outside", f"`dd of={target}` overwrites a file outside the project"
    return None


def disk(ex: Execution, ctx: PolicyContext) -> Finding | None:
    return "disk_format", f"`{ex.name}` erases a file system or partition table"


def mv(ex: Execution, ctx: PolicyContext) -> Finding | None:
    """Moving the home directory or a system directory breaks the machine as surely as deleting it."""
    operands = [a for a in ex.args if a is None or not a.startswith("-")]
    for source in operands[:-1]:
        for cwd in ex.cwds:
            resolved = resolve(source, cwd, ctx)
            if resolved is None or resolved == INSIDE:
                continue
            bare = resolved.rstrip("/") or "/"
            if bare == "/" or (ctx.home and under(ctx.home, bare, ctx)):
                return "mv_home", f"`mv {source}` moves the home directory away"
            system = any(under(bare, root, ctx) for root in _SYSTEM_DIRS)
            ordinary = any(under(bare, t, ctx) for t in TEMP_DIRS) or in_project(bare, ctx)
            if system and not ordinary and not (ctx.home and under(bare, ctx.home, ctx)):
                return "mv_system", f"`mv {source}` moves a system directory"
    return None


CHECKS: dict[str, Callable[[Execution, PolicyContext], Finding | None]] = {
    "terraform": terraform,
    "tofu": terraform,
    "terragrunt": terraform,
    "cdk": cdk,
    "cdklocal": cdk,
    "aws-cdk": cdk,
    "pulumi": pulumi_state,
    "kubectl": kubectl,
    "gcloud": cloud_cli("gcloud"),
    "az": cloud_cli("az"),
    "find": find,
    "gfind": find,
    "rsync": rsync,
    "git": git_clean,
    "shred": files_outside("shred"),
    "truncate": files_outside("truncate"),
    "dd": dd,
    "mkfs": disk,
    "mke2fs": disk,
    "mkswap": disk,
    "mkdosfs": disk,
    "mkntfs": disk,
    "wipefs": disk,
    "blkdiscard": disk,
    "mv": mv,
}


def tool_destructive(ex: Execution, name: str, ctx: PolicyContext) -> Finding | None:
    """The destructive operation `ex` performs beyond those destructive.py knows (`name`: canonical)."""
    check = CHECKS.get(name)
    return check(ex, ctx) if check is not None else None
