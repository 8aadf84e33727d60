"""`admin audit` from CloudWatch: the stored Logs Insights queries, how they are run, and how their results
become the report. What is covered how is in tests/admin/COVERAGE.md: moto runs StartQuery/GetQueryResults
(but evaluates no `filter`, `stats` or `dedup`), so the query texts are checked for well-formedness against
the documented grammar here, and the results are read from responses in GetQueryResults' documented shape
holding the fixture trail's answers (tests/admin/insights_results/)."""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from claude_enterprise.admin.compliance import build
from claude_enterprise.admin.fleet_report import QUERIES, from_insights, insights_ms
from claude_enterprise.admin.insights_run import InsightsError, finished, rows, run_query, stated_limit
from claude_enterprise.admin.monitoring import dashboard_body, insights_queries
from claude_enterprise.audit.events import parse_ts_ms
from claude_enterprise.audit.shipper import ship
from claude_enterprise.audit.spool import iter_lines
from tests.admin.conftest import REGION
from tests.admin.test_compliance_report import admin_audit, check_known_answers, fixture_trail
from tests.support.admin_profiles import full_config

RECORDED = Path(__file__).parent / "insights_results" / "fixture_trail.json"
COMMANDS = {"fields", "filter", "stats", "sort", "limit", "dedup", "display", "parse"}
STATS_FUNCTIONS = {"count", "count_distinct", "sum", "avg", "min", "max", "pct", "earliest", "latest", "stddev"}


def commands(query: str) -> list[tuple[str, str]]:
    """(command, rest) per pipe-separated stage; pipes inside quotes are not separators."""
    stages = re.split(r"\|(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", query)
    split = [[*stage.strip().split(None, 1), ""] for stage in stages]
    return [(parts[0], parts[1]) for parts in split]


@pytest.mark.parametrize("name", sorted(insights_queries()))
def test_each_stored_query_is_well_formed_for_logs_insights(name: str) -> None:
    """The documented rules the queries rely on: known commands; nothing but `limit` after `dedup`; only
    documented stats functions; balanced quotes, brackets and parentheses; and every event count is exact
    by event_id (a first `stats ... by event_id`, `dedup event_id`, or `count_distinct(event_id)`)."""
    query = insights_queries()[name]
    stages = commands(query)
    assert all(command in COMMANDS for command, _ in stages), stages
    names = [command for command, _ in stages]
    if "dedup" in names:
        assert all(later == "limit" for later in names[names.index("dedup") + 1:]), name
    for command, rest in stages:
        assert rest.count('"') % 2 == 0 and rest.count("(") == rest.count(")") and rest.count("[") == rest.count("]")
        if command == "stats":
            assert set(re.findall(r"(\w+)\(", rest)) - {"bin"} <= STATS_FUNCTIONS, rest
    first_stats = next((rest for command, rest in stages if command == "stats"), None)
    counts = first_stats is not None and re.search(r"\b(count|sum)\(", query)
    if counts:
        assert (re.search(r"by event_id\b", first_stats or "") or "count_distinct(event_id)" in query
                or "dedup event_id" in query), name
    if re.search(r"\bcount\(\*\)", query) and "stats" in names:
        assert names.count("stats") == 2 or "count_distinct(event_id)" in query, name


def test_the_report_and_the_dashboard_share_the_query_files() -> None:
    stored = insights_queries()
    assert set(QUERIES) <= set(stored)
    widgets = " ".join(w["properties"]["query"] for w in dashboard_body(full_config())["widgets"] if w["type"] == "log")
    for shared in ("hosts", "heartbeats", "failed_authentications", "decisions_by_rule"):
        assert stored[shared].replace("\n", " ") in widgets, shared


@pytest.mark.parametrize(("status", "done"), [("Complete", True), ("Running", False), ("Scheduled", False)])
def test_query_statuses_that_end_the_wait(status: str, done: bool) -> None:
    assert finished("q", status) is done


@pytest.mark.parametrize("status", ["Failed", "Cancelled", "Timeout", "Unknown", "Exploded"])
def test_query_statuses_without_results_are_errors_naming_the_query(status: str) -> None:
    with pytest.raises(InsightsError, match=rf"'event_counts'.*{status}"):
        finished("event_counts", status)


def recorded() -> dict[str, list[dict[str, str]]]:
    return {name: rows(response) for name, response in json.loads(RECORDED.read_text()).items()}


