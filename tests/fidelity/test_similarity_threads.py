"""The sentence embedder shares the process with the embedded llama.cpp
model: it must encode on one torch thread and leave torch's setting as it
found it."""

import torch

from dsr.fidelity import similarity


def test_encoding_uses_one_torch_thread_and_restores_the_count(monkeypatch):
    model = similarity._model()
    during: list[int] = []
    encode = model.encode

    def recorded(*args, **kwargs):
        during.append(torch.get_num_threads())
        return encode(*args, **kwargs)

    monkeypatch.setattr(model, "encode", recorded)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        vectors = similarity.Embedder().embed(["Nell waits by the van.", "Tess arrives late."])
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert during == [1]
    assert vectors.shape == (2, 384)
