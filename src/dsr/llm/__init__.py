"""Chat-model interface, backends, and the SQLite call cache/journal."""
