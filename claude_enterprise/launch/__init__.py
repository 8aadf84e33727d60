"""Launching claude under a profile: command-line policy, environment, settings layer, claude lookup, run.

    from claude_enterprise.launch import launch_main
    sys.exit(launch_main(sys.argv[1:]))
"""

from .main import launch_main

__all__ = ["launch_main"]
