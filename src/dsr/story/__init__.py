"""Story inputs and intermediate artifacts as typed models."""
