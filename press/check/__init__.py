"""`check`: lints the sources and validates the outputs."""
