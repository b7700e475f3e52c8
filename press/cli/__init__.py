"""What the command line prints and its small commands (clean, init)."""
