"""The table a synthesis command ends with: items in, done before, new,
kept, dropped (then one line per reason), failed, tokens, time (stdout)."""

from __future__ import annotations

import sys

from dsr.synth.runner import StepSummary

MAX_REASONS = 6


def summary_table(summaries: list[StepSummary]):
    """One row per step; fits 80 columns (prompt tokens are in summary.json)."""
    from rich import box
    from rich.table import Table

    table = Table(title="dsr synth", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("step", no_wrap=True, min_width=7)
    for name in ("in", "done", "new", "kept", "dropped", "failed", "tokens out", "time"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in summaries:
        table.add_row(s.step, str(s.planned), str(s.already_done), str(s.new), str(s.kept),
                      str(sum(s.dropped.values())), str(s.failed), f"{s.completion_tokens:,}", f"{s.seconds:.1f}s")
    return table


def reason_lines(summaries: list[StepSummary]) -> list[str]:
    lines = []
    for s in summaries:
        for reason, count in list(s.dropped.most_common())[:MAX_REASONS]:
            lines.append(f"  {s.step}: dropped {count}: {reason}")
        for error, count in list(s.errors.items())[:3]:
            lines.append(f"  {s.step}: failed {count}: {error}")
        lines += [f"  {s.step}: {note}" for note in s.notes]
    return lines


def print_summary(summaries: list[StepSummary]) -> None:
    from rich.console import Console

    # A log is read wide: do not squeeze the table into 80 columns off a terminal.
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    console.print(summary_table(summaries))
    for line in reason_lines(summaries):
        print(line)
