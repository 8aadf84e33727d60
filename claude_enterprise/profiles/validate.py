"""A profile directory checked exactly as a session would load it, and its profiles' `examples` run.

A session loads the bundled profiles, then the managed `profiles.d/` over them (`load_catalog`): every file
parsed and validated, `extends` resolved across both layers (a missing base or a cycle is an error), the
bundled path defaults applied. `check_directory` does the same with the directory in place of `profiles.d/`,
so what passes here is what the runtime accepts, and `policies compile` writes a cache only after it passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ProfileError
from .loader import allow_deny_conflicts, build_catalog, parse_file, profile_files, read_directory, read_path_defaults
from .model import Profile

# Examples are judged in a fixed, made-up place so that their outcome never depends on the machine they are
# checked on: the project at /project, the shell inside it.
EXAMPLE_PROJECT = "/project"
EXAMPLE_HOME = "/home/user"


@dataclass(frozen=True)
class CheckedDirectory:
    """A directory that loads: its validated documents in file order, and the catalogue it yields."""

    directory: Path
    documents: list[tuple[Path, dict[str, Any]]]
    catalog: dict[str, Profile]

    @property
    def names(self) -> list[str]:
        """The profiles this directory defines (or redefines), in file order."""
        return [doc["name"] for _, doc in self.documents]

    def warnings(self) -> list[str]:
        """Programs a profile of this directory both allows and denies: the deny list wins, rarely meant."""
        return [
            f"{self.catalog[name].source}: `{program}` is both allowed and denied in profile {name!r}; "
            "the deny list wins"
            for name in self.names
            for program in allow_deny_conflicts(self.catalog[name])
        ]


@dataclass(frozen=True)
class ExampleResult:
    """One `examples` entry judged: where it is written, the command, the decision expected and given."""

    where: str
    command: str
    expected: str
    decision: str
    rule_id: str

    @property
    def ok(self) -> bool:
        return self.expected == self.decision


def check_directory(directory: Path, bundled_dir: Path) -> CheckedDirectory:
    """Load `directory` over the bundled profiles as the runtime loads `profiles.d/`; raise ProfileError."""
    if not directory.is_dir():
        raise ProfileError(str(directory), "", "not a directory of profile files")
    documents = [(path, parse_file(path)) for path in profile_files(directory)]
    own = [(str(path), doc) for path, doc in documents]
    # The bundled directory checked on its own is the runtime's first layer, not a layer over itself.
    bundled_itself = directory.resolve() == bundled_dir.resolve()
    layers = [own] if bundled_itself else [read_directory(bundled_dir), own]
    catalog = build_catalog(layers, read_path_defaults(bundled_dir.parent))
    return CheckedDirectory(directory, documents, catalog)


def run_examples(checked: CheckedDirectory) -> list[ExampleResult]:
    """Judge every `examples` command of the directory's profiles with the shell policy the hook applies."""
    from claude_enterprise.policy import PolicyContext, decide_shell

    ctx = PolicyContext(project_dirs=(EXAMPLE_PROJECT,), home=EXAMPLE_HOME, cwd=EXAMPLE_PROJECT)
    results = []
    for path, doc in checked.documents:
        profile = checked.catalog[doc["name"]]
        for expected in ("allow", "deny"):
            for index, command in enumerate(doc.get("examples", {}).get(expected, [])):
                decision = decide_shell(command, profile, ctx)
                results.append(ExampleResult(f"{path}: examples.{expected}[{index}]", command, expected,
                                             "allow" if decision.allow else "deny", decision.rule_id))
    return results
