"""Pictures of the classroom: the partnership network and the charts, live or for slides.

The teaching app (:mod:`sim.app`) draws every step with these functions, and
``kemitraan demo NAME --out DIR`` uses them to write, without a browser, a side-by-side
figure (PNG and SVG) and an animation (GIF; MP4 too where ffmpeg is installed) of two worlds
that share their seed and differ in one lever (:data:`sim.teaching.classroom.DEMOS`):

- ``gotong-royong``: gotong-royong on (A) and off (B);
- ``reward``: no reward system (A) and performance-based grants (B);
- ``funding-cut``: public budgets as planned (A) and cut by half after five years (B); the
  cut shows on the timeline.

Only matplotlib's object API is used (no pyplot), so drawing is safe in the app's threads.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch
from matplotlib.ticker import MaxNLocator, MultipleLocator, ScalarFormatter

from sim import __version__, hdi
from sim.history import is_historical
from sim.model import PartnershipModel
from sim.parameters import KINDS
from sim.scenario import Scenario
from sim.state import member_pairs
from sim.teaching.classroom import DEMOS, Classroom, Layout, demo_classroom
from sim.teaching.labels import choice_label, number, quarter_text, region_short, t
from sim.teaching.svg import BAND_COLOURS, KIND_COLOURS

if TYPE_CHECKING:
    pass

# Okabe-Ito kinds and ColorBrewer PuOr bands (both colour-blind safe), shared with the live page.
WORLD_COLOURS = {"A": "#1f5fa8", "B": "#d95f02"}
WORLD_STYLES = {"A": "-", "B": "--"}
EDGE_ACTIVE, EDGE_NEW, EDGE_ENDED = "#6b6b6b", "#111111", "#c0392b"

FONT = {"title": 14, "label": 12.5, "tick": 11, "small": 10}


@dataclass(frozen=True)
class Series:
    """One world as a line on the charts."""

    world: PartnershipModel
    label: str
    colour: str
    style: str = "-"


def render_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def time_text(world: PartnershipModel, lang: str) -> str:
    """The world's time in words ("start of 2015", "end of 2017 Q3")."""
    if world.steps == 0:
        return t("start_of", lang, year=world.start_year)
    return quarter_text(world.metrics["year"], lang)


# --- the network ---------------------------------------------------------------------------


