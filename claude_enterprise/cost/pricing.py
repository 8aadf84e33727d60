"""Model prices as data (`policies/pricing.json`) and the arithmetic that turns token counts into dollars.

The bundled table holds list prices with the source and fetch date of each entry. Administrators override it
with `pricing.json` in the managed directory (negotiated rates): its `models` entries are consulted first and
its `regional_uplift` / `batch_discount` replace the bundled ones. A model matching no entry is *unpriced*:
it is reported, never priced by guessing from its prefix.

Model ids are normalised before matching: Bedrock forms (`global.anthropic.claude-sonnet-4-5-20250929-v1:0`,
`us.anthropic.…`, `anthropic.…`) and first-party ids (`claude-sonnet-4-5-20250929`) all reduce to the family
(`claude-sonnet-4-5`), which must match an entry's `pattern` (a regular expression) in full.
Standard library only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RATE_KINDS = ("input", "output", "cache_read", "cache_write_5m", "cache_write_1h")
GEO_PREFIXES = ("us", "eu", "jp", "au", "apac", "ca", "us-gov")
PRICING_FILE = "pricing.json"

_DATE_SUFFIX = re.compile(r"-\d{8}$")
_VERSION_SUFFIX = re.compile(r"-v\d+(:\d+)?$")
_BRACKETS = re.compile(r"\[[^\]]*\]$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PricingError(ValueError):
    """The pricing file is malformed: names the file and the entry."""


@dataclass(frozen=True)
class Rates:
    name: str
    pattern: re.Pattern[str]
    effective_from: str
    input: float
    output: float
    cache_read: float
    cache_write_5m: float
    cache_write_1h: float
    regional_uplift: bool
    source: str
    fetched: str
    layer: int = 0  # which file: the highest layer with an entry for a model owns its prices


@dataclass(frozen=True)
class Endpoint:
    """How a model id was called: `global`, `regional` (Bedrock geo/in-Region) or `first_party`."""

    family: str
    scope: str


def normalise(model_id: str) -> Endpoint:
    """`us.anthropic.claude-sonnet-4-5-20250929-v1:0` → Endpoint('claude-sonnet-4-5', 'regional')."""
    mid = _BRACKETS.sub("", model_id.strip().lower())
    if mid.startswith("arn:"):  # an inference-profile or foundation-model ARN: the id is the last path part
        mid = mid.rsplit("/", 1)[-1]
    scope = "first_party"
    head, dot, rest = mid.partition(".")
    if dot and head == "global":
        scope, mid = "global", rest
    elif dot and head in GEO_PREFIXES:
        scope, mid = "regional", rest
    if mid.startswith("anthropic."):
        mid = mid[len("anthropic."):]
        if scope == "first_party":
            scope = "regional"  # an in-Region Bedrock id
    mid = _VERSION_SUFFIX.sub("", mid)
    mid = _DATE_SUFFIX.sub("", mid)
    return Endpoint(mid, scope)


@dataclass(frozen=True)
class PriceTable:
    entries: tuple[Rates, ...]
    regional_multiplier: float
    batch_multiplier: float
    sources: tuple[str, ...]

    def rates_for(self, model_id: str, day: str) -> Rates | None:
        """The entry in force on `day` (YYYY-MM-DD) for `model_id`, or None when the model has no price."""
        family = normalise(model_id).family
        matching = [e for e in self.entries if e.pattern.fullmatch(family)]
        if not matching:
            return None
        # Override entries come first: the first matching pattern of the highest layer owns the model, and
        # among its dated entries the latest one in force on `day` applies.
        owner = matching[0]
        dated = [e for e in matching if e.layer == owner.layer and e.pattern.pattern == owner.pattern.pattern
                 and e.effective_from <= day]
        return max(dated, key=lambda e: e.effective_from, default=None)

    def cost(self, model_id: str, tokens: Mapping[str, int], day: str, *, batch: bool = False) -> float | None:
        """USD for `tokens` (keys: input, output, cache_read, cache_write_5m, cache_write_1h), or None if unpriced."""
        rates = self.rates_for(model_id, day)
        if rates is None:
            return None
        micro = sum(tokens.get(kind, 0) * getattr(rates, kind) for kind in RATE_KINDS)
        usd = micro / 1_000_000
        if rates.regional_uplift and normalise(model_id).scope == "regional":
            usd *= self.regional_multiplier
        if batch:
            usd *= self.batch_multiplier
        return usd


def _entry(raw: Any, where: str, layer: int) -> Rates:
    if not isinstance(raw, dict):
        raise PricingError(f"{where}: an entry must be an object")
    missing = [k for k in ("name", "pattern", "effective_from", "source", "fetched", *RATE_KINDS) if k not in raw]
    if missing:
        raise PricingError(f"{where}: missing {', '.join(missing)}")
    for kind in RATE_KINDS:
        value = raw[kind]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise PricingError(f"{where}: {kind} must be a non-negative number, not {value!r}")
    for key in ("effective_from", "fetched"):
        if not isinstance(raw[key], str) or not _ISO_DATE.match(raw[key]):
            raise PricingError(f"{where}: {key} must be a YYYY-MM-DD date, not {raw[key]!r}")
    try:
        pattern = re.compile(str(raw["pattern"]))
    except re.error as exc:
        raise PricingError(f"{where}: pattern {raw['pattern']!r}: {exc}") from None
    return Rates(name=str(raw["name"]), pattern=pattern, effective_from=raw["effective_from"],
                 regional_uplift=bool(raw.get("regional_uplift", False)), source=str(raw["source"]),
                 fetched=raw["fetched"], layer=layer, **{k: float(raw[k]) for k in RATE_KINDS})


def _multiplier(doc: Mapping[str, Any], key: str, where: str) -> float | None:
    block = doc.get(key)
    if block is None:
        return None
    value = block.get("multiplier") if isinstance(block, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise PricingError(f"{where}: {key}.multiplier must be a positive number")
    return float(value)


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PricingError(f"{path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models", []), list):
        raise PricingError(f"{path}: expected an object with a 'models' list")
    return doc


def load_table(files: Sequence[Path]) -> PriceTable:
    """Later files override earlier ones: their entries are matched first, their multipliers win."""
    entries: list[Rates] = []
    regional, batch = 1.0, 1.0
    for number, path in enumerate(files):
        doc = _read(path)
        layer = [_entry(raw, f"{path}: models[{i}]", number) for i, raw in enumerate(doc.get("models", []))]
        entries = layer + entries
        regional = _multiplier(doc, "regional_uplift", str(path)) or regional
        batch = _multiplier(doc, "batch_discount", str(path)) or batch
    return PriceTable(tuple(entries), regional, batch, tuple(str(p) for p in files))


def default_files() -> list[Path]:
    """The bundled table, then the administrator's managed override when it is admin-owned."""
    from claude_enterprise.paths import bundled_policies_dir, is_admin_owned, managed_dir

    files = [bundled_policies_dir() / PRICING_FILE]
    override = managed_dir() / PRICING_FILE
    if override.is_file() and is_admin_owned(override):
        files.append(override)
    return files


def default_table() -> PriceTable:
    return load_table(default_files())
