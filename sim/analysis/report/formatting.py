"""Numbers as words: how the report shows outcomes, differences, intervals and quarters."""

from __future__ import annotations

import html
import math
from typing import Any

# How each compared outcome is shown: kind (years, index, share, count, ratio) and decimals.
OUTCOME_FORMAT: dict[str, tuple[str, int]] = {
    "years_to_target_or_horizon": ("years", 2),
    "final_index": ("index", 2),
    "government_share": ("share", 1),
    "partnerships_formed": ("count", 1),
    "mean_active_partnerships": ("count", 1),
    "mean_lifespan_years": ("years", 2),
    "participation_share": ("share", 1),
    "business_participation": ("share", 1),
    "cohesion": ("ratio", 3),
}


# --- numbers as words ----------------------------------------------------------------------------


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _decimals(outcome: str, method: str = "ipm") -> tuple[str, int]:
    kind, dec = OUTCOME_FORMAT.get(outcome, ("count", 2))
    if kind == "index" and method == "hdi":
        dec = 3
    return kind, dec


def format_value(x: Any, outcome: str, method: str = "ipm") -> str:
    """An outcome's value as shown in the report (``74.6%``, ``9.25``, ``n/a``)."""
    if not _finite(x):
        return "n/a"
    kind, dec = _decimals(outcome, method)
    if kind == "share":
        return f"{100 * float(x):.{dec}f}%"
    return f"{float(x):.{dec}f}"


def format_diff(x: Any, outcome: str, method: str = "ipm") -> str:
    """A signed difference as shown in the report (``+2.3 pp`` for shares, ``-0.96`` otherwise)."""
    if not _finite(x):
        return "n/a"
    kind, dec = _decimals(outcome, method)
    if kind == "share":
        return f"{100 * float(x):+.{dec}f} pp"
    return f"{float(x):+.{dec}f}"


def format_interval(
    low: Any, high: Any, outcome: str, method: str = "ipm", diff: bool = False
) -> str:
    """A confidence interval, ``a to b`` (``n/a`` when it cannot be computed)."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    f = format_diff if diff else format_value
    return f"{f(low, outcome, method)} to {f(high, outcome, method)}"


def _years(x: float) -> str:
    return f"{x:.2f}"


def quarter_name(year: float) -> str:
    """Model time as a quarter: the state at ``2024.25`` is the end of 2024 Q1."""
    y = math.floor(year + 1e-9)
    q = round((year - y) * 4)
    if q == 0:
        return f"{y - 1} Q4"
    return f"{y} Q{q}"


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)
