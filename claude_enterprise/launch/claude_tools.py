"""The tool names the pinned Claude Code accepts in a permission rule (data, no logic).

Claude Code warns at every start about a deny rule naming a tool it does not know ("Permission deny rule
"MultiEdit" matches no known tool"), once per settings layer, so the native deny rules name only these.
The hook still judges every name in its matcher (MultiEdit included): another version may send one.
Verified against the pinned binary by tests/e2e/test_claude_tools_e2e.py; update both on a version bump.
"""

from __future__ import annotations

PINNED_CLAUDE_CODE = "2.1.197"

# Every name below raises no "matches no known tool" warning on PINNED_CLAUDE_CODE (some are aliases it
# maps to a current tool: Task to Agent, KillShell and KillBash to TaskStop, BashOutput to TaskOutput).
KNOWN_TOOLS = frozenset(
    {
        "Agent", "Artifact", "AskUserQuestion", "Bash", "BashOutput", "CronCreate", "CronDelete", "CronList",
        "Edit", "EnterPlanMode", "EnterWorktree", "ExitPlanMode", "ExitWorktree", "Glob", "Grep", "KillBash",
        "KillShell", "LSP", "ListMcpResourcesTool", "Monitor", "NotebookEdit", "PowerShell", "Projects",
        "PushNotification", "REPL", "Read", "ReadMcpResourceDirTool", "ReadMcpResourceTool", "RemoteTrigger",
        "ReportFindings", "ScheduleWakeup", "SendMessage", "ShowOnboardingRolePicker", "Skill", "Task",
        "TaskCreate", "TaskGet", "TaskList", "TaskOutput", "TaskStop", "TaskUpdate", "TodoWrite", "WebFetch",
        "WebSearch", "Workflow", "Write",
    }
)  # fmt: skip

# Names earlier versions had and the pinned one warns about; kept in the hook's matcher only.
RETIRED_TOOLS = frozenset({"MultiEdit", "LS", "NotebookRead", "TodoRead"})
