"""The ``shared/`` data folder beside the checkout: real screenplays written
by others (``corpus/``) and other Fountain implementations' test inputs
(``peer-fountain-tests/``). Tests that need it skip, saying so, when it is
missing (a checkout on its own); they never fail for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
CORPUS = SHARED / "corpus"
PEER_TESTS = SHARED / "peer-fountain-tests"
MISSING = f"needs the shared data folder {SHARED} (real screenplays and peer tests) beside the checkout"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=MISSING)


def shared(*parts: str) -> Path:
    """A path inside ``shared/``; skips the calling test when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is missing: {MISSING}")
    return path


def shared_glob(*patterns: str) -> list[Path]:
    """Files in ``shared/`` matching any of ``patterns`` (``corpus/*.fountain``),
    sorted; skips the calling test when there are none."""
    files = sorted({path for pattern in patterns for path in SHARED.glob(pattern)})
    if not files:
        pytest.skip(f"no {', '.join(patterns)}: {MISSING}")
    return files


def shared_files(*patterns: str) -> list:
    """``shared_glob`` for ``parametrize`` (at collection time): the files,
    or one skipped parameter saying why when there are none."""
    files = sorted({path for pattern in patterns for path in SHARED.glob(pattern)})
    reason = f"no {', '.join(patterns)}: {MISSING}"
    return files or [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-shared-data")]
