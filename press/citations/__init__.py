"""Citations: syntax, bibliographies, citeproc, exports."""
