"""File sizes as people read them, the same in the CLI, the web page and error messages."""


def human_size(size: int) -> str:
    """'812 B', '160 kB', '10.0 MB' (1 kB = 1024 bytes)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / (1024 * 1024):.1f} MB"
