"""``dsr import``: screenplays in Fountain, Final Draft (.fdx) or plain text
laid out by indentation -> canonical Fountain, each with a validation report.

The format layer reads the files (``dsr.screenplay.io`` for text,
``dsr.screenplay.readers`` for the formats); ``import_file(path)`` converts
one file and says whether it is usable for synthesis (and if not, why, in
one line); ``report.py`` writes the corpus and its report.
"""

from dsr.synth.importers.convert import ImportResult, import_file

__all__ = ["ImportResult", "import_file"]
