"""The scenario files shipped inside the package, found by name from any directory.

The files live in ``sim/scenarios/`` (package data, so they travel in the wheel); the
repository keeps ``scenarios/`` as a link to that folder, so paths such as
``scenarios/baseline.toml`` in the docs and tests still work from a checkout. A bare name
(``baseline``, ``reward_cash``, ``sweeps/rewards``) resolves to the shipped file, and
``kemitraan scenarios`` lists them.
"""

from __future__ import annotations

from pathlib import Path

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
DEFAULT = "baseline"


def shipped_scenarios() -> dict[str, Path]:
    """Every shipped scenario file by its name, sweeps as ``sweeps/NAME``.

    Returns:
        Names in sorted order mapped to their files.
    """
    found = sorted(SCENARIOS_DIR.glob("*.toml")) + sorted(
        SCENARIOS_DIR.glob("sweeps/*.toml")
    )
    return {p.relative_to(SCENARIOS_DIR).with_suffix("").as_posix(): p for p in found}


def shipped_path(name: str | Path) -> Path | None:
    """The shipped file that a bare name means, or None when it names none.

    Args:
        name: ``baseline``, ``baseline.toml``, ``sweeps/rewards`` or any other text.

    Returns:
        The file, when ``name`` is a shipped scenario's name (with or without ``.toml``).
    """
    text = str(name).removesuffix(".toml")
    return shipped_scenarios().get(text)


def resolve(name: str | Path) -> Path:
    """A scenario argument as a file: an existing path first, else a shipped name.

    Args:
        name: What the user typed.

    Returns:
        The path to read; unchanged when it exists or names no shipped file, so that the
        caller's own "no such file" error names what the user typed.
    """
    path = Path(name)
    if path.exists():
        return path
    return shipped_path(name) or path


def default_scenario() -> str:
    """The default scenario argument of commands that take one: the shipped baseline's path."""
    return str(SCENARIOS_DIR / f"{DEFAULT}.toml")
