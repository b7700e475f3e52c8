#!/usr/bin/env python3
"""Build a policy briefing's editions from its Markdown sources: `python build.py --help`.

A thin shim: the commands are press/cli/main.py (installed as the `press` command)."""

import sys

try:  # Ctrl-C while the modules load: the same clean "Aborted!" as Click gives later
    from press.cli.main import cli
except KeyboardInterrupt:
    sys.stderr.write("Aborted!\n")
    sys.exit(1)

if __name__ == "__main__":
    cli()