def _pairs(world: PartnershipModel, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if ids.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, a, b = member_pairs(world.partnerships.members[ids])
    return a, b


def _segments(xy: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """The line segments from ``xy[a]`` to ``xy[b]``, one (2, 2) array each (LineCollection's input)."""
    return list(np.stack([xy[a], xy[b]], axis=1))


def _rgba(colour: str, alpha: np.ndarray) -> np.ndarray:
    """One RGBA row per line: the colour with each line's own opacity."""
    rgba = np.tile(np.array(to_rgba(colour)), (alpha.shape[0], 1))
    rgba[:, 3] = alpha
    return rgba


def _wipe(ax) -> None:
    """Remove what was drawn on ``ax`` but keep the axes (and their ticks): much cheaper than ``ax.clear()``."""
    for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
        artist.remove()


def _band_colour(world: PartnershipModel, g: int) -> str:
    value = float(world.region_index[g])
    return BAND_COLOURS[hdi.ipm_band(value * (100.0 if world.method == "hdi" else 1.0))]


@dataclass(frozen=True)
class NetworkState:
    """What a network picture shows of a world at one quarter (kept for an animation frame)."""

    steps: int
    method: str
    index: np.ndarray  # each region's index
    member: np.ndarray  # whether each component is in a partnership
    active: tuple[np.ndarray, np.ndarray]  # pairs of members of active partnerships
    ended: tuple[np.ndarray, np.ndarray]  # ... of partnerships that ended this quarter
    new: tuple[np.ndarray, np.ndarray]  # ... of partnerships formed this quarter

    @classmethod
    def of(cls, world: PartnershipModel) -> NetworkState:
        """The world's network now."""
        t_ = world.partnerships
        steps, count = world.steps, t_.count
        none = np.zeros(0, np.int64)
        ended = (
            np.flatnonzero((~t_.active[:count]) & (t_.end[:count] == steps))
            if steps
            else none
        )
        new = (
            np.flatnonzero(t_.active[:count] & (t_.formed[:count] == steps))
            if steps
            else none
        )
        return cls(
            steps=int(steps),
            method=world.method,
            index=np.array(world.region_index, dtype=float),
            member=np.asarray(world.community.memberships) > 0,
            active=_pairs(world, t_.active_ids()),
            ended=_pairs(world, ended),
            new=_pairs(world, new),
        )


class NetworkArtists:
    """A world's network drawn once on an axes, then brought up to date each frame.

    Regions are discs tinted by their IPM band and labelled with their short name and index;
    dots are community components coloured by kind (hollow when in no partnership); grey lines
    join the members of each active partnership inside a region, and partnerships between two
    regions are bundled into one grey band per pair of regions, as wide as about the square root
    of their number (as on the live page); black lines are the partnerships formed this quarter,
    dotted red lines those that ended this quarter (both inside a region).

    Creating the artists (the discs above all) is what costs; :meth:`update` only changes colours,
    texts and line segments, which makes an animation frame a fraction of a new figure.
    """

    def __init__(
        self, ax, world: PartnershipModel, layout: Layout, lang: str = "en"
    ) -> None:
        """Draw the parts that never move: discs, labels, dots; and empty line collections."""
        self.layout, self.lang = layout, lang
        ax.set_aspect("equal")
        ax.set_axis_off()
        xy, centres, radii = layout.xy, layout.centres, layout.radii
        many = centres.shape[0] > 16
        self.home = np.asarray(world.community.region)
        # One collection for all discs: one artist to draw and recolour, not one per region.
        self.discs = PatchCollection(
            [Circle(centres[g], radii[g] + 0.6) for g in range(centres.shape[0])],
            edgecolor="#9a9a9a",
            linewidths=0.8,
            zorder=0,
        )
        ax.add_collection(self.discs, autolim=False)
        middle = centres.mean(axis=0)
        self.labels = []
        for g in range(centres.shape[0]):
            if many:  # a grid: each label sits above its disc
                pos, ha, va = centres[g] + [0.0, radii[g] + 0.9], "center", "bottom"
            else:  # a ring: labels sit outside it, on the side away from the middle
                out = centres[g] - middle
                norm = float(np.hypot(*out))
                u = out / norm if norm > 1e-9 else np.array([0.0, 1.0])
                pos = centres[g] + u * (radii[g] + 1.2)
                ha = "left" if u[0] > 0.35 else ("right" if u[0] < -0.35 else "center")
                va = "bottom" if u[1] > 0.35 else ("top" if u[1] < -0.35 else "center")
            self.labels.append(
                ax.text(
                    pos[0],
                    pos[1],
                    "",
                    ha=ha,
                    va=va,
                    fontsize=FONT["small"] - (2 if many else 0),
                    color="#222222",
                    zorder=5,
                )
            )
        self.names = [
            region_short(name, g + 1, lang)
            for g, name in enumerate(world.regions.names)
        ]
        self.bundles = LineCollection([], colors=EDGE_ACTIVE, alpha=0.3, zorder=1)
        self.active = LineCollection(
            [], colors=EDGE_ACTIVE, alpha=0.6, linewidths=0.7, zorder=1
        )
        self.ended = LineCollection(
            [],
            colors=EDGE_ENDED,
            alpha=0.9,
            linewidths=1.1,
            linestyles=(0, (1.5, 1.5)),
            zorder=2,
        )
        self.new = LineCollection(
            [], colors=EDGE_NEW, alpha=0.95, linewidths=1.3, zorder=3
        )
        for lines in (self.bundles, self.active, self.ended, self.new):
            ax.add_collection(lines, autolim=False)
        margin = np.array([4.0 if many else 12.0, 4.0])
        lo = (centres - radii[:, None]).min(axis=0) - margin
        hi = (
            (centres + radii[:, None]).max(axis=0)
            + margin
            + [0.0, 2.0 if many else 0.0]
        )
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        # Marker size from the data scale, so dots stay about one spacing wide at any size.
        dpi = ax.get_figure(root=True).dpi
        width_pt = ax.bbox.width * 72.0 / dpi
        height_pt = ax.bbox.height * 72.0 / dpi
        per_unit = min(width_pt / (hi[0] - lo[0]), height_pt / (hi[1] - lo[1]))
        size = float(np.clip((0.85 * per_unit) ** 2, 2.0, 60.0))
        self.kind_rgba = np.array([to_rgba(KIND_COLOURS[k]) for k in KINDS])[
            world.community.kind
        ]
        self.dots = ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size,
            facecolors=self.kind_rgba,
            edgecolors=self.kind_rgba,
            linewidths=max(0.5, 0.12 * np.sqrt(size)),
            zorder=4,
        )

    def update(self, world: PartnershipModel) -> None:
        """Show ``world`` as it is now (colours, labels, ties)."""
        self.show(NetworkState.of(world))

    def show(self, state: NetworkState) -> None:
        """Show a world's network as ``state`` recorded it."""
        xy, centres = self.layout.xy, self.layout.centres
        home = self.home
        digits = 1 if state.method == "ipm" else 3
        scale = 100.0 if state.method == "hdi" else 1.0
        self.discs.set_facecolor(
            [BAND_COLOURS[hdi.ipm_band(v * scale)] for v in state.index.tolist()]
        )
        for g, label in enumerate(self.labels):
            label.set_text(
                f"{self.names[g]} {number(float(state.index[g]), digits, self.lang)}"
            )
        a, b = state.active
        local = home[a] == home[b]
        self.active.set_segments(_segments(xy, a[local], b[local]))
        n = centres.shape[0]
        ga = np.minimum(home[a[~local]], home[b[~local]])
        gb = np.maximum(home[a[~local]], home[b[~local]])
        keys, counts = np.unique(ga * n + gb, return_counts=True)
        self.bundles.set_segments(
            list(np.stack([centres[keys // n], centres[keys % n]], axis=1))
        )
        self.bundles.set_linewidth(
            np.minimum(0.4 + 0.35 * np.sqrt(counts), 6.0).tolist()
        )
        for lines, (a, b) in ((self.ended, state.ended), (self.new, state.new)):
            keep = home[a] == home[b]
            lines.set_segments(_segments(xy, a[keep], b[keep]))
        faces = self.kind_rgba.copy()
        faces[~state.member] = (1.0, 1.0, 1.0, 1.0)
        self.dots.set_facecolors(faces)

    def changing(self) -> list:
        """The artists a frame redraws (the labels are left out of animation frames: too small to read there)."""
        return [self.discs, self.bundles, self.active, self.ended, self.new, self.dots]


def draw_network(
    ax,
    world: PartnershipModel,
    layout: Layout,
    lang: str = "en",
    title: str | None = None,
    fresh: bool = True,
    artists: NetworkArtists | None = None,
) -> NetworkArtists:
    """Draw a world's partnership network on ``ax`` (see :class:`NetworkArtists`); returns its artists.

    Args:
        ax: The axes.
        world: The world.
        layout: Where each component sits.
        lang: Language of the labels.
        title: Optional title above the network.
        fresh: Clear the axes first (ignored when ``artists`` are given).
        artists: Artists a previous call returned: they are updated instead of drawn anew.
    """
    if artists is None:
        if fresh:
            ax.clear()
        else:
            _wipe(ax)
        artists = NetworkArtists(ax, world, layout, lang)
    artists.update(world)
    if title is not None:
        ax.set_title(title, fontsize=FONT["title"], loc="left")
    return artists


def network_legend_handles(lang: str = "en", bands: bool = True) -> list:
    """Legend entries for the network: the kinds, the three kinds of line and the regions' IPM bands."""
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=KIND_COLOURS[k],
            markersize=7,
            label=choice_label("kind", k, lang),
        )
        for k in KINDS
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markerfacecolor="white",
            markeredgecolor="#555555",
            markersize=7,
            label=t("not_in_partnership", lang),
        )
    )
    handles += [
        Line2D(
            [], [], color=EDGE_ACTIVE, lw=1.5, alpha=0.6, label=t("edge_active", lang)
        ),
        Line2D([], [], color=EDGE_NEW, lw=1.8, label=t("edge_new", lang)),
        Line2D(
            [],
            [],
            color=EDGE_ENDED,
            lw=1.5,
            ls=(0, (1.5, 1.5)),
            label=t("edge_ended", lang),
        ),
    ]
    if bands:
        handles += [
            Patch(facecolor=BAND_COLOURS[b], edgecolor="#9a9a9a", label=f"{name} {rng}")
            for b, name, rng in (
                ("low", "IPM", "< 60"),
                ("medium", "IPM", "60–70"),
                ("high", "IPM", "70–80"),
                ("very high", "IPM", "≥ 80"),
            )
        ]
    return handles


def network_title(world: PartnershipModel, lang: str, prefix: str = "") -> str:
    """A network picture's title, e.g. "World A · end of 2017 Q3 · 368 partnerships"."""
    n = int(world.metrics["active_partnerships"])
    head = f"{prefix} · " if prefix else ""
    return f"{head}{time_text(world, lang)} · {n} {t('edge_active', lang) if n == 1 else t('active_partnerships', lang).lower()}"


# --- the charts ----------------------------------------------------------------------------


def _event_marks(series: Sequence[Series]) -> list[tuple[float, str, str]]:
    """(year, label, colour) of each distinct policy event: grey when every world has it."""
    marks: dict[tuple[float, str], str] = {}
    for s in series:
        for e in s.world.scenario.events:
            if is_historical(e.label or ""):
                continue  # recorded history (COVID-19, Dana Desa) is the same in both worlds: not the lesson's lever
            shared = all(e in other.world.scenario.events for other in series)
            colour = "#555555" if shared else s.colour
            marks.setdefault((e.year, e.label or e.key), colour)
    return [(y, label, c) for (y, label), c in marks.items()]


def event_label(label: str, lang: str) -> str:
    """A policy event's label in ``lang`` (the classroom's own funding cut is translated; a file's label is kept)."""
    m = re.fullmatch(r"public budgets ([-+]\d+%)", label)
    return t("event_public_budgets", lang, change=m.group(1)) if m else label


def _year_text(year: float) -> str:
    return f"{year:g}" if float(year).is_integer() else f"{year:.2f}"


class _CommaFormatter(ScalarFormatter):
    """matplotlib's usual tick labels with a decimal comma (Bahasa Indonesia)."""

    def __call__(self, x, pos=None) -> str:
        """The tick label at ``x``."""
        text = super().__call__(x, pos)
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass
class ChartArtists:
    """The parts of the four charts that an animation frame changes: the lines, the target marks, the status."""

    start: float
    lines: list = field(
        default_factory=list
    )  # (line, x, y): the line drawn to its whole run
    marks: list = field(default_factory=list)  # (marker, step it stands for)
    statuses: list = field(
        default_factory=list
    )  # (text, prefix, step of target or None, when)

    def show(self, quarter: int, lang: str) -> None:
        """Show the charts as they stood after ``quarter`` (lines cut there; the axes stay as for the whole run)."""
        until = self.start + quarter / 4.0 + 1e-9
        for line, x, y in self.lines:
            keep = x <= until
            line.set_data(x[keep], y[keep])
        for mark, step in self.marks:
            mark.set_visible(step <= quarter)
        for text, prefix, step, when in self.statuses:
            status = (
                t("reached", lang, when=when)
                if step is not None and step <= quarter
                else t("not_reached", lang)
            )
            text.set_text(f"{prefix}: {status}")

    def changing(self) -> list:
        """The artists a frame redraws."""
        return (
            [x[0] for x in self.lines]
            + [x[0] for x in self.marks]
            + [x[0] for x in self.statuses]
        )


def draw_charts(
    axes: Sequence, series: Sequence[Series], lang: str = "en", fresh: bool = True
) -> ChartArtists:
    """Draw the four charts (index with target, partnerships, government share, cohesion) on four axes.

    Returns the artists an animation frame changes (:class:`ChartArtists`).
    """
    first = series[0].world
    start = first.start_year
    end = start + first.horizon / 4.0
    method = first.method
    target = first.target
    ax_index, ax_active, ax_share, ax_cohesion = axes
    for ax in axes:
        ax.clear() if fresh else _wipe(ax)
        ax.set_xlim(start, end)
        ax.xaxis.set_major_locator(
            MultipleLocator(5)
            if end - start >= 10
            else MaxNLocator(nbins=5, integer=True)
        )
        ax.grid(True, color="#e4e4e4", lw=0.6)
        ax.tick_params(labelsize=FONT["tick"])
        if (
            lang == "id"
        ):  # one number format per language: decimal commas on the axes too
            ax.yaxis.set_major_formatter(_CommaFormatter())
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    lows, highs, most_active = [target], [target], 10.0
    reached_lines: list[tuple[str, str]] = []
    found = ChartArtists(start)
    for s in series:
        mv = s.world.datacollector.model_vars
        years = np.asarray(mv["year"], dtype=float)
        index = np.asarray(mv["index"], dtype=float)
        active = np.asarray(mv["active_partnerships"], dtype=float)
        share = 100.0 * np.asarray(mv["government_share"], dtype=float)
        cohesion = np.asarray(mv["cohesion"], dtype=float)
        kw = {"color": s.colour, "ls": s.style, "lw": 2.2}
        for ax, x, y, extra in (
            (ax_index, years, index, {"label": s.label}),
            (ax_active, years, active, {}),
            (ax_share, years[1:], share[1:], {}),
            (ax_cohesion, years, cohesion, {}),
        ):
            (line,) = ax.plot(x, y, **kw, **extra)
            found.lines.append((line, x, y))
        lows.append(float(index.min()))
        highs.append(float(index.max()))
        most_active = max(most_active, float(active.max()))
        reached = s.world.step_of_target
        if reached is not None and reached > 0:
            when = start + reached / 4.0
            (mark,) = ax_index.plot(
                [when], [index[reached]], "o", color=s.colour, ms=7, zorder=5
            )
            found.marks.append((mark, reached))
        status = (
            t("reached", lang, when=reached_text(s.world, lang))
            if reached is not None
            else t("not_reached", lang)
        )
        reached_lines.append((f"{s.label.split(':', 1)[0]}: {status}", s.colour))
        found.statuses.append(
            (None, s.label.split(":", 1)[0], reached, reached_text(s.world, lang))
        )
    scale = 1.0 if method == "ipm" else 0.01
    ax_index.set_ylim(min(lows) - 1.0 * scale, max(highs) + 1.5 * scale)
    ax_index.axhline(target, color="#444444", ls=":", lw=1.4)
    fmt = f"{target:g}" if method == "ipm" else f"{target:.3f}"
    ax_index.text(
        start + 0.2,
        target,
        t("target", lang, value=fmt),
        va="bottom",
        ha="left",
        fontsize=FONT["small"],
        color="#444444",
    )
    # When each world first reached the target, in its colour, at the lower right.
    for k, (text, colour) in enumerate(reversed(reached_lines)):
        artist = ax_index.text(
            0.98,
            0.04 + 0.09 * k,
            text,
            transform=ax_index.transAxes,
            ha="right",
            va="bottom",
            fontsize=FONT["small"],
            color=colour,
        )
        slot = len(reached_lines) - 1 - k
        found.statuses[slot] = (artist, *found.statuses[slot][1:])
    ax_active.set_ylim(0, most_active * 1.12)
    ax_share.set_ylim(0, 100)
    lo_c = min(
        float(np.min(s.world.datacollector.model_vars["cohesion"])) for s in series
    )
    hi_c = max(
        float(np.max(s.world.datacollector.model_vars["cohesion"])) for s in series
    )
    ax_cohesion.set_ylim(
        max(0.0, min(lo_c, 0.3) - 0.03), min(1.0, max(hi_c, 0.6) + 0.03)
    )
    titles = (
        t("index_ipm" if method == "ipm" else "index_hdi", lang),
        t("active_partnerships", lang),
        t("government_share", lang),
        t("cohesion", lang),
    )
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title, fontsize=FONT["label"], loc="left")
    for ax in (ax_share, ax_cohesion):
        ax.set_xlabel(t("year", lang), fontsize=FONT["small"])
    for year, label, colour in _event_marks(series):
        for ax in axes:
            ax.axvline(year, color=colour, ls="-.", lw=1.3, alpha=0.9)
        ax_active.text(
            year,
            ax_active.get_ylim()[1],
            " "
            + t(
                "policy_event",
                lang,
                year=_year_text(year),
                label=event_label(label, lang),
            ),
            rotation=0,
            va="top",
            ha="left",
            fontsize=FONT["small"],
            color=colour,
        )

    return found


def reached_text(world: PartnershipModel, lang: str) -> str:
    """When the target was first reached, in words, or "not yet"."""
    if world.step_of_target is None:
        return t("not_yet", lang)
    if world.step_of_target == 0:
        return t("start_of", lang, year=world.start_year)
    return quarter_text(world.start_year + world.step_of_target / 4.0, lang)


# --- whole figures --------------------------------------------------------------------------


def network_figure(
    world: PartnershipModel,
    layout: Layout,
    lang: str = "en",
    size: tuple[float, float] = (6.6, 7.0),
    prefix: str = "",
) -> Figure:
    """One world's network with its legend."""
    fig = Figure(figsize=size)
    ax = fig.add_axes((0.01, 0.16, 0.98, 0.78))
    draw_network(ax, world, layout, lang)
    ax.set_title(network_title(world, lang, prefix), fontsize=FONT["title"], loc="left")
    fig.legend(
        handles=network_legend_handles(lang),
        loc="lower center",
        ncol=4,
        fontsize=FONT["small"] - 1,
        frameon=False,
        columnspacing=0.7,
        handlelength=1.3,
        handletextpad=0.35,
    )
    return fig


def charts_figure(
    series: Sequence[Series],
    lang: str = "en",
    size: tuple[float, float] = (7.4, 6.4),
    legend: bool = False,
) -> Figure:
    """The four charts in a 2 x 2 grid; with ``legend`` the worlds are named above them."""
    fig = Figure(figsize=size)
    axes = fig.subplots(2, 2).ravel()
    # Fixed margins (not constrained layout): four times faster, and the axes never jump.
    fig.subplots_adjust(
        left=0.075,
        right=0.965,
        bottom=0.085,
        top=0.88 if legend else 0.94,
        hspace=0.38,
        wspace=0.22,
    )
    draw_charts(axes, series, lang)
    if legend:
        fig.legend(
            handles=[
                Line2D([], [], color=s.colour, ls=s.style, lw=2.4, label=s.label)
                for s in series
            ],
            loc="upper center",
            ncol=len(series),
            fontsize=FONT["label"],
            frameon=False,
        )
    return fig


def classroom_series(
    room: Classroom, lang: str = "en", label_a: str | None = None
) -> list[Series]:
    """Worlds A and B of a classroom as chart lines (A solid blue, B dashed orange)."""
    return [
        Series(
            room.a,
            label_a or t("world_a_is", lang),
            WORLD_COLOURS["A"],
            WORLD_STYLES["A"],
        ),
        Series(
            room.b,
            t("world_b_is", lang, contrast=room.contrast_label(lang)),
            WORLD_COLOURS["B"],
            WORLD_STYLES["B"],
        ),
    ]


def draw_side_by_side(
    fig: Figure | SubFigure,
    room: Classroom,
    lang: str = "en",
    label_a: str | None = None,
    charts: bool = True,
    title: str | None = None,
) -> dict:
    """Both worlds' networks side by side and, below, their charts overlaid; an optional title above.

    Returns the axes (``networks``, ``charts``), for :func:`refresh_side_by_side`.
    """
    series = classroom_series(room, lang, label_a)
    if title:
        # matplotlib's stubs type subfigures() as one SubFigure; with 2 rows it is an array of two.
        head, fig = fig.subfigures(2, 1, height_ratios=[0.055, 1.0])  # type: ignore[misc]
        head.text(
            0.01,
            0.5,
            title,
            fontsize=FONT["title"] + 3,
            ha="left",
            va="center",
            weight="bold",
        )
    if charts:
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.15, 1.0])  # type: ignore[misc]
    else:
        top, bottom = fig, None
    ax_a, ax_b = top.subplots(1, 2)
    top.subplots_adjust(left=0.01, right=0.99, top=0.88, bottom=0.13, wspace=0.04)
    artists, headings = [], []
    for ax, s, name in (
        (ax_a, series[0], t("world_a", lang)),
        (ax_b, series[1], t("world_b", lang)),
    ):
        artists.append(draw_network(ax, s.world, room.layout, lang))
        heading = ax.set_title(
            f"{name} · {s.label.split(': ', 1)[-1]}\n{network_title(s.world, lang)}",
            fontsize=FONT["label"],
            loc="left",
            color=s.colour,
        )
        headings.append(heading)
    top.legend(
        handles=network_legend_handles(lang),
        loc="lower center",
        ncol=7,
        fontsize=FONT["small"] - 1,
        frameon=False,
        columnspacing=1.0,
        handletextpad=0.3,
    )
    if bottom is not None:
        axes = bottom.subplots(1, 4)
        bottom.subplots_adjust(
            left=0.05, right=0.975, top=0.82, bottom=0.14, wspace=0.28
        )
        chart_artists = draw_charts(axes, series, lang)
        handles = {
            "networks": (ax_a, ax_b),
            "artists": artists,
            "headings": headings,
            "charts": axes,
            "chart_artists": chart_artists,
        }
        bottom.legend(
            handles=[
                Line2D([], [], color=s.colour, ls=s.style, lw=2.4, label=s.label)
                for s in series
            ],
            loc="upper center",
            ncol=2,
            fontsize=FONT["label"],
            frameon=False,
        )
        return handles
    return {
        "networks": (ax_a, ax_b),
        "artists": artists,
        "headings": headings,
        "charts": None,
        "chart_artists": None,
    }


