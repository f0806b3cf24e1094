"""dsr: screenplays from outlines by Dual-Stage Refinement (outline -> prose -> screenplay)."""

__version__ = "0.1.0"
