"""``dsr import``: screenplays in Fountain, Final Draft (.fdx) or plain text
laid out by indentation -> canonical Fountain, each with a validation report.

``import_file(path)`` converts one file and says whether it is usable for
synthesis (and if not, why, in one line); ``convert.py`` holds the format
detection, ``report.py`` the report.
"""

from dsr.synth.importers.convert import ImportResult, detect_format, import_file

__all__ = ["ImportResult", "detect_format", "import_file"]