def refresh_side_by_side(
    handles: dict, room: Classroom, lang: str = "en", label_a: str | None = None
) -> None:
    """Redraw what changes from one quarter to the next on a figure made by :func:`draw_side_by_side`.

    The axes, their ticks and the legends stay; only the data artists are replaced. This is what
    makes an animation frame cost a fraction of a whole new figure.
    """
    series = classroom_series(room, lang, label_a)
    for ax, art, s, name in zip(
        handles["networks"],
        handles["artists"],
        series,
        (t("world_a", lang), t("world_b", lang)),
        strict=True,
    ):
        draw_network(ax, s.world, room.layout, lang, artists=art)
        ax.set_title(
            f"{name} · {s.label.split(': ', 1)[-1]}\n{network_title(s.world, lang)}",
            fontsize=FONT["label"],
            loc="left",
            color=s.colour,
        )
    if handles["charts"] is not None:
        handles["chart_artists"] = draw_charts(
            handles["charts"], series, lang, fresh=False
        )


def network_headings(
    room: Classroom, lang: str, label_a: str | None = None
) -> list[str]:
    """The two networks' titles now ("World A · gotong-royong on", then the time and partnerships)."""
    return [
        f"{name} · {s.label.split(': ', 1)[-1]}\n{network_title(s.world, lang)}"
        for s, name in zip(
            classroom_series(room, lang, label_a),
            (t("world_a", lang), t("world_b", lang)),
            strict=True,
        )
    ]


