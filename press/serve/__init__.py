"""The preview servers and the watch loop."""