def test_recorded_query_results_make_the_reports_known_answers(tmp_path: Path) -> None:
    """The recorded results hold what the queries return over the fixture trail with 6 events delivered
    twice: read into the report, they give the same answers as the local trail's own aggregation."""
    results = recorded()
    last_seen = max(insights_ms(r["last_seen"]) for r in results["hosts"])
    report = from_insights(results, since_ms=None, until_ms=None, now_ms=last_seen + 60_000, source="insights",
                           tamper={"laptop-a": "intact", "laptop-b": "intact"})
    data = report.as_dict()
    check_known_answers(data)
    assert data["duplicates"] == 6 and data["event_types"]["tool_decision"] == 6
    spool = tmp_path / "spool"
    fixture_trail(spool)
    local = build([json.loads(raw) for _, _, _, raw in iter_lines(spool)], since_ms=None, until_ms=None,
                  now_ms=last_seen + 60_000, source="local", tamper={"laptop-a": "intact", "laptop-b": "intact"})
    same_shape = ("events", "event_types", "users", "profiles", "sessions", "decisions", "refused_launches")
    assert {k: data[k] for k in same_shape} == {k: local.as_dict()[k] for k in same_shape}
    assert list(data) == list(local.as_dict())
    assert [sorted(h) for h in data["hosts"]] == [sorted(h) for h in local.as_dict()["hosts"]]


def test_a_result_row_without_the_expected_fields_is_a_clear_error() -> None:
    results: dict[str, Any] = {**recorded(), "event_counts": [{"@timestamp": "1700000000000", "@message": "{}"}]}
    with pytest.raises(InsightsError, match=r"'event_counts' returned a row without type, user"):
        from_insights(results, since_ms=None, until_ms=None, now_ms=0, source="x")


def test_logs_insights_time_values() -> None:
    assert insights_ms("2026-11-30 10:42:39.123") == parse_ts_ms("2026-11-30T10:42:39.123Z")
    assert insights_ms("1764499359123") == 1764499359123


def shipped(tmp_path: Path) -> tuple[str, list[str]]:
    spool = tmp_path / "spool"
    fixture_trail(spool)
    group = f"/claude-code/enterprise/audit-{uuid.uuid4().hex[:8]}"
    assert ship(spool, log_group=group, region=REGION, endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                stream_name="alice/laptop-a").ok
    return group, [raw.decode() for _, _, _, raw in iter_lines(spool)]


def test_queries_run_on_the_moto_server_poll_to_completion_and_parse_rows(tmp_path: Path) -> None:
    """What moto evaluates (fields of the @ kind, sort, limit) over events shipped by the real shipper."""
    group, messages = shipped(tmp_path)
    logs = boto3.client("logs", region_name=REGION)
    found = run_query(logs, "latest", "fields @timestamp, @message | sort @timestamp desc | limit 3", group, 0,
                      2**31 - 1, wait_s=30, poll_s=0.05)
    # Events of one millisecond tie on @timestamp, so which of them come back is moto's choice: check the order
    # and that no returned row is older than the third newest event.
    stamps = [insights_ms(r["@timestamp"]) for r in found]
    newest = sorted((parse_ts_ms(json.loads(m)["ts"]) for m in messages), reverse=True)
    assert len(found) == 3 and stamps == sorted(stamps, reverse=True) and min(stamps) >= newest[2]
    assert {json.loads(r["@message"])["event_id"] for r in found} <= {json.loads(m)["event_id"] for m in messages}
    assert all(insights_ms(r["@timestamp"]) == parse_ts_ms(json.loads(r["@message"])["ts"]) for r in found)


def test_rows_cut_at_the_query_limit_are_an_error_when_the_caller_counts_them(tmp_path: Path) -> None:
    """A fleet-month can hold more groups than a query's `limit`: a report counting the rows must not
    silently undercount (moto applies `limit`, so this runs on the real server)."""
    group, messages = shipped(tmp_path)
    logs = boto3.client("logs", region_name=REGION)
    query = f"fields @timestamp, @message | sort @timestamp desc | limit {len(messages) - 1}"
    assert len(run_query(logs, "cut", query, group, 0, 2**31 - 1, wait_s=30, poll_s=0.05)) == len(messages) - 1
    with pytest.raises(InsightsError, match=r"'cut' returned its limit of \d+ rows, so the report would undercount"):
        run_query(logs, "cut", query, group, 0, 2**31 - 1, wait_s=30, poll_s=0.05, whole=True)
    whole = f"fields @timestamp, @message | limit {len(messages) + 1}"
    assert len(run_query(logs, "all", whole, group, 0, 2**31 - 1, wait_s=30, poll_s=0.05, whole=True)) == len(messages)
    assert stated_limit("stats count(*) by x\n| limit 10000\n") == 10000 and stated_limit("fields a") is None


def test_admin_audit_over_moto_says_which_query_it_could_not_read(tmp_path: Path) -> None:
    """moto answers the report's `stats` queries with raw events: the command names the query and the missing
    fields in one line and exits 1, rather than reporting numbers it did not get."""
    group, _ = shipped(tmp_path)
    config = tmp_path / "enterprise-config.json"
    config.write_text(json.dumps({"audit_region": REGION, "audit_log_group": group,
                                  "audit_endpoint_url": os.environ["AWS_ENDPOINT_URL"]}))
    result = admin_audit(config, "--format", "json")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'event_counts' returned a row without type" in result.stderr
    assert "Traceback" not in result.stderr
