"""Deploy the policy stack through change sets: a reviewable plan (`--dry-run`) and an executed deploy.

Everything goes through a change set so the plan the administrator reads is what gets executed. Change-set
pitfalls handled here (AWS-ADMIN-COST-PACKAGING.md §B): a CREATE change set leaves an empty stack in
REVIEW_IN_PROGRESS, so a dry run deletes it; an unchanged template makes the change set FAIL with a
"didn't contain changes" reason, which is "no changes", not an error; a stack left in ROLLBACK_COMPLETE (or
REVIEW_IN_PROGRESS) holds no resources and blocks a new create, so deploy deletes it first. The boto3 waiters
are not used: they poll every 30 s and `stack_create_complete` accepts UPDATE_ROLLBACK_COMPLETE.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# Statuses of a stack that owns no resources and cannot be updated: delete it, then create anew.
EMPTY_LEFTOVERS = ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS")
CHANGE_SET_PENDING = ("CREATE_PENDING", "CREATE_IN_PROGRESS")
POLL_SECONDS = 5.0

Progress = Callable[[str], None]


class Detail(NamedTuple):
    """One property-level change; before/after are JSON text when known."""

    attribute: str
    name: str | None
    requires_recreation: str | None
    before: str | None
    after: str | None


class Change(NamedTuple):
    logical_id: str
    resource_type: str
    action: str  # Add | Modify | Remove | Import | Dynamic
    replacement: str | None  # True | False | Conditional; None when not applicable
    details: tuple[Detail, ...]


class DeployResult(NamedTuple):
    status: str  # created | updated | no_changes | failed | planned
    changes: tuple[Change, ...]
    failure: str | None
    api_calls: int


class _Counter:
    """Counts the operations a client sends (botocore's before-call event fires once per operation)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **_: Any) -> None:
        self.calls += 1


@contextmanager
def _counting(cfn: Any) -> Iterator[_Counter]:
    counter = _Counter()
    cfn.meta.events.register("before-call.cloudformation", counter)
    try:
        yield counter
    finally:
        cfn.meta.events.unregister("before-call.cloudformation", counter)


def _describe_stack(cfn: Any, stack: str) -> dict[str, Any] | None:
    try:
        return dict(cfn.describe_stacks(StackName=stack)["Stacks"][0])
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _dump(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _detail(item: Mapping[str, Any]) -> Detail:
    target = item.get("Target", {})
    before, after = target.get("BeforeValue"), target.get("AfterValue")
    return Detail(target.get("Attribute", ""), target.get("Name"), target.get("RequiresRecreation"),
                  None if before is None else _dump(before), None if after is None else _dump(after))


def _changes(pages: list[dict[str, Any]]) -> tuple[Change, ...]:
    out = []
    for page in pages:
        for item in page.get("Changes", []):
            rc = item.get("ResourceChange")
            if rc:
                out.append(Change(rc["LogicalResourceId"], rc.get("ResourceType", ""), rc["Action"],
                                  rc.get("Replacement"), tuple(_detail(d) for d in rc.get("Details", []))))
    return tuple(out)


def template_details(old: Mapping[str, Any], new: Mapping[str, Any], logical_id: str) -> tuple[Detail, ...]:
    """Property before/after from the two templates, for a Modify that CloudFormation gave no details for
    (moto never does). Values are as written in the templates, not resolved."""
    before = old.get("Resources", {}).get(logical_id, {}).get("Properties", {})
    after = new.get("Resources", {}).get(logical_id, {}).get("Properties", {})
    return tuple(
        Detail("Properties", key, None, None if key not in before else _dump(before[key]),
               None if key not in after else _dump(after[key]))
        for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)
    )


def _fill_details(cfn: Any, stack: str, template_body: str, changes: tuple[Change, ...]) -> tuple[Change, ...]:
    if not any(c.action == "Modify" and not c.details for c in changes):
        return changes
    old = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    old_doc = old if isinstance(old, Mapping) else json.loads(old)
    new_doc = json.loads(template_body)
    return tuple(c._replace(details=template_details(old_doc, new_doc, c.logical_id))
                 if c.action == "Modify" and not c.details else c for c in changes)


class _ChangeSet(NamedTuple):
    arn: str
    stack_id: str
    kind: str  # CREATE | UPDATE
    status: str
    reason: str
    created: Any  # datetime of the change set, to pick this deploy's stack events
    changes: tuple[Change, ...]


def _create_change_set(cfn: Any, stack: str, body: str, kind: str, tags: Mapping[str, str],
                       poll: float) -> _ChangeSet:
    """Create a change set and wait until CloudFormation has computed it."""
    created = cfn.create_change_set(
        StackName=stack, ChangeSetName=f"claude-enterprise-{uuid.uuid4().hex[:12]}", TemplateBody=body,
        ChangeSetType=kind, Capabilities=CAPABILITIES, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    while True:
        page = cfn.describe_change_set(ChangeSetName=created["Id"], IncludePropertyValues=True)
        if page["Status"] not in CHANGE_SET_PENDING:
            break
        time.sleep(poll)
    pages = [page]
    while pages[-1].get("NextToken"):
        pages.append(cfn.describe_change_set(ChangeSetName=created["Id"], IncludePropertyValues=True,
                                             NextToken=pages[-1]["NextToken"]))
    return _ChangeSet(created["Id"], created["StackId"], kind, page["Status"], page.get("StatusReason", ""),
                      page.get("CreationTime"), _changes(pages))


def _template_adds(body: str) -> tuple[Change, ...]:
    resources = json.loads(body).get("Resources", {})
    return tuple(Change(lid, r.get("Type", ""), "Add", None, ()) for lid, r in resources.items())


def _wait_deleted(cfn: Any, stack_id: str, poll: float) -> None:
    while (s := _describe_stack(cfn, stack_id)) is not None and s["StackStatus"] != "DELETE_COMPLETE":
        if s["StackStatus"] == "DELETE_FAILED":
            raise RuntimeError(f"deleting stack {stack_id} failed: {s.get('StackStatusReason', '')}")
        time.sleep(poll)


def _computed(cfn: Any, cs: _ChangeSet, stack: str, body: str) -> DeployResult | tuple[Change, ...]:
    """The change set's changes, or the result that ends the run (no changes / change set failed)."""
    if cs.status == "FAILED":
        no_changes = any(marker in cs.reason for marker in NO_CHANGES)
        cfn.delete_change_set(ChangeSetName=cs.arn)
        return DeployResult("no_changes" if no_changes else "failed", (), None if no_changes else cs.reason, 0)
    return _fill_details(cfn, stack, body, cs.changes) if cs.kind == "UPDATE" else cs.changes


def plan(cfn: Any, stack_name: str, template_body: str, *, tags: Mapping[str, str] = {},
         progress: Progress, poll_seconds: float = POLL_SECONDS) -> DeployResult:
    """What `deploy` would change, from a change set that is then deleted with any stack it created."""
    with _counting(cfn) as counter:
        stack = _describe_stack(cfn, stack_name)
        if stack is not None and stack["StackStatus"] in EMPTY_LEFTOVERS:
            progress(f"stack {stack_name} is in {stack['StackStatus']}: deploy deletes it and creates it anew")
            return DeployResult("planned", _template_adds(template_body), None, counter.calls)
        kind = "CREATE" if stack is None else "UPDATE"
        progress(f"computing a {kind} change set for {stack_name}")
        cs = _create_change_set(cfn, stack_name, template_body, kind, tags, poll_seconds)
        try:
            outcome = _computed(cfn, cs, stack_name, template_body)
            if not isinstance(outcome, DeployResult):
                cfn.delete_change_set(ChangeSetName=cs.arn)
        finally:
            if kind == "CREATE":
                cfn.delete_stack(StackName=cs.stack_id)
                _wait_deleted(cfn, cs.stack_id, poll_seconds)
        if isinstance(outcome, DeployResult):
            return outcome._replace(api_calls=counter.calls)
        return DeployResult("planned", outcome, None, counter.calls)


def _event_line(event: Mapping[str, Any]) -> str:
    reason = event.get("ResourceStatusReason")
    stamp = event["Timestamp"].strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp}  {event['LogicalResourceId']}  {event['ResourceStatus']}" + (f"  {reason}" if reason else "")


class _Events:
    """Streams a stack's new events (oldest first), those at or after the change set's creation."""

    def __init__(self, cfn: Any, stack_id: str, since: Any, progress: Progress) -> None:
        self.cfn, self.stack_id, self.since, self.progress = cfn, stack_id, since, progress
        self.seen: set[str] = set()
        self.events: list[Mapping[str, Any]] = []

    def poll(self) -> None:
        fresh: list[Mapping[str, Any]] = []
        token = None
        while True:
            kwargs = {"StackName": self.stack_id, **({"NextToken": token} if token else {})}
            page = self.cfn.describe_stack_events(**kwargs)
            batch = [e for e in page["StackEvents"] if e["EventId"] not in self.seen
                     and (self.since is None or e["Timestamp"] >= self.since)]
            fresh.extend(batch)
            token = page.get("NextToken")
            if not token or len(batch) < len(page["StackEvents"]):
                break  # newest first: an old or seen event means the rest are too
        for event in reversed(fresh):
            self.seen.add(event["EventId"])
            self.events.append(event)
            self.progress(_event_line(event))


def failure_from_events(events: list[Mapping[str, Any]], stack_name: str) -> str | None:
    """The first failed resource and its reason: the root cause (later failures are cancellations)."""
    failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    resource = [e for e in failed if e.get("LogicalResourceId") != stack_name]
    if not failed:
        return None
    first = (resource or failed)[0]
    return (f"{first['LogicalResourceId']} ({first.get('ResourceType', '')}) {first['ResourceStatus']}: "
            f"{first.get('ResourceStatusReason', 'no reason given')}")


def _settle(cfn: Any, stack_id: str, events: _Events, poll: float) -> dict[str, Any]:
    while True:
        events.poll()
        stack = _describe_stack(cfn, stack_id)
        if stack is None:
            raise RuntimeError(f"stack {stack_id} disappeared during the deploy")
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            events.poll()
            return stack
        time.sleep(poll)


def deploy(cfn: Any, stack_name: str, template_body: str, *, tags: Mapping[str, str] = {},
           progress: Progress, poll_seconds: float = POLL_SECONDS) -> DeployResult:
    """Create or update the stack through a change set, streaming its events; never leaves a change set."""
    with _counting(cfn) as counter:
        stack = _describe_stack(cfn, stack_name)
        if stack is not None and stack["StackStatus"] in EMPTY_LEFTOVERS:
            progress(f"stack {stack_name} is in {stack['StackStatus']} and holds no resources: deleting it")
            cfn.delete_stack(StackName=stack["StackId"])
            _wait_deleted(cfn, stack["StackId"], poll_seconds)
            stack = None
        elif stack is not None and stack["StackStatus"].endswith("_IN_PROGRESS"):
            return DeployResult("failed", (), f"stack {stack_name} is busy ({stack['StackStatus']})", counter.calls)
        kind = "CREATE" if stack is None else "UPDATE"
        progress(f"computing a {kind} change set for {stack_name}")
        cs = _create_change_set(cfn, stack_name, template_body, kind, tags, poll_seconds)
        outcome = _computed(cfn, cs, stack_name, template_body)
        if isinstance(outcome, DeployResult):
            return outcome._replace(api_calls=counter.calls)
        progress(f"executing {len(outcome)} change(s)")
        events = _Events(cfn, cs.stack_id, cs.created, progress)
        try:
            cfn.execute_change_set(ChangeSetName=cs.arn)
        except ClientError as exc:
            # moto applies a change set synchronously and raises the resource's error here, with no rollback;
            # AWS rejects here only before anything started. Either way the change set is spent.
            events.poll()
            reason = failure_from_events(events.events, stack_name) or exc.response["Error"].get("Message", str(exc))
            return DeployResult("failed", outcome, reason, counter.calls)
        final = _settle(cfn, cs.stack_id, events, poll_seconds)
        status = final["StackStatus"]
        if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return DeployResult("created" if kind == "CREATE" else "updated", outcome, None, counter.calls)
        reason = failure_from_events(events.events, stack_name) or final.get("StackStatusReason") or status
        return DeployResult("failed", outcome, f"{status}: {reason}", counter.calls)


def format_plan(result: DeployResult) -> str:
    """The plan as the administrator reads it: one block per resource, property before → after."""
    if result.status == "no_changes":
        return "No changes: the deployed stack already matches."
    if result.status == "failed":
        return f"Failed: {result.failure}"
    if not result.changes:
        return "No resource changes."
    lines = []
    for c in result.changes:
        replace = f", replacement: {c.replacement}" if c.replacement else ""
        lines.append(f"{c.action:<7} {c.logical_id} ({c.resource_type}{replace})")
        for d in c.details:
            label = f"{d.attribute}.{d.name}" if d.name else d.attribute
            recreate = f" [recreation: {d.requires_recreation}]" if d.requires_recreation else ""
            lines.append(f"          {label}: {d.before or '(none)'} -> {d.after or '(none)'}{recreate}")
    return "\n".join(lines)
