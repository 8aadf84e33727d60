"""Load the profile catalogue: the bundled `policies/profiles/` plus the admin's managed `profiles.d/`.

YAML is parsed only when a directory's compiled cache (`compiled.py`) is missing or stale, so the hook and the
exec gate, which load profiles on every call when no wrapper is resident, normally import no YAML parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..policy.tables import canonical
from . import compiled
from .errors import ProfileError, UnknownProfileError
from .guide_json import from_guide_shape, is_guide_shape
from .model import ExecRules, FileRules, McpRules, Profile, SandboxRules, ShellRules
from .schema import validate_document

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
# A base's own name, its base, its IAM policy and its examples (which hold for the base's rules) never pass on.
_NOT_INHERITED = ("name", "extends", "iam_policy", "examples")
_MAPPING_SECTIONS = ("env", "files", "network", "shell", "exec", "sandbox", "mcp")
_ADDITIVE = {
    "shell": ("allow", "deny"), "exec": ("deny",), "network": ("allowed_domains",),
    "files": ("read_allow", "deny_read", "deny_write"), "mcp": ("allowed_servers", "denied_servers"),
}
# Beside `profiles/`: the path lists every base profile starts from (credential stores, places that run code
# later), kept as data so an administrator's profile can replace or extend them (`deny_read_add`).
PATH_DEFAULTS_FILE = "protected-paths.json"
_PATH_DEFAULT_KEYS = {"deny_read": "credential_stores", "deny_write": "runs_code_later"}


def profile_files(directory: Path) -> list[Path]:
    """The profile files of a directory, in a stable order; dotfiles (the compiled cache) are skipped."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.suffix in PROFILE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def parse_file(path: Path) -> dict[str, Any]:
    """Parse and validate one profile file (either shape) into a raw profile document."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(source, "", f"cannot read: {exc}") from exc
    try:
        if path.suffix == ".json":
            doc = json.loads(text)
        else:
            import yaml  # deferred: ~35 ms, only when the compiled cache is stale

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            doc = yaml.load(text, Loader=loader)  # a SafeLoader: no arbitrary objects
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProfileError(source, "", f"not valid {path.suffix.lstrip('.').upper()}: {first_line}") from exc
    if is_guide_shape(doc):
        doc = from_guide_shape(doc, source)
    return validate_document(doc, source)


def read_directory(directory: Path) -> list[tuple[str, dict[str, Any]]]:
    """(source, document) pairs for a directory, from its compiled cache when that is current."""
    files = profile_files(directory)
    cached = compiled.load_if_current(directory, files)
    if cached is not None:
        return cached
    return [(str(path), parse_file(path)) for path in files]


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Child over base: sections merge key by key, lists replace, `*_add` lists extend the base's list.

    A program the child names in its own allow list is lifted from the deny list it inherits (a custom
    profile adding `kubectl` to `restricted` means kubectl): the child's own deny entries still win."""
    merged: dict[str, Any] = {k: v for k, v in base.items() if k not in _NOT_INHERITED}
    for key, value in child.items():
        if key in _MAPPING_SECTIONS:
            section = dict(merged.get(key, {}))
            section.update(value)
            merged[key] = section
        else:
            merged[key] = value
    own = child.get("shell", {})
    named = {canonical(t) for t in [*own.get("allow", ()), *own.get("allow_add", ())]}
    if named and "deny" not in own:
        shell = merged["shell"]
        own_deny = set(own.get("deny_add", ()))
        lifted = [d for d in shell.get("deny", ()) if canonical(d) in named and d not in own_deny]
        if lifted:
            shell["deny"] = [d for d in shell["deny"] if d not in lifted]
            shell["lifted"] = list(dict.fromkeys([*shell.get("lifted", ()), *lifted]))
    return merged


def allow_deny_conflicts(profile: Profile) -> list[str]:
    """Allow-list entries the same profile also denies (the deny list wins): worth a warning."""
    denied = {canonical(d) for d in profile.shell.deny}
    return [a for a in profile.shell.allow if canonical(a) in denied]


def _apply_additions(doc: dict[str, Any]) -> None:
    for section, keys in _ADDITIVE.items():
        body = doc.get(section)
        if not body:
            continue
        for key in keys:
            added = body.pop(f"{key}_add", None)
            if added:
                body[key] = list(dict.fromkeys([*body.get(key, []), *added]))


