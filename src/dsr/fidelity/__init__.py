"""Fidelity of a draft to its story: checks that read the story and the
screenplay (or prose) only, so the pipeline and the evaluation can both use them."""
