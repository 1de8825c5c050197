"""Human development index, computed the published way.

Two methods are implemented, both as vectorised numpy code (no Python loops):

* ``"hdi"``: the UNDP Human Development Index (HDR 2021/22 technical notes),
  on a 0..1 scale, with income measured as GNI per capita in 2017 PPP dollars.
* ``"ipm"``: Indonesia's *Indeks Pembangunan Manusia* as computed by BPS
  (Statistics Indonesia) with the new method used from 2010, on a 0..100 scale,
  with income measured as adjusted real per-capita expenditure at 2012 prices,
  in **rupiah per person per year** (BPS tables publish it in thousands of rupiah;
  multiply those by 1,000 before calling).

Both methods share the health and education dimensions:

* health index = (LE - 20) / (85 - 20), LE = life expectancy at birth
  (BPS: *UHH, umur harapan hidup*);
* education index = mean of EYS / 18 and MYS / 15, EYS = expected years of
  schooling (BPS: *HLS, harapan lama sekolah*, from age 7), MYS = mean years of
  schooling (BPS: *RLS, rata-rata lama sekolah*, of people aged 25+);
* income index = (ln x - ln min) / (ln max - ln min);
* index = geometric mean of the three dimension indices (times 100 for IPM).

Every indicator is clipped to its goalposts (minimum and maximum) before its
dimension index is computed, as UNDP does; this makes every dimension index lie
in [0, 1]. NaN inputs propagate to NaN outputs.

All functions accept floats or arrays of any broadcastable shapes and return
the broadcast shape (a numpy scalar for scalar inputs).

Example:
    >>> round(float(undp_hdi(67.5703, 13.74889, 8.55651, 11466.068)), 3)
    0.705
    >>> round(float(bps_ipm(70.78, 12.55, 7.84, 10_150_000)), 2)
    69.55
    >>> ipm_band(69.55)
    'medium'
"""

from dataclasses import dataclass
from typing import Final, Literal, get_args, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BPS_IPM",
    "METHODS",
    "UNDP_HDI",
    "Goalposts",
    "Method",
    "bps_ipm",
    "education_index",
    "geometric_mean",
    "goalposts",
    "health_index",
    "human_development_index",
    "income_index",
    "index_scale",
    "ipm_band",
    "undp_hdi",
]

type Method = Literal["ipm", "hdi"]
"""Name of an index method: ``"ipm"`` (BPS, 0..100) or ``"hdi"`` (UNDP, 0..1)."""

type FloatArray = np.float64 | NDArray[np.float64]
"""A numpy float scalar (for scalar inputs) or a float array."""

METHODS: Final[tuple[Method, ...]] = get_args(Method.__value__)
"""The allowed method names, in the order ``("ipm", "hdi")``."""


@dataclass(frozen=True, slots=True)
class Goalposts:
    """Minimum and maximum values ("goalposts") of the index components.

    Attributes:
        name: Human-readable name of the method.
        le_min: Life expectancy at birth minimum, years.
        le_max: Life expectancy at birth maximum, years.
        eys_min: Expected years of schooling minimum, years.
        eys_max: Expected years of schooling maximum, years.
        mys_min: Mean years of schooling minimum, years.
        mys_max: Mean years of schooling maximum, years.
        income_min: Income minimum, in ``income_unit``.
        income_max: Income maximum, in ``income_unit``.
        income_unit: Unit of the income indicator.
        scale: The index's scale: 1.0 (0..1) or 100.0 (0..100).
    """

    name: str
    le_min: float
    le_max: float
    eys_min: float
    eys_max: float
    mys_min: float
    mys_max: float
    income_min: float
    income_max: float
    income_unit: str
    scale: float


UNDP_HDI: Final = Goalposts(
    name="UNDP Human Development Index (HDR 2021/22)",
    le_min=20.0,
    le_max=85.0,
    eys_min=0.0,
    eys_max=18.0,
    mys_min=0.0,
    mys_max=15.0,
    income_min=100.0,
    income_max=75_000.0,
    income_unit="GNI per capita, 2017 PPP $",
    scale=1.0,
)
"""UNDP HDI goalposts (HDR 2021/22 technical notes)."""

