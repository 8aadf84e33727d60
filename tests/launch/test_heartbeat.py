"""The session heartbeat (issue 11): a real wrapper session with a stand-in claude records periodic heartbeats
saying what protection is in force, and stops them with the session."""

from __future__ import annotations

import hashlib
import signal
from pathlib import Path

from claude_enterprise.audit.reader import verify
from claude_enterprise.launch.heartbeat import Heartbeat, heartbeat_fields, interval_from_env
from tests.launch.test_run import env, session, wait_for  # noqa: F401 - fixtures
from tests.support.launcher import audit_events


def beats(state: Path) -> list[dict]:
    return [e for e in audit_events(state) if e["type"] == "heartbeat"]


def test_a_running_session_sends_heartbeats_and_stops_with_it(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    managed = tmp_path / "managed-settings.json"
    managed.write_text('{"permissions": {"disableBypassPermissionsMode": "disable"}}')
    s = session(STANDIN_EXIT="0", CLAUDE_ENTERPRISE_HEARTBEAT_S="0.2",
                CLAUDE_ENTERPRISE_CLAUDE_MANAGED_SETTINGS=str(managed))
    s.ready()
    state = tmp_path / "state"
    wait_for(lambda: len(beats(state)) >= 3, "three heartbeats")
    s.send(signal.SIGTERM)
    assert s.finish() == 0
    events = audit_events(state)
    types = [e["type"] for e in events]
    hb = beats(state)
    assert [b["beat"] for b in hb] == list(range(1, len(hb) + 1))
    # no heartbeat after the session ended
    assert types.index("session_end") > max(i for i, t in enumerate(types) if t == "heartbeat")
    first = hb[0]
    assert first["profile"] == "standard" and first["version"] and first["session_id"] == events[0]["session_id"]
    assert first["managed_settings"] is True
    assert first["managed_settings_sha256"] == hashlib.sha256(managed.read_bytes()).hexdigest()
    # this runner starts no hook/gate enforcement and the config is not the managed one: degraded, and why
    assert first["degraded"] is True and first["enforcement"] is False
    assert "hook/gate enforcement not running" in first["degraded_reasons"]
    assert verify(state / "audit").ok


def test_heartbeats_can_be_turned_off(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    s = session(STANDIN_EXIT_NOW="0", CLAUDE_ENTERPRISE_HEARTBEAT_S="0")
    s.ready()
    assert s.finish() == 0
    assert beats(tmp_path / "state") == []


def test_fields_and_interval(tmp_path: Path) -> None:
    fields = heartbeat_fields(managed_settings_file=tmp_path / "absent.json", managed_config=True,
                              sandbox_in_force=False, sandbox_required=True, enforcement=True)
    assert fields["managed_settings"] is False and fields["managed_settings_sha256"] is None
    assert fields["degraded_reasons"] == ["managed settings not installed",
                                          "OS sandbox required by the profile but not in force"]
    managed = tmp_path / "m.json"
    managed.write_text("{}")
    ok = heartbeat_fields(managed_settings_file=managed, managed_config=True, sandbox_in_force=True,
                          sandbox_required=True, enforcement=True)
    assert ok["degraded"] is False and ok["degraded_reasons"] == []
    assert interval_from_env({}) == 300 and interval_from_env({"CLAUDE_ENTERPRISE_HEARTBEAT_S": "x"}) == 300
    assert interval_from_env({"CLAUDE_ENTERPRISE_HEARTBEAT_S": "60"}) == 60
    # Off in any spelling: a zero or negative interval must never become a busy loop of heartbeats.
    for off in ("0", "0.00", "-5", " 0 "):
        assert interval_from_env({"CLAUDE_ENTERPRISE_HEARTBEAT_S": off}) is None, off
    failures: list[int] = []

    def failing(count: int) -> None:
        failures.append(count)
        raise OSError("disk full")

    heartbeat = Heartbeat(failing, 0)
    heartbeat.start()  # a failed beat is said, never raised into the session
    heartbeat.stop()
    assert failures == [1]
