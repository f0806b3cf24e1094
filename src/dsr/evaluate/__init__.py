"""Evaluation: format metrics, rubric and pairwise judges, statistics, reports."""
