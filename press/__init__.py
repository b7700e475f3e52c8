"""press: turn a briefing's Markdown sources into print, EPUB and web editions."""

__version__ = "0.1.0"
