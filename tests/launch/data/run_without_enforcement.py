"""Drives launch.run.run_session with no enforcement collaborators, to test the runner on its own.

usage: run_without_enforcement.py PROFILE CLAUDE_PATH [CLAUDE ARGS...]
"""

import sys
from pathlib import Path

from claude_enterprise.launch.argv import vet_claude_args
from claude_enterprise.launch.run import Collaborators, run_session
from claude_enterprise.resolve import resolve

resolution = resolve(sys.argv[1])
vetted = vet_claude_args(sys.argv[3:], resolution.profile)
sys.exit(run_session(resolution, vetted, Path(sys.argv[2]), collaborators=lambda *a: Collaborators()))
