"""The editions: PDF, EPUB, web, DOCX, their templates, themes and fonts."""
