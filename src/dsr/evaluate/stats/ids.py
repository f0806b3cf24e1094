"""Item-id checks shared by the statistics: duplicates, and short id lists
for one-line error messages."""

from __future__ import annotations

from collections.abc import Sequence

from dsr.errors import UserError


def reject_duplicate_ids(ids: Sequence[str], what: str) -> None:
    """Raise ``UserError`` naming the ids that occur more than once."""
    seen: set[str] = set()
    duplicates = sorted({i for i in ids if i in seen or seen.add(i)})
    if duplicates:
        raise UserError(f"{what}: duplicate item id(s): {preview_ids(duplicates)}")


def preview_ids(ids: Sequence[str], limit: int = 5) -> str:
    """The first ``limit`` ids, then how many more: fits on one line."""
    ids = [str(i) for i in ids]
    shown = ", ".join(ids[:limit])
    more = len(ids) - limit
    return f"{shown} and {more} more" if more > 0 else shown
