"""Pricing arithmetic against hand-computed figures, for each rate kind, the regional uplift, batch, dates
and administrator overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_enterprise.cost.pricing import PricingError, default_table, load_table, normalise
from claude_enterprise.paths import bundled_policies_dir

TABLE = default_table()
DAY = "2026-11-01"
M = 1_000_000


@pytest.mark.parametrize(("kind", "usd"), [
    # Sonnet 4.5 list prices per 1M: in 3, out 15, cache read 0.30, 5m write 3.75, 1h write 6.
    ("input", 3.00), ("output", 15.00), ("cache_read", 0.30), ("cache_write_5m", 3.75), ("cache_write_1h", 6.00),
])
def test_each_rate_kind_first_party(kind: str, usd: float) -> None:
    assert TABLE.cost("claude-sonnet-4-5-20250929", {kind: M}, DAY) == pytest.approx(usd)


def test_mixed_session_by_hand() -> None:
    # Haiku 4.5: 12,000 in × $1 + 3,500 out × $5 + 40,000 read × $0.10 + 2,000 5m × $1.25 + 1,000 1h × $2
    # = 0.012 + 0.0175 + 0.004 + 0.0025 + 0.002 = $0.038
    tokens = {"input": 12_000, "output": 3_500, "cache_read": 40_000, "cache_write_5m": 2_000, "cache_write_1h": 1_000}
    assert TABLE.cost("global.anthropic.claude-haiku-4-5-20251001-v1:0", tokens, DAY) == pytest.approx(0.038)


def test_regional_endpoint_costs_ten_percent_more_for_new_models_only() -> None:
    tokens = {"input": M, "output": M}  # Sonnet 4.5: 3 + 15 = 18; regional 19.80
    assert TABLE.cost("global.anthropic.claude-sonnet-4-5-20250929-v1:0", tokens, DAY) == pytest.approx(18.0)
    assert TABLE.cost("us.anthropic.claude-sonnet-4-5-20250929-v1:0", tokens, DAY) == pytest.approx(19.8)
    assert TABLE.cost("anthropic.claude-sonnet-4-5-20250929-v1:0", tokens, DAY) == pytest.approx(19.8)
    # Sonnet 4 (older) keeps its price on a regional endpoint: 3 + 15.
    assert TABLE.cost("eu.anthropic.claude-sonnet-4-20250514-v1:0", tokens, DAY) == pytest.approx(18.0)


def test_batch_is_half_price() -> None:
    # Opus 4.5: 2M in × 5 + 1M out × 25 = 35; batch 17.50
    assert TABLE.cost("claude-opus-4-5", {"input": 2 * M, "output": M}, DAY, batch=True) == pytest.approx(17.5)


def test_effective_dates_pick_the_rate_in_force() -> None:
    # Sonnet 5.5 cache read: 0.20 until 2026-10-07, 0.10 from then.
    assert TABLE.cost("claude-sonnet-5-5", {"cache_read": M}, "2026-10-06") == pytest.approx(0.20)
    assert TABLE.cost("claude-sonnet-5-5", {"cache_read": M}, "2026-10-07") == pytest.approx(0.10)


@pytest.mark.parametrize(("model", "family"), [
    ("claude-opus-4-1-20250805", "Claude Opus 4.1"), ("claude-opus-4-20250514", "Claude Opus 4"),
    ("claude-opus-4-6", "Claude Opus 4.5-4.8"), ("claude-3-5-haiku-20241022", "Claude Haiku 3.5"),
    ("claude-3-haiku-20240307", "Claude Haiku 3"), ("claude-sonnet-4-5[1m]", "Claude Sonnet 4.5, 4.6"),
    ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
     "Claude Haiku 4.5"),
])
def test_model_ids_resolve_to_their_family(model: str, family: str) -> None:
    rates = TABLE.rates_for(model, DAY)
    assert rates is not None and rates.name == family


def test_unknown_model_is_never_priced_by_guess() -> None:
    assert TABLE.cost("claude-opus-9-9", {"input": M}, DAY) is None
    assert TABLE.cost("claude-opus-4-9", {"input": M}, DAY) is None  # no prefix match onto Opus 4
    assert TABLE.cost("gpt-4o", {"input": M}, DAY) is None
    assert normalise("us.anthropic.claude-opus-4-9-v1:0").scope == "regional"


def test_every_bundled_entry_names_its_source_and_date() -> None:
    doc = json.loads((bundled_policies_dir() / "pricing.json").read_text())
    assert doc["models"]
    for entry in doc["models"]:
        assert entry["source"].startswith("https://") and len(entry["fetched"]) == 10


def test_administrator_override_wins(tmp_path: Path) -> None:
    override = tmp_path / "pricing.json"
    override.write_text(json.dumps({
        "regional_uplift": {"multiplier": 1.0},
        "models": [{"name": "negotiated Sonnet", "pattern": "claude-sonnet-4-5", "effective_from": "2026-01-01",
                    "input": 2.4, "output": 12, "cache_read": 0.24, "cache_write_5m": 3, "cache_write_1h": 4.8,
                    "regional_uplift": True, "source": "contract 4711", "fetched": "2026-01-01"}],
    }))
    table = load_table([bundled_policies_dir() / "pricing.json", override])
    # 1M in × 2.4 + 1M out × 12 = 14.4, regional multiplier overridden to 1.0
    assert table.cost("us.anthropic.claude-sonnet-4-5-v1:0", {"input": M, "output": M}, DAY) == pytest.approx(14.4)
    # before the negotiated rate starts, the override still owns the model: no silent fall-back to list price
    assert table.cost("claude-sonnet-4-5", {"input": M}, "2025-12-31") is None
    assert table.cost("claude-haiku-4-5", {"input": M}, DAY) == pytest.approx(1.0)  # untouched models keep list


@pytest.mark.parametrize("bad", [
    {"models": [{"name": "x"}]},
    {"models": [{"name": "x", "pattern": "(", "effective_from": "2026-01-01", "source": "s", "fetched": "2026-01-01",
                 "input": 1, "output": 1, "cache_read": 1, "cache_write_5m": 1, "cache_write_1h": 1}]},
    {"models": [{"name": "x", "pattern": "x", "effective_from": "soon", "source": "s", "fetched": "2026-01-01",
                 "input": 1, "output": 1, "cache_read": 1, "cache_write_5m": 1, "cache_write_1h": 1}]},
    {"models": [{"name": "x", "pattern": "x", "effective_from": "2026-01-01", "source": "s", "fetched": "2026-01-01",
                 "input": -1, "output": 1, "cache_read": 1, "cache_write_5m": 1, "cache_write_1h": 1}]},
])
def test_malformed_files_are_errors_naming_the_file(tmp_path: Path, bad: dict[str, object]) -> None:
    path = tmp_path / "pricing.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(PricingError, match=r"pricing\.json"):
        load_table([path])
