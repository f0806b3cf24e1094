"""Newton's method with step halving, for the concave log-likelihoods here
(logistic regression, Bradley-Terry)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

MAX_ITERATIONS = 500
TOLERANCE = 1e-10
_MAX_HALVINGS = 60


def newton_maximize(
    objective: Callable[[np.ndarray], float],
    newton_step: Callable[[np.ndarray], np.ndarray | None],
    start: np.ndarray,
) -> np.ndarray | None:
    """Maximise ``objective`` from ``start``; ``None`` if it does not converge.

    ``newton_step(params)`` returns the full Newton step ``-H^-1 g`` (or
    ``None`` where the Hessian is singular). Each step is halved until the
    objective does not decrease, which makes the iteration monotone;
    convergence is a step smaller than ``TOLERANCE`` relative to the
    parameters' size.
    """
    params = np.asarray(start, dtype=float)
    current = objective(params)
    for _ in range(MAX_ITERATIONS):
        step = newton_step(params)
        if step is None or not np.all(np.isfinite(step)):
            return None
        for _ in range(_MAX_HALVINGS):
            candidate = objective(params + step)
            if candidate >= current - 1e-12 * abs(current):
                break
            step = step / 2.0
        params = params + step
        current = candidate
        if np.max(np.abs(step)) < TOLERANCE * (1.0 + np.max(np.abs(params))):
            return params
    return None
