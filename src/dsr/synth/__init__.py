"""Hybrid data synthesis: reverse and forward synthesis, filters, datasets."""
