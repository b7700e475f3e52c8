"""Small shared pieces: errors, limits, paths, fonts, caches, labels."""
