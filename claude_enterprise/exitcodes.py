"""Named exit codes: the contract CI jobs and administrators' scripts depend on (DESIGN.md §3)."""

OK = 0
COMPLIANT = 0
REFUSED = 1  # policy refusal, or --check-policy found the machine non-compliant
NON_COMPLIANT = 1
USAGE = 2  # bad arguments or a configuration error
CONFIG_ERROR = 2
CLAUDE_NOT_FOUND = 127