def _build(doc: Mapping[str, Any], source: str, ancestors: tuple[str, ...]) -> Profile:
    def need(section: str | None, key: str) -> Any:
        holder = doc if section is None else doc.get(section, {})
        if key not in holder:
            field = key if section is None else f"{section}.{key}"
            raise ProfileError(source, field, "required (directly or through `extends`)")
        return holder[key]

    shell = doc.get("shell", {})
    exec_rules = doc.get("exec", {})
    network = doc.get("network", {})
    return Profile(
        name=doc["name"],
        description=doc.get("description", ""),
        rank=need(None, "rank"),
        env=dict(doc.get("env", {})),
        max_output_tokens=need(None, "max_output_tokens"),
        models=tuple(doc.get("models", ())),
        permission_mode=doc.get("permission_mode", "default"),
        file_write=need("files", "write"),
        network_access=need("network", "access"),
        allowed_domains=tuple(network.get("allowed_domains", ())),
        shell=ShellRules(
            mode=need("shell", "mode"),
            allow=tuple(shell.get("allow", ())),
            deny=tuple(shell.get("deny", ())),
            block_destructive=shell.get("block_destructive", True),
            read_only_utilities=shell.get("read_only_utilities", True),
            lifted=tuple(shell.get("lifted", ())),
        ),
        exec=ExecRules(mode=exec_rules.get("mode", "off"), deny=tuple(exec_rules.get("deny", ()))),
        extends=doc.get("extends"),
        ancestors=ancestors,
        iam_policy=doc.get("iam_policy"),
        source=source,
        files=FileRules.from_section(doc.get("files", {})),
        sandbox=SandboxRules.from_section(doc.get("sandbox", {})),
        mcp=McpRules.from_section(doc.get("mcp", {})),
    )


def read_path_defaults(policies_dir: Path) -> dict[str, list[str]]:
    """The default path lists (`protected-paths.json` in the bundled `policies/`); empty when absent."""
    try:
        data = json.loads((policies_dir / PATH_DEFAULTS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ProfileError(str(policies_dir / PATH_DEFAULTS_FILE), "", f"cannot read: {exc}") from exc
    for key in _PATH_DEFAULT_KEYS.values():
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ProfileError(str(policies_dir / PATH_DEFAULTS_FILE), key, "must be a list of paths")
    return data


def _with_path_defaults(doc: dict[str, Any], defaults: Mapping[str, list[str]]) -> dict[str, Any]:
    """A base profile (no `extends`) that does not list its own path denials starts from the defaults."""
    files = dict(doc.get("files", {}))
    for key, default_key in _PATH_DEFAULT_KEYS.items():
        if key not in files and defaults.get(default_key):
            files[key] = list(defaults[default_key])
    return {**doc, "files": files}


def build_catalog(layers: Iterable[Iterable[tuple[str, dict[str, Any]]]],
                  path_defaults: Mapping[str, list[str]] | None = None) -> dict[str, Profile]:
    """Resolve `extends` over documents given lowest layer first (bundled, then managed).

    A later layer may redefine a profile by name (an administrator changing `restricted`'s lists); the same
    name twice within one layer is an error, as are a missing base and a cycle.
    """
    docs: dict[str, tuple[str, dict[str, Any]]] = {}
    for layer in layers:
        seen: dict[str, str] = {}
        for source, doc in layer:
            name = doc["name"]
            if name in seen:
                raise ProfileError(source, "name", f"profile {name!r} is also defined in {seen[name]}")
            seen[name] = source
            docs[name] = (source, doc)

    built: dict[str, Profile] = {}
    resolved: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        if name in resolved:
            return resolved[name]
        source, doc = docs[name]
        base_name = doc.get("extends")
        if base_name is None:
            base = _with_path_defaults(doc, path_defaults or {})
            result: tuple[dict[str, Any], tuple[str, ...]] = (json.loads(json.dumps(base)), ())
        else:
            if base_name in chain or base_name == name:
                cycle = " -> ".join((*chain, name, base_name))
                raise ProfileError(source, "extends", f"cycle: {cycle}")
            if base_name not in docs:
                known = ", ".join(sorted(docs))
                raise ProfileError(source, "extends", f"no profile named {base_name!r}; known: {known}")
            base_doc, base_ancestors = resolve(base_name, (*chain, name))
            result = (_merge(base_doc, doc), (base_name, *base_ancestors))
        resolved[name] = result
        return result

    for name, (source, _) in docs.items():
        merged, ancestors = resolve(name, ())
        merged = dict(merged, name=name)
        _apply_additions(merged)
        built[name] = _build(merged, source, ancestors)
    return built


def load_catalog(bundled_dir: Path, managed_profiles_dir: Path | None) -> dict[str, Profile]:
    """All profiles: bundled ones, then the managed `profiles.d/` (when the caller trusts it)."""
    layers = [read_directory(bundled_dir)]
    if managed_profiles_dir is not None:
        layers.append(read_directory(managed_profiles_dir))
    return build_catalog(layers, read_path_defaults(bundled_dir.parent))


def get_profile(catalog: Mapping[str, Profile], name: str, where: str) -> Profile:
    """Look a name up; an unknown name is an error naming where it came from, never a fallback."""
    try:
        return catalog[name]
    except KeyError:
        raise UnknownProfileError(
            where, "", f"unknown security profile {name!r}; known profiles: {', '.join(sorted(catalog))}"
        ) from None
