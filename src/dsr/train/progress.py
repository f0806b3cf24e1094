"""The training progress bar: dsr's own bar (``dsr.progress.RichReporter``)
driven by the Trainer's callbacks: steps done / total, the last loss, tokens/s."""

from __future__ import annotations

import time

from transformers import TrainerCallback

from dsr.progress import reporter_for_terminal

STAGE = "train"


class TrainProgress(TrainerCallback):
    def __init__(self) -> None:
        self.reporter = reporter_for_terminal("steps")
        self.started = 0.0
        self.first_step = 0
        self.first_tokens = 0
        # The last of each figure: the Trainer logs train and validation loss
        # in separate calls, and the bar should keep showing both.
        self.figures: dict[str, str] = {}

    def on_train_begin(self, args, state, control, **kwargs):
        if self.reporter is None or not state.is_world_process_zero:
            return
        self.reporter.__enter__()
        self.reporter.start(STAGE, state.max_steps)
        for _ in range(state.global_step):  # resumed: the steps already done
            self.reporter.item_done(STAGE, 0, True)
        self.started, self.first_step = time.perf_counter(), state.global_step

    def on_step_end(self, args, state, control, **kwargs):
        if self.reporter is not None and state.is_world_process_zero and STAGE in self.reporter.tasks:
            self.reporter.item_done(STAGE, state.global_step, False)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.reporter is None or not state.is_world_process_zero or STAGE not in self.reporter.tasks:
            return
        text = self.figures_text(logs or {})
        if text:
            self.reporter.progress.update(self.reporter.tasks[STAGE], rate=text)

    def figures_text(self, logs: dict) -> str:
        """``loss 1.234, val 1.456, 812 tok/s``: this log's figures over the last ones."""
        if "loss" in logs:
            self.figures["loss"] = f"loss {logs['loss']:.3f}"
        if "eval_loss" in logs:
            self.figures["val"] = f"val {logs['eval_loss']:.3f}"
        if "num_tokens" in logs:
            if not self.first_tokens:
                self.first_tokens = int(logs["num_tokens"])
            elapsed = max(1e-6, time.perf_counter() - self.started)
            self.figures["rate"] = f"{(logs['num_tokens'] - self.first_tokens) / elapsed:,.0f} tok/s"
        return ", ".join(self.figures[k] for k in ("loss", "val", "rate") if k in self.figures)

    def close(self) -> None:
        if self.reporter is not None and STAGE in self.reporter.tasks:
            self.reporter.__exit__(None, None, None)
            self.reporter = None
