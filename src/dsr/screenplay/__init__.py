"""Fountain parse/write, the screenplay model, validation and export (no model calls here)."""