@dataclass(frozen=True)
class Frame:
    """What one animation frame shows: the quarter, both networks and their titles."""

    quarter: int
    networks: tuple[NetworkState, NetworkState]
    headings: list[str]


def frame_of(room: Classroom, lang: str, label_a: str | None = None) -> Frame:
    """The classroom's state now, as an animation frame will show it."""
    return Frame(
        room.quarter,
        (NetworkState.of(room.a), NetworkState.of(room.b)),
        network_headings(room, lang, label_a),
    )


def blit_frames(
    fig: Figure, handles: dict, frames: Sequence[Frame], lang: str, dpi: int
) -> list[np.ndarray]:
    """Render animation frames (RGB arrays) on a figure drawn by :func:`draw_side_by_side` at the run's end.

    The figure is drawn once without the parts that change (axes, ticks, legends, titles stay as
    they are for the whole run, so nothing jumps); each frame then only redraws the changing
    artists over that background (matplotlib's blitting). The regions' labels are left out of
    the frames: at an animation's resolution they are too small to read; the still keeps them.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    nets = handles["artists"]
    charts: ChartArtists = handles["chart_artists"]
    titles = handles["headings"]
    changing = [a for art in nets for a in art.changing()] + charts.changing() + titles
    labels = [label for art in nets for label in art.labels]
    dpi_before = fig.dpi
    out: list[np.ndarray] = []
    try:
        fig.set_dpi(dpi)
        for a in changing:
            a.set_animated(True)
        for label in labels:
            label.set_visible(False)
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        for frame in frames:
            canvas.restore_region(background)
            for art, state in zip(nets, frame.networks, strict=True):
                art.show(state)
            for title, text in zip(titles, frame.headings, strict=True):
                title.set_text(text)
            charts.show(frame.quarter, lang)
            for a in changing:
                fig.draw_artist(a)
            out.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    finally:
        for a in changing:
            a.set_animated(False)
        for label in labels:
            label.set_visible(True)
        fig.set_dpi(dpi_before)
    return out


def write_mp4(frames: Sequence[np.ndarray], fps: int, path: Path, ffmpeg: str) -> bool:
    """Encode RGB frames as an H.264 MP4 with ffmpeg; False (and no file) when ffmpeg fails."""
    import subprocess

    h, w = frames[0].shape[:2]
    cmd = [
        ffmpeg, "-y", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
        "-c:v", "h264", "-pix_fmt", "yuv420p", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
        str(path),
    ]  # fmt: skip
    done = subprocess.run(
        cmd,
        input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        return False
    return True


def networks_figure(
    room: Classroom, lang: str = "en", size: tuple[float, float] = (13.0, 6.2)
) -> Figure:
    """Worlds A and B's networks side by side (the app's classroom tab)."""
    fig = Figure(figsize=size)
    draw_side_by_side(fig, room, lang, charts=False)
    return fig


def side_by_side_figure(
    room: Classroom,
    lang: str = "en",
    title: str | None = None,
    label_a: str | None = None,
    size: tuple[float, float] = (16.0, 9.0),
) -> Figure:
    """The slide: both networks above, the overlaid charts below, a title on top."""
    fig = Figure(figsize=size)
    draw_side_by_side(fig, room, lang, label_a, title=title)
    return fig


class GifFrames:
    """Animation frames kept in memory and written as one GIF with a single palette.

    matplotlib's Pillow writer lets Pillow find a palette for every frame anew (median cut over
    the whole picture), which was the dearest part of a demo after the drawing. The frames of a
    demo share their colours, so one palette, found once from a few frames, serves them all, and
    each frame is then only mapped onto it (no dithering: flat colours stay flat).
    """

    def __init__(self, fps: int) -> None:
        """Frames shown ``fps`` a second."""
        self.fps = fps
        self.frames: list[np.ndarray] = []
        self.extra_ms = 0

    def add(self, rgb: np.ndarray) -> None:
        """Keep a picture already rendered (height x width x 3, uint8)."""
        self.frames.append(rgb)

    def hold(self, seconds: float) -> None:
        """Show the last frame ``seconds`` longer."""
        self.extra_ms += round(1000 * seconds)

    def write(self, path: Path) -> None:
        """Write the GIF (looping), each frame 1/fps s, the last one longer by :meth:`hold`."""
        from PIL import Image

        every = max(1, len(self.frames) // 6)
        sample = Image.fromarray(np.concatenate(self.frames[::every][:6], axis=0))
        palette = sample.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
        images = [
            Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE)
            for f in self.frames
        ]
        ms = round(1000 / self.fps)
        durations = [ms] * len(images)
        durations[-1] += self.extra_ms
        images[0].save(
            path,
            save_all=True,
            append_images=images[1:],
            duration=durations,
            loop=0,
            optimize=False,
        )


# --- offline demos ---------------------------------------------------------------------------

# What world A is in each ready demo (world B is named by its contrast).
A_LABELS = {"gotong-royong": "gotong_royong_on", "reward": "reward_none"}


def demo_label_a(name: str, lang: str) -> str:
    """What world A is in a ready demo, in words ("A: gotong-royong on")."""
    what = (
        t("no_cut", lang)
        if name == "funding-cut"
        else choice_label("compare", A_LABELS[name], lang)
    )
    return t("world_a_what", lang, what=what)


def write_demo(
    name: str,
    out: str | Path,
    base: Scenario | None = None,
    *,
    lang: str = "en",
    replication: int = 0,
    agents: int | None = None,
    years: float | None = None,
    animation: bool = True,
    fps: int = 3,
    dpi: int = 120,
    frame_dpi: int = 50,
    every: int = 4,
    progress=None,
) -> dict[str, Path]:
    """Run a ready comparison and write its figure (PNG, SVG), animation (GIF, MP4) and manifest (JSON).

    Args:
        name: One of :data:`sim.teaching.classroom.DEMOS` (``gotong-royong``, ``reward``, ``funding-cut``).
        out: Folder to write into (created if needed).
        base: Scenario both worlds start from (default: built-in defaults, the baseline).
        lang: ``en`` or ``id``.
        replication: Replication number shared by both worlds.
        agents: Number of community components (default: the scenario's).
        years: Run length (default: the scenario's).
        animation: Whether to write the animation.
        fps: Frames (quarters) per second of the animation.
        dpi: Resolution of the PNG figure.
        frame_dpi: Resolution of the animation frames.
        every: Draw one animation frame every this many quarters (4: one a year, so a 20-year demo draws 21 frames).
        progress: Optional callable ``progress(quarter, quarters)``.

    Returns:
        The files written, by kind: ``png``, ``svg``, ``gif``, ``mp4`` (if ffmpeg exists), ``json``.
    """
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; allowed: {', '.join(DEMOS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    room = demo_classroom(
        name, base, replication=replication, agents=agents, years=years
    )
    title = t("demo_title", lang, name=choice_label("demo", name, lang))
    label_a = demo_label_a(name, lang)
    files: dict[str, Path] = {}
    # First the run, keeping what each frame shows; then the pictures, with every axis already
    # as it stands at the end (so nothing jumps from frame to frame).
    frames: list[Frame] = []
    if animation:
        frames.append(frame_of(room, lang, label_a))
    while room.running:
        room.step()
        if animation and (room.quarter % every == 0 or not room.running):
            frames.append(frame_of(room, lang, label_a))
        if progress is not None:
            progress(room.quarter, room.horizon)
    still = Figure(figsize=(16.0, 9.0))
    handles = draw_side_by_side(still, room, lang, label_a, title=title)
    if animation:
        pictures = blit_frames(still, handles, frames, lang, frame_dpi)
        files["gif"] = out / f"{name}.gif"
        gif = GifFrames(fps)
        for picture in pictures:
            gif.add(picture)
        gif.hold(1.0)  # the last frame stays a second
        try:
            gif.write(files["gif"])
        except BaseException:
            files["gif"].unlink(
                missing_ok=True
            )  # leave no half-written animation behind
            raise
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg:
            path = out / f"{name}.mp4"
            if write_mp4(pictures + [pictures[-1]] * fps, fps, path, ffmpeg):
                files["mp4"] = path
    files["png"] = out / f"{name}.png"
    files["svg"] = out / f"{name}.svg"
    still.savefig(files["png"], dpi=dpi, facecolor="white")
    still.savefig(files["svg"], facecolor="white")
    files["json"] = out / f"{name}.json"
    manifest = {
        "kemitraan": __version__,
        "demo": name,
        "title": title,
        "language": lang,
        "scenario": {
            "name": room.base.name,
            "source": room.base.source,
            "sha256": room.base.sha256,
        },
        "worlds": {
            key: {
                "label": label,
                "root_seed": w.root_seed,
                "replication": w.replication,
                "levers": asdict(levers),
                "events": [e.describe() for e in w.scenario.events],
                "summary": {
                    k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                    for k, v in w.summary().items()
                },
            }
            for key, label, w, levers in (
                ("A", label_a, room.a, room.levers_a),
                (
                    "B",
                    t("world_b_is", lang, contrast=room.contrast_label(lang)),
                    room.b,
                    room.levers_b,
                ),
            )
        },
        "same_seed": room.same_seed,
        "contrast": room.contrast.key,
        "files": {k: p.name for k, p in files.items()},
        "wall_seconds": round(time.perf_counter() - t0, 2),
    }
    files["json"].write_text(
        json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return files
