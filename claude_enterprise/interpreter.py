"""How the wrapper starts this interpreter on this copy of the package: the hook, the exec gate, the shims.

Claude Code runs them with an environment a repository can shape (its settings `env` reaches every process),
so they are isolated: `-I` ignores PYTHON* variables, the user site and the working directory (a
repository's `claude_enterprise/` cannot stand in for ours). `bootstrap` then puts this copy first on
`sys.path`. Standard library only: a shim imports this module on every invocation.
"""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)  # the directory holding this claude_enterprise/
# What the hook's command runs, passed to `bootstrap`: the hook's own parser, never the CLI's.
HOOK_CALL = "from claude_enterprise.enforce.hook import main\nsys.exit(main(sys.argv[1:]))"


def python_argv(*, site: bool) -> list[str]:
    """This interpreter, isolated. Without `site` (-S) its `.pth` files cannot import whole packages before
    every tool call (tens of ms); `bootstrap(..., site_packages=True)` puts back what we import. The flags
    stay one word: a shebang passes everything after the path as one argument."""
    return [sys.executable, "-I" if site else "-IS"]


def bootstrap(call: str, *, site_packages: bool) -> str:
    """Source for `python -c`/a script that runs `call` with this copy of the package first on `sys.path`,
    then, with `site_packages`, this interpreter's site-packages directories as the wrapper found them (for
    tree-sitter under -S)."""
    dirs = [PACKAGE_ROOT]
    if site_packages:
        import sysconfig  # not on a shim's path

        dirs.extend(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    dirs = list(dict.fromkeys(dirs))
    return f"import sys\nsys.path[0:0] = [p for p in {dirs!r} if p not in sys.path]\n{call}\n"
