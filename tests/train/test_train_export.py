"""`dsr train export`: the merged model and the LoRA adapter as GGUF, run in
llama.cpp, give the same greedy tokens as the merged model in transformers."""

from __future__ import annotations

import json

import pytest
from train_helpers import run_dsr

pytestmark = pytest.mark.slow

N_TOKENS = 16


def prompt_ids(datasets_dir) -> tuple[list[int], object]:
    from transformers import AutoTokenizer

    from dsr.llm.hf import embedded_tokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_tokenizer())
    row = json.loads((datasets_dir / "stage1" / "validation.jsonl").read_text().splitlines()[0])
    ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True,
                                        return_dict=True)["input_ids"]
    return list(ids), tokenizer


def transformers_greedy(spec_path, ids: list[int]) -> list[int]:
    import torch

    from dsr.llm.hf import load_checkpoint, resolve_checkpoint

    loaded = load_checkpoint(resolve_checkpoint(str(spec_path)))
    with torch.inference_mode():
        out = loaded.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                    do_sample=False, max_new_tokens=N_TOKENS, min_new_tokens=N_TOKENS,
                                    temperature=None, top_p=None, top_k=None)
    return out[0, len(ids):].tolist()


def llama_cpp_greedy(model_path, ids: list[int], lora_path=None) -> list[int]:
    from llama_cpp import Llama

    options = {"lora_path": str(lora_path)} if lora_path else {}
    llm = Llama(model_path=str(model_path), n_ctx=2048, n_threads=1, verbose=False, **options)
    tokens = []
    for token in llm.generate(ids, top_k=1, temp=0.0, repeat_penalty=1.0):
        tokens.append(token)
        if len(tokens) == N_TOKENS:
            break
    return tokens, llm


def test_merged_gguf_and_lora_gguf_match_transformers_token_for_token(trained, tiny_base, datasets_dir, tmp_path):
    ckpt, _ = trained
    merged = tmp_path / "merged.gguf"
    code, out, err = run_dsr("train", "export", ckpt, "-o", merged, "--outtype", "f32")
    assert code == 0, err
    assert out.startswith(f"wrote {merged} (f32") and f"--model embedded:{merged}" in out
    ids, tokenizer = prompt_ids(datasets_dir)
    expected = transformers_greedy(ckpt, ids)
    assert expected != transformers_greedy(tiny_base, ids)  # the adapter matters for these tokens
    got, llm = llama_cpp_greedy(merged, ids)
    assert got == expected
    # the tokenizer travelled too: llama.cpp reads the chat prompt into the same ids
    text = tokenizer.decode(ids)
    assert llm.tokenize(text.encode("utf-8"), add_bos=False, special=True) == ids

    # the adapter alone, applied by llama.cpp to the base model's GGUF
    base_gguf, lora = tmp_path / "base.gguf", tmp_path / "lora.gguf"
    assert run_dsr("train", "export", tiny_base, "-o", base_gguf, "--outtype", "f32")[0] == 0
    code, out, err = run_dsr("train", "export", ckpt, "-o", lora, "--lora-gguf")
    assert code == 0 and "LoRA adapter, 14 matrices" in out, err
    assert llama_cpp_greedy(base_gguf, ids, lora)[0] == expected


def test_export_refuses_what_it_cannot_write(trained, tiny_base, tmp_path):
    ckpt, _ = trained
    code, _, err = run_dsr("train", "export", ckpt, "-o", tmp_path / "out.bin")
    assert code == 2 and "must be a .gguf file" in err
    code, _, err = run_dsr("train", "export", tiny_base, "-o", tmp_path / "x.gguf", "--lora-gguf")
    assert code == 2 and "not an adapter" in err
    code, _, err = run_dsr("train", "export", tmp_path / "none", "-o", tmp_path / "x.gguf")
    assert code == 2 and "no such directory" in err
    code, _, err = run_dsr("train", "export", ckpt, "-o", tmp_path / "x.gguf", "--converter", tmp_path)
    assert code == 2 and "no convert_hf_to_gguf.py in it" in err
    assert not list(tmp_path.glob("*.gguf"))
