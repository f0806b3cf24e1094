"""From a logline to the story outline ``dsr write`` reads, step by step:
premise -> characters -> beats -> story (``dsr develop``)."""
