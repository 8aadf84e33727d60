"""The usage ledger: token counts and estimated cost of one Claude Code session, read from its transcripts.

Claude Code writes `$CLAUDE_CONFIG_DIR/projects/<cwd with every non-alphanumeric as '-'>/<session>.jsonl`
(subagents under `<session>/subagents/*.jsonl`). One API response is written as several assistant records
(one per content block, the usage repeated, `output_tokens` growing), so each response is counted once, keyed
by `message.id` + `requestId`, keeping its largest `output_tokens`. Records older than the session's start are
skipped (a resumed session appends to the transcript it resumes).

Standard library only; a 50 MB transcript is read in well under a second (tests/benchmarks/bench_ledger.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_enterprise.cost.pricing import PriceTable, normalise

TOKEN_KINDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


def claude_config_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("CLAUDE_CONFIG_DIR") or Path(env.get("HOME") or Path.home()) / ".claude")


def project_key(cwd: str) -> str:
    return _NON_ALNUM.sub("-", cwd)


def transcript_files(config_dir: Path, session_id: str, cwd: str | None = None) -> list[Path]:
    """The session's main transcript and its subagents' transcripts (empty when claude wrote none)."""
    projects = config_dir / "projects"
    dirs = [projects / project_key(cwd)] if cwd else []
    if not any((d / f"{session_id}.jsonl").is_file() or (d / session_id).is_dir() for d in dirs):
        # Long paths are shortened by claude; the session id is unique, so look in every project.
        dirs = [p.parent for p in projects.glob(f"*/{session_id}.jsonl")]
        dirs += [p.parent for p in projects.glob(f"*/{session_id}") if p.is_dir()]
    found: list[Path] = []
    for d in dict.fromkeys(dirs):
        main = d / f"{session_id}.jsonl"
        if main.is_file():
            found.append(main)
        found += sorted((d / session_id).rglob("*.jsonl")) if (d / session_id).is_dir() else []
    return found


@dataclass
class Response:
    model: str
    day: str
    tokens: list[int]  # in TOKEN_KINDS order


def _tokens(usage: Mapping[str, Any]) -> list[int]:
    def n(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    write = n(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    w5 = w1 = 0
    if isinstance(split, dict):
        w5, w1 = n(split.get("ephemeral_5m_input_tokens")), n(split.get("ephemeral_1h_input_tokens"))
    if w5 + w1 != write:  # no or inconsistent breakdown: the unexplained rest is priced as 5-minute writes
        w5 = max(write - w1, 0)
    return [n(usage.get("input_tokens")), n(usage.get("output_tokens")), n(usage.get("cache_read_input_tokens")),
            w5, w1]


def read_responses(files: Iterable[Path], since: str | None = None) -> dict[tuple[str, str], Response]:
    """Each API response once, by (message id, request id), with its largest output count.

    `since` is an RFC 3339 UTC timestamp; records stamped earlier are not this session's."""
    responses: dict[tuple[str, str], Response] = {}
    anonymous = 0
    for path in files:
        try:
            handle = path.open("rb")
        except OSError:
            continue
        with handle:
            for line in handle:
                if b'"usage"' not in line or b'"assistant"' not in line:
                    continue  # user records, tool results, summaries: most of the bytes, never parsed
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # a torn last line while claude was still writing
                message = rec.get("message") if isinstance(rec, dict) else None
                if rec.get("type") != "assistant" or not isinstance(message, dict):
                    continue
                usage = message.get("usage")
                model = message.get("model")
                if not isinstance(usage, dict) or not isinstance(model, str) or model == "<synthetic>":
                    continue
                ts = rec.get("timestamp") if isinstance(rec.get("timestamp"), str) else ""
                if since and ts and ts < since:
                    continue
                mid, rid = message.get("id"), rec.get("requestId")
                if not mid and not rid:
                    anonymous += 1
                    key = ("", f"anon-{anonymous}")
                else:
                    key = (str(mid or ""), str(rid or ""))
                tokens = _tokens(usage)
                seen = responses.get(key)
                if seen is None:
                    responses[key] = Response(model, ts[:10], tokens)
                elif tokens[1] > seen.tokens[1] or (tokens[1] == seen.tokens[1] and sum(tokens) > sum(seen.tokens)):
                    seen.tokens = tokens
    return responses


@dataclass
class ModelUsage:
    model: str
    responses: int = 0
    tokens: list[int] = field(default_factory=lambda: [0] * len(TOKEN_KINDS))
    by_day: dict[str, list[int]] = field(default_factory=dict)

    def as_tokens(self) -> dict[str, int]:
        t = dict(zip(TOKEN_KINDS, self.tokens, strict=True))
        return {"input": t["input"], "output": t["output"], "cache_read": t["cache_read"],
                "cache_write": t["cache_write_5m"] + t["cache_write_1h"],
                "cache_write_5m": t["cache_write_5m"], "cache_write_1h": t["cache_write_1h"]}

    def cost(self, prices: PriceTable, fallback_day: str) -> float | None:
        total = 0.0
        for day, counts in self.by_day.items():
            usd = prices.cost(self.model, dict(zip(TOKEN_KINDS, counts, strict=True)), day or fallback_day)
            if usd is None:
                return None
            total += usd
        return round(total, 6)


def summarise(responses: Mapping[tuple[str, str], Response]) -> dict[str, ModelUsage]:
    models: dict[str, ModelUsage] = {}
    for response in responses.values():
        usage = models.setdefault(response.model, ModelUsage(response.model))
        usage.responses += 1
        day = usage.by_day.setdefault(response.day, [0] * len(TOKEN_KINDS))
        for i, count in enumerate(response.tokens):
            usage.tokens[i] += count
            day[i] += count
    return models


def provider_and_region(env: Mapping[str, str]) -> tuple[str, str | None]:
    def on(name: str) -> bool:
        return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")

    if on("CLAUDE_CODE_USE_BEDROCK"):
        return "bedrock", env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    if on("CLAUDE_CODE_USE_VERTEX"):
        return "vertex", env.get("CLOUD_ML_REGION") or None
    return "anthropic", None


def usage_events(models: Mapping[str, ModelUsage], prices: PriceTable, *, today: str,
                 env: Mapping[str, str]) -> list[dict[str, Any]]:
    """One `usage` event body per model (EMF metrics carry one model dimension per record)."""
    provider, region = provider_and_region(env)
    bodies = []
    for name in sorted(models):
        usage = models[name]
        tokens = usage.as_tokens()
        cost = usage.cost(prices, today)
        bodies.append({
            "model": name,
            "tokens": {name: tokens},
            "responses": usage.responses,
            "input_tokens": tokens["input"],
            "output_tokens": tokens["output"],
            "cache_read_tokens": tokens["cache_read"],
            "cache_write_tokens": tokens["cache_write"],
            "cost_usd": cost,
            "priced": cost is not None,
            "endpoint": normalise(name).scope,
            "provider": provider,
            "region": region,
        })
    return bodies


def session_usage(session_id: str, env: Mapping[str, str], *, cwd: str | None = None, since: str | None = None,
                  prices: PriceTable | None = None, today: str) -> list[dict[str, Any]]:
    from claude_enterprise.cost.pricing import default_table

    files = transcript_files(claude_config_dir(env), session_id, cwd if cwd is not None else os.getcwd())
    models = summarise(read_responses(files, since))
    return usage_events(models, prices or default_table(), today=today, env=env)