BPS_IPM: Final = Goalposts(
    name="BPS Indeks Pembangunan Manusia (new method, 2010 onwards)",
    le_min=20.0,
    le_max=85.0,
    eys_min=0.0,
    eys_max=18.0,
    mys_min=0.0,
    mys_max=15.0,
    income_min=1_007_436.0,
    income_max=26_572_352.0,
    income_unit="adjusted real per-capita expenditure, rupiah per person per year, 2012 prices",
    scale=100.0,
)
"""BPS IPM goalposts (new method; expenditure goalposts at 2012 prices)."""

_GOALPOSTS: Final[dict[Method, Goalposts]] = {"ipm": BPS_IPM, "hdi": UNDP_HDI}


def goalposts(method: Method) -> Goalposts:
    """Return the goalposts of a method.

    Args:
        method: ``"ipm"`` (BPS) or ``"hdi"`` (UNDP).

    Returns:
        The method's `Goalposts`.

    Raises:
        ValueError: If ``method`` is not one of `METHODS`.
    """
    try:
        return _GOALPOSTS[method]
    except (KeyError, TypeError):
        allowed = ", ".join(repr(m) for m in METHODS)
        raise ValueError(
            f"unknown HDI method {method!r}; allowed values: {allowed}"
        ) from None


def index_scale(method: Method) -> float:
    """Return the scale of a method's index: 100.0 for ``"ipm"``, 1.0 for ``"hdi"``.

    Args:
        method: ``"ipm"`` (BPS) or ``"hdi"`` (UNDP).

    Returns:
        The value of a perfect score on the method's scale.

    Raises:
        ValueError: If ``method`` is not one of `METHODS`.
    """
    return goalposts(method).scale


def _dimension_index(x: ArrayLike, lo: float, hi: float) -> FloatArray:
    """Clip ``x`` to ``[lo, hi]`` and rescale it linearly to ``[0, 1]``."""
    return (np.clip(np.asarray(x, dtype=np.float64), lo, hi) - lo) / (hi - lo)


def health_index(le: ArrayLike) -> FloatArray:
    """Health (life expectancy) index, the same for both methods.

    Args:
        le: Life expectancy at birth, years (BPS: UHH). Clipped to 20..85.

    Returns:
        ``(LE - 20) / (85 - 20)`` in [0, 1], same shape as ``le``.
    """
    g = UNDP_HDI
    return _dimension_index(le, g.le_min, g.le_max)


def education_index(eys: ArrayLike, mys: ArrayLike) -> FloatArray:
    """Education index, the same for both methods.

    Args:
        eys: Expected years of schooling (BPS: HLS, from age 7). Clipped to 0..18.
        mys: Mean years of schooling of adults 25+ (BPS: RLS). Clipped to 0..15.

    Returns:
        Mean of ``EYS / 18`` and ``MYS / 15`` in [0, 1], broadcast shape of the inputs.
    """
    g = UNDP_HDI
    return (
        _dimension_index(eys, g.eys_min, g.eys_max)
        + _dimension_index(mys, g.mys_min, g.mys_max)
    ) / 2.0


def income_index(x: ArrayLike, method: Method) -> FloatArray:
    """Income index on a log scale.

    Args:
        x: Income. For ``"hdi"``: GNI per capita, 2017 PPP $ (goalposts 100..75,000).
            For ``"ipm"``: adjusted real per-capita expenditure at 2012 prices, in rupiah
            per person per year, not thousands (goalposts Rp 1,007,436..26,572,352).
            Clipped to the goalposts before the logarithm is taken.
        method: ``"ipm"`` (BPS) or ``"hdi"`` (UNDP).

    Returns:
        ``(ln x - ln min) / (ln max - ln min)`` in [0, 1], same shape as ``x``.

    Raises:
        ValueError: If ``method`` is not one of `METHODS`.
    """
    g = goalposts(method)
    clipped = np.clip(np.asarray(x, dtype=np.float64), g.income_min, g.income_max)
    return np.log(clipped / g.income_min) / np.log(g.income_max / g.income_min)


