"""Live pictures for the browser: the partnership network and the charts as SVG markup.

The teaching app redraws these every quarter. Building the markup takes a few milliseconds
(the matplotlib pictures of :mod:`sim.teaching.demo` took over a second per step), the browser
draws it as vectors at any zoom, and its text is real text at a readable size.

The network keeps every tie visible only while that can still be read: partnerships inside a
region are drawn one by one (thinned evenly beyond :data:`MAX_LOCAL_EDGES`), and partnerships
across regions are bundled into one band per pair of regions, as wide as their number.
Colours are the Okabe-Ito set for the kinds of component and ColorBrewer's PuOr (safe under
the common colour-vision deficiencies) for the regional IPM bands, whose name is also written
next to each region.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim import hdi
from sim.model import PartnershipModel
from sim.parameters import KINDS
from sim.state import member_pairs
from sim.teaching.classroom import Layout
from sim.teaching.labels import choice_label, number, region_full, region_short, t

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
KIND_COLOURS: dict[str, str] = {
    "community_group": "#E69F00",
    "ngo": "#0072B2",
    "religious_body": "#009E73",
    "business": "#D55E00",
    "university": "#CC79A7",
}
# ColorBrewer PuOr (colour-blind safe), light tints so the dots stay visible on them.
BAND_COLOURS = {
    "low": "#f4b76d",
    "medium": "#fde5c4",
    "high": "#dcdaee",
    "very high": "#ada3d3",
}
WORLD_COLOURS = {"A": "#0072B2", "B": "#D55E00", "C": "#555555"}
WORLD_DASH = {"A": "", "B": "7 4", "C": "2 3"}
EDGE_ACTIVE, EDGE_NEW, EDGE_ENDED, PLAYER = "#707070", "#111111", "#b2182b", "#000000"
MAX_LOCAL_EDGES = 1500


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _f(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _path(xy: np.ndarray, a: np.ndarray, b: np.ndarray) -> str:
    """One SVG path with a straight segment per pair (one element, however many ties)."""
    if a.shape[0] == 0:
        return ""
    pa, pb = xy[a], xy[b]
    return "".join(
        f"M{_f(x0)} {_f(-y0)}L{_f(x1)} {_f(-y1)}"
        for x0, y0, x1, y1 in np.column_stack([pa, pb]).tolist()
    )


class _Points:
    """Each component's position as SVG path text, formatted once per layout (the layout never moves)."""

    _cache: dict[int, tuple[np.ndarray, list[str]]] = {}

    @classmethod
    def of(cls, xy: np.ndarray) -> list[str]:
        """``"x y"`` of every row of ``xy``, in SVG's y-down coordinates."""
        hit = cls._cache.get(id(xy))
        if hit is not None and hit[0] is xy:
            return hit[1]
        text = [f"{_f(x)} {_f(-y)}" for x, y in xy.tolist()]
        if (
            len(cls._cache) > 32
        ):  # one entry per world layout a page has built; keep a few
            cls._cache.clear()
        cls._cache[id(xy)] = (xy, text)
        return text


def _ties(points: list[str], a: np.ndarray, b: np.ndarray) -> str:
    """Path data with one segment per pair, from pre-formatted positions."""
    return "".join(
        f"M{points[i]}L{points[j]}" for i, j in zip(a.tolist(), b.tolist(), strict=True)
    )


def _dots(points: list[str], rows: np.ndarray) -> str:
    """Path data drawing a dot at each row (a zero-length segment with round caps: one element for all)."""
    return "".join(f"M{points[i]}h0" for i in rows.tolist())


