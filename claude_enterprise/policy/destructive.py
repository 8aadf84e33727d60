"""Destructive operations blocked even where the program itself is allowed (`block_destructive`).

Each check reads one execution's arguments the way the tool's own parser would, as far as it matters:
global options may stand anywhere before the operation (`aws --region x --profile y ec2
terminate-instances`). When an unknown option makes the operation's position uncertain, every
candidate position is checked: over-matching costs a rephrase, under-matching costs infrastructure.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from .model import Execution, PolicyContext
from .pathcheck import INSIDE, in_project, resolve, under

Finding = tuple[str, str]  # (rule id suffix, what the command would destroy)

_AWS_GLOBAL_VALUE = frozenset(
    {
        "--region", "--profile", "--output", "--endpoint-url", "--query", "--cli-read-timeout",
        "--cli-connect-timeout", "--color", "--ca-bundle", "--cli-binary-format",
    }
)  # fmt: skip
_AWS_GLOBAL_FLAGS = frozenset(
    {
        "--debug", "--no-verify-ssl", "--no-paginate", "--no-sign-request", "--no-cli-pager",
        "--cli-auto-prompt", "--no-cli-auto-prompt",
    }
)  # fmt: skip
_AWS_VERB = re.compile(r"(?:batch-)?(delete|terminate|remove|deregister|destroy|purge)(?:-|$)")
_KUBECTL_VALUE = frozenset(
    {"-n", "--namespace", "--context", "--cluster", "--kubeconfig", "-s", "--server", "--user", "--token", "--as",
     "--as-group", "--request-timeout", "--cache-dir", "--certificate-authority", "--client-certificate",
     "--client-key", "-v", "--v"}
)  # fmt: skip
_HELM_VALUE = frozenset(
    {"-n", "--namespace", "--kube-context", "--kubeconfig", "--registry-config", "--repository-config"}
)
_EKSCTL_VALUE = frozenset({"--profile", "--region", "-r", "-C", "--color"})
_PULUMI_VALUE = frozenset({"-C", "--cwd", "-s", "--stack", "--color", "--logflow", "-v", "--verbose", "--tracing"})
TEMP_DIRS = ("/tmp", "/var/tmp", "/private/tmp", "/private/var/folders")


def operation_candidates(
    args: tuple[str | None, ...], value_opts: frozenset[str], flags: frozenset[str] = frozenset(), count: int = 2
) -> list[str | None]:
    """The first `count` operands (subcommand, operation...). An unknown option before them may take a
    value, so each operand it could have swallowed stays a candidate too."""
    found: list[str | None] = []
    uncertain = 0
    i = 0
    while i < len(args) and len(found) < count + uncertain:
        arg = args[i]
        if arg is None:
            found.append(None)
        elif arg == "--":
            break
        elif arg in value_opts:
            i += 1
        elif arg.startswith("-") and arg != "-":
            if arg.split("=", 1)[0] not in flags and "=" not in arg and arg.split("=", 1)[0] not in value_opts:
                uncertain += 1
        else:
            found.append(arg)
        i += 1
    return found


def _aws(ex: Execution, ctx: PolicyContext) -> Finding | None:
    ops = operation_candidates(ex.args, _AWS_GLOBAL_VALUE, _AWS_GLOBAL_FLAGS, count=2)
    if not ops:
        return None
    service, operations = ops[0], ops[1:]
    args = [a for a in ex.args if a is not None]
    if service == "s3" and operations:
        operation = operations[0]
        if operation == "rb":
            return "aws_s3_rb", "`aws s3 rb` deletes a bucket"
        if operation in ("rm", "mv") and "--recursive" in args:
            return (
                f"aws_s3_{operation}_recursive",
                f"`aws s3 {operation} --recursive` deletes every object under a prefix",
            )
        if operation == "sync" and "--delete" in args:
            return "aws_s3_sync_delete", "`aws s3 sync --delete` deletes objects missing from the source"
        return None
    if service is None or (operations and operations[0] is None):
        return "aws_unknown_operation", "the AWS CLI operation is only known at run time"
    for operation in operations:
        match = _AWS_VERB.match(operation or "")
        if match:
            return f"aws_{match.group(1)}", f"`aws {service} {operation}` {match.group(1)}s AWS resources"
    return None


def _terraform(ex: Execution, ctx: PolicyContext) -> Finding | None:
    args = [a for a in ex.args if a is not None]
    operands = [a for a in args if not a.startswith("-")]
    destroy_flag = any(a in ("-destroy", "--destroy") or a.startswith(("-destroy=t", "--destroy=t")) for a in args)
    if "destroy" in operands or ("apply" in operands and destroy_flag):
        return "terraform_destroy", f"`{ex.name} destroy` / `apply -destroy` destroys managed infrastructure"
    return None


def _cdk(ex: Execution, ctx: PolicyContext) -> Finding | None:
    if "destroy" in ex.args:
        return "cdk_destroy", "`cdk destroy` deletes CloudFormation stacks"
    return None


def _pulumi(ex: Execution, ctx: PolicyContext) -> Finding | None:
    ops = operation_candidates(ex.args, _PULUMI_VALUE, count=2)
    if ops[:1] in (["destroy"], ["down"]):
        return "pulumi_destroy", "`pulumi destroy` deletes every resource of the stack"
    if ops[:2] == ["stack", "rm"]:
        return "pulumi_stack_rm", "`pulumi stack rm` deletes a stack"
    return None


def _first_operation(
    verbs: frozenset[str], value_opts: frozenset[str], rule: str, what: str
) -> Callable[..., Finding | None]:
    def check(ex: Execution, ctx: PolicyContext) -> Finding | None:
        ops = operation_candidates(ex.args, value_opts, count=1)
        for op in ops:
            if op is None or op in verbs:
                return rule, what
        return None

    return check


def _rm(ex: Execution, ctx: PolicyContext) -> Finding | None:
    recursive = False
    targets: list[str | None] = []
    options_done = False
    for arg in ex.args:
        if arg is None:
            targets.append(None)
        elif not options_done and arg == "--":
            options_done = True
        elif not options_done and arg.startswith("--"):
            if arg == "--recursive":
                recursive = True
            elif arg == "--no-preserve-root":
                return "rm_root", "`rm --no-preserve-root` can delete the whole file system"
        elif not options_done and arg.startswith("-") and len(arg) > 1:
            recursive = recursive or "r" in arg or "R" in arg
        else:
            targets.append(arg)
    if not recursive:
        return None
    for target in targets:
        finding = _rm_target(target, ex.cwds, ctx)
        if finding:
            return finding
    return None


def _rm_target(target: str | None, cwds: tuple[str | None, ...], ctx: PolicyContext) -> Finding | None:
    if target is None:
        return "rm_unknown_target", "`rm -r` of a path that is only known at run time (an empty variable makes it `/`)"
    for cwd in cwds:
        resolved = resolve(target, cwd, ctx)
        if resolved == INSIDE:
            if posixpath.normpath(posixpath.join(cwd or "", target)) in (".", ""):
                return "rm_project_root", f"`rm -r {target}` deletes the whole working directory"
            continue
        if resolved is None:
            return "rm_outside_project", f"`rm -r {target}` may reach outside the project"
        bare = resolved.rstrip("*").rstrip("/") or "/"
        if bare == "/":
            return "rm_root", f"`rm -r {target}` deletes the whole file system"
        if ctx.home and under(ctx.home, bare, ctx):
            return "rm_home", f"`rm -r {target}` deletes the home directory"
        if any(under(root, bare, ctx) for root in ctx.project_dirs):
            return "rm_project_root", f"`rm -r {target}` deletes the project itself"
        if in_project(resolved, ctx):
            continue
        if any(under(resolved, tmp, ctx) and resolved.rstrip("/") != tmp for tmp in TEMP_DIRS):
            continue
        return "rm_outside_project", f"`rm -r {target}` deletes files outside the project"
    return None


CHECKS: dict[str, Callable[[Execution, PolicyContext], Finding | None]] = {
    "aws": _aws,
    "terraform": _terraform,
    "tofu": _terraform,
    "terragrunt": _terraform,
    "cdk": _cdk,
    "cdklocal": _cdk,
    "aws-cdk": _cdk,
    "pulumi": _pulumi,
    "kubectl": _first_operation(
        frozenset({"delete"}), _KUBECTL_VALUE, "kubectl_delete", "`kubectl delete` deletes cluster resources"
    ),
    "helm": _first_operation(
        frozenset({"uninstall", "delete", "del", "un"}),
        _HELM_VALUE,
        "helm_uninstall",
        "`helm uninstall` removes a release",
    ),
    "eksctl": _first_operation(
        frozenset({"delete"}), _EKSCTL_VALUE, "eksctl_delete", "`eksctl delete` deletes clusters or node groups"
    ),
    "rm": _rm,
}


def destructive(ex: Execution, name: str, ctx: PolicyContext) -> Finding | None:
    """The destructive operation `ex` performs, if any (`name`: its lower-cased canonical name)."""
    check = CHECKS.get(name)
    return check(ex, ctx) if check is not None else None
