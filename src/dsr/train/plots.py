"""The loss curves of a training as one PNG: train loss per logged step and
validation loss at each evaluation, against steps."""

from __future__ import annotations

from pathlib import Path

from dsr.files import atomic_write_bytes


def plot_losses(history: list[dict], path: Path) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    train = [(e["step"], e["loss"]) for e in history if "loss" in e and "step" in e]
    val = [(e["step"], e["eval_loss"]) for e in history if "eval_loss" in e and "step" in e]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if train:
        ax.plot([s for s, _ in train], [v for _, v in train], label="train loss", color="#1f77b4", linewidth=1.4)
    if val:
        ax.plot([s for s, _ in val], [v for _, v in val], label="validation loss", color="#d62728",
                marker="o", linewidth=1.4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("step")
    ax.set_ylabel("loss (completion tokens, cross-entropy)")
    ax.set_title("dsr train: loss")
    ax.grid(alpha=0.3)
    if train or val:
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no loss logged", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())
