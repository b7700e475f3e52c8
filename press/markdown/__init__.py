"""Markdown parsing, Pandoc/Quarto extensions and the three renderers."""
