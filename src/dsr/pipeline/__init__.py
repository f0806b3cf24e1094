"""Stage 1 (outline -> directives + prose), stage 2 (prose -> screenplay), the direct baseline, runs."""