def _pairs(world: PartnershipModel, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if ids.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, a, b = member_pairs(world.partnerships.members[ids])
    return a, b


def _thin(a: np.ndarray, b: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` pairs, taken evenly (deterministic, so the picture does not flicker)."""
    if a.shape[0] <= most:
        return a, b
    keep = np.linspace(0, a.shape[0] - 1, most).astype(np.int64)
    return a[keep], b[keep]


@dataclass(frozen=True)
class Player:
    """A participant's component, marked on the network."""

    row: int
    name: str


def region_labels(world: PartnershipModel, lang: str) -> list[tuple[str, str]]:
    """Each region's (short label, full name): "Sulsel", "Sulawesi Selatan"; "R3" for an unnamed region."""
    return [
        (region_short(name, g + 1, lang), region_full(name))
        for g, name in enumerate(world.regions.names)
    ]


def network_svg(
    world: PartnershipModel,
    layout: Layout,
    lang: str = "en",
    *,
    scale: float = 1.0,
    players: Sequence[Player] = (),
    title: str = "",
    values: bool = True,
) -> str:
    """A world's partnership network as an SVG element (width 100%, height set by the page).

    The markup is kept small, because it is sent to the browser every quarter: all the dots of one
    kind are one path (a round-capped zero-length segment per dot), all the ties of one sort one
    path, and the positions are formatted once per layout.

    Args:
        world: The world.
        layout: Positions of its community components (:func:`sim.teaching.classroom.network_layout`).
        lang: Language of the labels.
        scale: Text size factor (1.3 in the large-text mode).
        players: Components played by participants: ringed and named.
        title: Accessible name of the picture.
        values: Whether the regions' labels carry their index (always in their tooltip).
    """
    xy, centres, radii = layout.xy, layout.centres, layout.radii
    points = _Points.of(xy)
    lo = (centres - radii[:, None]).min(axis=0) - np.array([3.0, 3.0])
    hi = (centres + radii[:, None]).max(axis=0) + np.array([3.0, 5.0])
    width, height = hi - lo
    # Text scales with the picture; a grid of many regions gets smaller labels, so that neighbours' stay apart.
    font = max(width, height) / (36.0 if centres.shape[0] <= 16 else 44.0) * scale
    # Room at the sides for the outer labels (a province's name is wider than its disc).
    side = max(0.0, (3.2 if values else 2.0) * font - 3.0)
    lo, width = lo - np.array([side, 0.0]), width + 2 * side
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_f(lo[0])} {_f(-hi[1])} {_f(width)} {_f(height)}" '
            f'preserveAspectRatio="xMidYMid meet" style="width:100%;height:100%;display:block" role="img" aria-label="{_e(title)}">'
        )
    ]
    method = world.method
    bands = [
        hdi.ipm_band(float(v) * (100.0 if method == "hdi" else 1.0))
        for v in world.region_index.tolist()
    ]
    for g in range(centres.shape[0]):
        cx, cy = centres[g]
        parts.append(
            f'<circle cx="{_f(cx)}" cy="{_f(-cy)}" r="{_f(radii[g] + 0.6)}" fill="{BAND_COLOURS[bands[g]]}" stroke="#8a8a8a" stroke-width="0.15"/>'
        )
    # Ties: within a region one by one, across regions bundled per pair of regions.
    t_ = world.partnerships
    home = world.community.region
    steps = world.steps
    a, b = _pairs(world, t_.active_ids())
    local = home[a] == home[b]
    la, lb = _thin(a[local], b[local], MAX_LOCAL_EDGES)
    parts.append(
        f'<path d="{_ties(points, la, lb)}" stroke="{EDGE_ACTIVE}" stroke-opacity="0.55" stroke-width="0.14" fill="none"/>'
    )
    ga, gb = (
        np.minimum(home[a[~local]], home[b[~local]]),
        np.maximum(home[a[~local]], home[b[~local]]),
    )
    if ga.shape[0]:
        # One path per width class (a band as wide as about the square root of its ties), not one element per pair.
        keys, counts = np.unique(ga * centres.shape[0] + gb, return_counts=True)
        widths = np.minimum(0.25 + 0.12 * np.sqrt(counts), 3.0)
        classes = np.round(widths * 4.0) / 4.0
        hubs = [f"{_f(x)} {_f(-y)}" for x, y in centres.tolist()]
        for w in np.unique(classes).tolist():
            d = "".join(
                f"M{hubs[k // centres.shape[0]]}L{hubs[k % centres.shape[0]]}"
                for k in keys[classes == w].tolist()
            )
            parts.append(
                f'<path d="{d}" stroke="{EDGE_ACTIVE}" stroke-opacity="0.3" stroke-width="{_f(w)}" '
                f'stroke-linecap="round" fill="none" class="kemitraan-bundles"/>'
            )
    if steps:
        count = t_.count
        new = np.flatnonzero(t_.active[:count] & (t_.formed[:count] == steps))
        ended = np.flatnonzero((~t_.active[:count]) & (t_.end[:count] == steps))
        na, nb = _pairs(world, new)
        keep = home[na] == home[nb]
        parts.append(
            f'<path d="{_ties(points, na[keep], nb[keep])}" stroke="{EDGE_NEW}" stroke-width="0.22" fill="none"/>'
        )
        ea, eb = _pairs(world, ended)
        keep = home[ea] == home[eb]
        parts.append(
            f'<path d="{_ties(points, ea[keep], eb[keep])}" stroke="{EDGE_ENDED}" stroke-width="0.2" stroke-dasharray="0.5 0.4" fill="none"/>'
        )
    # Components: a dot of the kind's colour, hollowed out (white inside) when in no partnership.
    kind = world.community.kind
    member = world.community.memberships > 0
    for k, code in enumerate(KINDS):
        parts.append(
            f'<path d="{_dots(points, np.flatnonzero(kind == k))}" stroke="{KIND_COLOURS[code]}" '
            f'stroke-width="0.98" stroke-linecap="round" fill="none" class="kemitraan-dots"/>'
        )
    parts.append(
        f'<path d="{_dots(points, np.flatnonzero(~member))}" stroke="#ffffff" stroke-width="0.7" '
        f'stroke-linecap="round" fill="none" class="kemitraan-hollow"/>'
    )
    if players:
        # The participants' own partnerships, drawn bold from each participant to each partner.
        rows = np.array([p.row for p in players], dtype=np.int64)
        ids = t_.active_ids()
        m = t_.members[ids]
        pa, pb = [], []
        for r in rows.tolist():
            for part in m[(m == r).any(axis=1)]:
                others = part[(part >= 0) & (part != r)]
                pa.extend([r] * others.shape[0])
                pb.extend(others.tolist())
        parts.append(
            f'<path d="{_path(xy, np.array(pa, dtype=np.int64), np.array(pb, dtype=np.int64))}" stroke="{PLAYER}" '
            f'stroke-width="0.35" fill="none" class="kemitraan-player-ties"/>'
        )
    for p in players:
        x, y = xy[p.row]
        parts.append(
            f'<circle cx="{_f(x)}" cy="{_f(-y)}" r="1.1" fill="none" stroke="{PLAYER}" stroke-width="0.3"/>'
            f'<text x="{_f(x + 1.3)}" y="{_f(-y - 0.9)}" font-size="{_f(font * 1.1)}" font-weight="bold" '
            f'paint-order="stroke" stroke="#ffffff" stroke-width="{_f(font * 0.18)}">{_e(p.name)}</text>'
        )
    # Region labels last, with a white halo, so no dot or tie hides them; the full name and band as tooltip.
    parts.append(
        f'<g font-size="{_f(font)}" text-anchor="middle" paint-order="stroke" stroke="#ffffff" '
        f'stroke-width="{_f(font * 0.2)}" fill="#111111">'
    )
    digits = 1 if method == "ipm" else 3
    for g, ((short, full), value) in enumerate(
        zip(region_labels(world, lang), world.region_index.tolist(), strict=True)
    ):
        cx, cy = centres[g]
        shown = f"{_e(short)} {number(value, digits, lang)}" if values else _e(short)
        parts.append(
            f'<text x="{_f(cx)}" y="{_f(-cy - radii[g] - 0.9)}">{shown}'
            f"<title>{_e(full)}: {number(value, digits, lang)}, {_e(choice_label('band', bands[g], lang))}</title></text>"
        )
    parts.append("</g></svg>")
    return "".join(parts)


def network_legend(lang: str = "en") -> list[tuple[str, str, str]]:
    """Legend entries (swatch kind, colour, text): kinds, hollow dots, ties, IPM bands."""
    entries = [("dot", KIND_COLOURS[k], choice_label("kind", k, lang)) for k in KINDS]
    entries += [
        ("hollow", "#555555", t("not_in_partnership", lang)),
        ("line", EDGE_ACTIVE, t("edge_active", lang)),
        ("line", EDGE_NEW, t("edge_new", lang)),
        ("dash", EDGE_ENDED, t("edge_ended", lang)),
        ("band", "", t("edge_bundle", lang)),
    ]
    for band, rng in (
        ("low", "< 60"),
        ("medium", "60–70"),
        ("high", "70–80"),
        ("very high", "≥ 80"),
    ):
        entries.append(
            (
                "band",
                BAND_COLOURS[band],
                f"IPM {choice_label('band', band, lang)} ({rng})",
            )
        )
    return entries


def legend_html(lang: str = "en") -> str:
    """The network's legend as HTML (real text, wraps with the page)."""
    items = []
    for kind, colour, text in network_legend(lang):
        if kind == "dot":
            sw = f'<span style="display:inline-block;width:.8em;height:.8em;border-radius:50%;background:{colour}"></span>'
        elif kind == "hollow":
            sw = f'<span style="display:inline-block;width:.7em;height:.7em;border-radius:50%;border:2px solid {colour}"></span>'
        elif kind == "line":
            sw = f'<span style="display:inline-block;width:1.4em;border-top:3px solid {colour};vertical-align:middle"></span>'
        elif kind == "dash":
            sw = f'<span style="display:inline-block;width:1.4em;border-top:3px dashed {colour};vertical-align:middle"></span>'
        elif colour:
            sw = f'<span style="display:inline-block;width:1em;height:.8em;background:{colour};border:1px solid #888"></span>'
        else:
            sw = f'<span style="display:inline-block;width:1.4em;border-top:6px solid {EDGE_ACTIVE};opacity:.45;vertical-align:middle"></span>'
        items.append(
            f'<span style="white-space:nowrap;margin-right:.9em">{sw} {_e(text)}</span>'
        )
    return (
        '<div class="kemitraan-legend" style="line-height:1.5">'
        + " ".join(items)
        + "</div>"
    )


# --- charts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One world's line on a chart."""

    label: str
    colour: str
    dash: str
    x: Sequence[float] | np.ndarray
    y: Sequence[float] | np.ndarray


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def _digits(step: float) -> int:
    return (
        0
        if float(step).is_integer()
        else max(
            0,
            -math.floor(math.log10(step))
            + (1 if (step * 10 ** -math.floor(math.log10(step))) % 1 else 0),
        )
    )


def line_chart_svg(
    lines: Sequence[Line],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    *,
    title: str,
    lang: str = "en",
    target: float | None = None,
    target_text: str = "",
    size: tuple[int, int] = (560, 250),
    scale: float = 1.0,
    events: Sequence[tuple[float, str]] = (),
    y_suffix: str = "",
    x_ticks: bool = True,
) -> str:
    """A line chart as SVG: lines over the years, y ticks in the language's number format, optional target line.

    The SVG's own units are pixels at ``size``; it scales to its box, text and all.
    """
    w, h = size
    fs = 13.0 * scale
    left, right, top, bottom = (
        10 + 3.4 * fs,
        10 + (1.1 * fs if x_ticks else 0.0),  # room for the last year's label
        (1.9 if title else 0.6) * fs,
        (1.8 if x_ticks else 0.6) * fs,
    )
    x0, x1 = x_range
    y0, y1 = y_range
    if y1 <= y0:
        y1 = y0 + 1.0

    def px(x: float) -> float:
        return left + (x - x0) / max(x1 - x0, 1e-9) * (w - left - right)

    def py(y: float) -> float:
        return h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom)

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" preserveAspectRatio="xMidYMid meet" '
            f'style="width:100%;height:100%;display:block" role="img" aria-label="{_e(title)}" font-size="{_f(fs)}">'
        ),
        f'<text x="{_f(left)}" y="{_f(fs * 1.2)}" font-weight="bold" font-size="{_f(fs * 1.08)}">{_e(title)}</text>'
        if title
        else "",
    ]
    yt = _ticks(y0, y1, 4 if x_ticks else 2)
    dig = _digits(yt[1] - yt[0]) if len(yt) > 1 else 0
    for v in yt:
        parts.append(
            f'<line x1="{_f(left)}" x2="{_f(w - right)}" y1="{_f(py(v))}" y2="{_f(py(v))}" stroke="#e2e2e2"/>'
            f'<text x="{_f(left - 4)}" y="{_f(py(v) + fs * 0.35)}" text-anchor="end" fill="#333">{_e(number(v, dig, lang) + y_suffix)}</text>'
        )
    for v in (
        _ticks(x0, x1, 5 if x1 - x0 > 6 else max(int(x1 - x0), 1)) if x_ticks else ()
    ):
        if float(v).is_integer():
            parts.append(
                f'<text x="{_f(px(v))}" y="{_f(h - bottom + fs * 1.2)}" text-anchor="middle" fill="#333">{int(v)}</text>'
            )
    parts.append(
        f'<line x1="{_f(left)}" x2="{_f(left)}" y1="{_f(top)}" y2="{_f(h - bottom)}" stroke="#999"/>'
        f'<line x1="{_f(left)}" x2="{_f(w - right)}" y1="{_f(h - bottom)}" y2="{_f(h - bottom)}" stroke="#999"/>'
    )
    for year, label in events:
        parts.append(
            f'<line x1="{_f(px(year))}" x2="{_f(px(year))}" y1="{_f(top)}" y2="{_f(h - bottom)}" stroke="#555" stroke-dasharray="6 3 2 3"/>'
            f'<text x="{_f(px(year) + 3)}" y="{_f(top + fs)}" fill="#333">{_e(label)}</text>'
        )
    if target is not None and y0 <= target <= y1:
        parts.append(
            f'<line x1="{_f(left)}" x2="{_f(w - right)}" y1="{_f(py(target))}" y2="{_f(py(target))}" stroke="#333" stroke-dasharray="2 3" stroke-width="1.5"/>'
            f'<text x="{_f(left + 4)}" y="{_f(py(target) - 4)}" fill="#333">{_e(target_text)}</text>'
        )
    for line in lines:
        pts = " ".join(
            f"{_f(px(x))},{_f(py(y))}"
            for x, y in zip(line.x, line.y, strict=True)
            if np.isfinite(y)
        )
        if pts:
            dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{line.colour}" stroke-width="{_f(2.6 * scale)}"{dash}>'
                f"<title>{_e(line.label)}</title></polyline>"
            )
            last = [
                (x, y) for x, y in zip(line.x, line.y, strict=True) if np.isfinite(y)
            ][-1]
            parts.append(
                f'<circle cx="{_f(px(last[0]))}" cy="{_f(py(last[1]))}" r="{_f(3.5 * scale)}" fill="{line.colour}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
