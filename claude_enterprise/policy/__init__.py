"""The policy engine: what a shell command or tool call would do, and whether the profile allows it.

Pure: no I/O, no clock; the only module state is the lazily built tree-sitter parser. Callers resolve
file paths first with `policy.paths.resolve_tool_input`.
"""

from .analysis import analyze
from .model import Analysis, Decision, Execution, PolicyContext, Write
from .shell_rules import decide_shell
from .tool_rules import decide_tool

__all__ = ["Analysis", "Decision", "Execution", "PolicyContext", "Write", "analyze", "decide_shell", "decide_tool"]