def geometric_mean(
    health: ArrayLike, education: ArrayLike, income: ArrayLike
) -> FloatArray:
    """Geometric mean of the three dimension indices, on a 0..1 scale.

    Args:
        health: Health index, 0..1.
        education: Education index, 0..1.
        income: Income index, 0..1.

    Returns:
        ``(health * education * income) ** (1/3)``, broadcast shape of the inputs.
    """
    return np.cbrt(
        np.asarray(health, dtype=np.float64)
        * np.asarray(education, dtype=np.float64)
        * np.asarray(income, dtype=np.float64)
    )


def undp_hdi(
    le: ArrayLike, eys: ArrayLike, mys: ArrayLike, gnipc: ArrayLike
) -> FloatArray:
    """UNDP Human Development Index (HDR 2021/22 method), on a 0..1 scale.

    Args:
        le: Life expectancy at birth, years.
        eys: Expected years of schooling, years.
        mys: Mean years of schooling (adults 25+), years.
        gnipc: Gross national income per capita, 2017 PPP $.

    Returns:
        The HDI in [0, 1], broadcast shape of the inputs. UNDP publishes it rounded
        to 3 decimals.
    """
    return geometric_mean(
        health_index(le), education_index(eys, mys), income_index(gnipc, "hdi")
    )


def bps_ipm(
    le: ArrayLike, eys: ArrayLike, mys: ArrayLike, expenditure_rp: ArrayLike
) -> FloatArray:
    """BPS Indeks Pembangunan Manusia (new method, 2010 onwards), on a 0..100 scale.

    Args:
        le: Life expectancy at birth (UHH), years.
        eys: Expected years of schooling from age 7 (HLS), years.
        mys: Mean years of schooling of people aged 25+ (RLS), years.
        expenditure_rp: Adjusted real per-capita expenditure at 2012 prices, in rupiah
            per person per year (BPS tables give thousands of rupiah: multiply by 1,000).

    Returns:
        ``100 *`` the geometric mean of the three dimension indices, in [0, 100],
        broadcast shape of the inputs. BPS publishes it rounded to 2 decimals.
    """
    return BPS_IPM.scale * geometric_mean(
        health_index(le), education_index(eys, mys), income_index(expenditure_rp, "ipm")
    )


def human_development_index(
    le: ArrayLike,
    eys: ArrayLike,
    mys: ArrayLike,
    income: ArrayLike,
    method: Method,
) -> FloatArray:
    """Human development index by either method, on the method's own scale.

    Args:
        le: Life expectancy at birth, years.
        eys: Expected years of schooling, years.
        mys: Mean years of schooling, years.
        income: GNI per capita in 2017 PPP $ (``"hdi"``) or adjusted real per-capita
            expenditure in rupiah per person per year (``"ipm"``).
        method: ``"ipm"`` (BPS, 0..100) or ``"hdi"`` (UNDP, 0..1).

    Returns:
        The index, on a 0..`index_scale` (method) scale, broadcast shape of the inputs.

    Raises:
        ValueError: If ``method`` is not one of `METHODS`.
    """
    g = goalposts(method)
    return g.scale * geometric_mean(
        health_index(le), education_index(eys, mys), income_index(income, method)
    )


_BAND_EDGES: Final = np.array([60.0, 70.0, 80.0])
_BAND_NAMES: Final = np.array(["low", "medium", "high", "very high"])


@overload
def ipm_band(value: float) -> str: ...
@overload
def ipm_band(value: ArrayLike) -> str | NDArray[np.str_]: ...
def ipm_band(value: ArrayLike) -> str | NDArray[np.str_]:
    """BPS IPM category of an IPM value on the 0..100 scale.

    The bands are: low (< 60), medium (60 to < 70), high (70 to < 80), very high (>= 80).
    The value is classified as given; round it to 2 decimals first to classify it as
    BPS's published tables do.

    Args:
        value: IPM value(s), 0..100 (not a 0..1 UNDP HDI).

    Returns:
        The band name as a ``str`` for a scalar input, otherwise an array of names of
        the same shape.

    Raises:
        ValueError: If any value is not finite or lies outside [0, 100].
    """
    v = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(v) & (v >= 0.0) & (v <= 100.0)):
        raise ValueError("IPM values must be finite and within [0, 100]")
    names = _BAND_NAMES[np.searchsorted(_BAND_EDGES, v, side="right")]
    return str(names) if names.ndim == 0 else names
