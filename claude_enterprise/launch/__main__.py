"""`python -m claude_enterprise.launch [claude-enterprise options] [claude args]`."""

import sys

from .main import launch_main

sys.exit(launch_main(sys.argv[1:]))
