"""``dsr check``'s text output: one finding a line, a summary line, a statistics table."""

from __future__ import annotations


def print_text(reports: list[dict]) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    for report in reports:
        if "findings" not in report:
            continue
        name, findings, stats = report["file"], report["findings"], report["statistics"]
        for f in findings:
            # Plain print: one finding a line, never wrapped, easy to grep.
            print(f"{name}:{f.line}: {f.severity} {f.code}: {f.message}")
        continuity = report.get("continuity")
        for f in continuity or ():
            print(f"{name}:{f.line}: {f.severity} {f.code}: {f.where}: {f.message}")
        n_errors = sum(f.severity == "error" for f in findings)
        summary = f"{name}: {n_errors} error{'s' * (n_errors != 1)}, {len(findings) - n_errors} warning" \
                  f"{'s' * (len(findings) - n_errors != 1)}"
        if continuity is not None:
            summary += f", {len(continuity)} continuity finding{'s' * (len(continuity) != 1)}"
        print(summary)
        console.print(stats_table(name, stats))


def stats_table(name: str, stats: dict):
    from rich.table import Table

    table = Table(title=f"{name}: statistics", show_header=False, title_justify="left", box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    ratio = stats["dialogue_action_ratio"]
    table.add_row("scenes", str(stats["scenes"]))
    table.add_row("pages (55 lines)", f"{stats['pages']:.1f}  ({stats['printed_lines']} printed lines)")
    table.add_row("words", f"dialogue {stats['dialogue_words']}, action {stats['action_words']}, "
                           f"ratio {'-' if ratio is None else f'{ratio:.2f}'}")
    table.add_row("INT/EXT", _mix(stats["int_ext"]))
    table.add_row("time of day", _mix(stats["time_of_day"]))
    characters = stats["characters"]
    shown = list(characters.items())[:8]
    cast = ", ".join(f"{n} {c['blocks']}/{c['lines']}/{c['words']}" for n, c in shown)
    if len(characters) > len(shown):
        cast += f", +{len(characters) - len(shown)} more"
    table.add_row(f"speakers ({len(characters)})", (cast + "  (speeches/lines/words)") if cast else "-")
    return table


def _mix(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items() if value) or "-"
