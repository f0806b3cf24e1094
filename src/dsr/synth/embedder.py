"""The offline sentence embedder lives in ``dsr.fidelity.similarity`` (the
stage-1 gate, the evaluation and synthesis's filters share it); this name
stays for synthesis's imports."""

from dsr.fidelity.similarity import INSTALL_HINT, MAX_CHARS, Embedder

__all__ = ["Embedder", "INSTALL_HINT", "MAX_CHARS"]
