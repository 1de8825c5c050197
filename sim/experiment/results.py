"""Results folders: tables written whole or not at all, with their provenance.

A results folder holds separate tables (EMA Workbench's experiments + outcomes, kept apart
from time series) and a manifest in the spirit of NetLogo's provenance headers:

* ``runs.parquet``: one row per run (scenario, replication, seed, outcomes);
* ``timeseries.parquet``: one row per run and step;
* ``regions.parquet``: one row per run, step and region;
* ``events.parquet``: the partnership event table;
* ``manifest.json``: scenario texts and SHA-256, resolved parameters, seeds, versions,
  start and end times, and the SHA-256 of every table.

A folder is built under a temporary name beside its destination and renamed into place,
so a reader never sees a half-written folder and a killed run leaves earlier results as
they were.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

# numpy, pandas and pyarrow are imported by the few functions that use them, not with this
# module: the command line imports it (its errors, the output folder) before it knows
# whether it will run a pool, and a pool's server is started before those imports (see
# sim.experiment.pool.start_server), so that they overlap.
if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS: tuple[str, ...] = ("parquet", "csv")
STATUSES: tuple[str, ...] = ("running", "complete")
LOCK_NAME = ".lock"


class ResultsError(RuntimeError):
    """A results folder that cannot be written or read; the message is one line."""


def safe_output_dir(
    out: str | Path | None, name: str, root: str | Path = "results"
) -> Path:
    """The results folder for a scenario name, refusing names that would escape ``root``.

    An explicit ``out`` from the command line is a path the user typed and may lead anywhere,
    but not through control characters or newlines, which no sane folder name has.
    """
    if out is not None:
        text = str(out)
        if not text or any(ord(c) < 32 or c == "\x7f" for c in text):
            raise ResultsError(
                f"--out {text!r}: not a usable folder name; allowed: a path without control characters"
            )
        return Path(out)
    if (
        not name
        or name.startswith(".")
        or any(c in name for c in "/\\\0")
        or ".." in name
    ):
        raise ResultsError(
            f"scenario name {name!r} cannot be a folder name; allowed: letters, digits, '-', '_' and '.'"
        )
    return Path(root) / name


def scenario_inputs(scenario: Any) -> list[dict[str, str]]:
    """The files a scenario reads, for its manifest entry: key, path and SHA-256 of each."""
    return [
        {"key": key, "path": path, "sha256": digest}
        for key, path, digest in getattr(scenario, "inputs", ())
    ]


def changed_inputs(stored: list[Any], scenarios: list[Any]) -> str | None:
    """What changed in the files the sweep's scenarios read since the manifest was written.

    Args:
        stored: The manifest's ``scenarios`` entries (with ``inputs`` as written by
            :func:`scenario_inputs`; entries of older folders may lack it).
        scenarios: The same scenarios loaded again now, in the same order.

    Returns:
        One line naming the first input that is gone, new or different (with both hashes),
        or None when every input is the same.
    """
    for entry, scenario in zip(stored, scenarios, strict=False):
        if not isinstance(entry, dict):
            continue
        before = {
            str(i.get("key")): i
            for i in entry.get("inputs") or []
            if isinstance(i, dict)
        }
        now = {i["key"]: i for i in scenario_inputs(scenario)}
        for key in sorted(set(before) | set(now), key=str):
            old, new = before.get(key), now.get(key)
            if old is None or new is None:
                return f"scenario {entry.get('name')!r}: {key} is {'new' if old is None else 'gone'} since the sweep started"
            if old.get("sha256") != new["sha256"]:
                return (
                    f"scenario {entry.get('name')!r}: {key} {new['path']!r} has changed since the sweep "
                    f"started (sha256 {str(old.get('sha256'))[:12]}, now {new['sha256'][:12]})"
                )
    return None


def versions() -> dict[str, str]:
    """Versions of Python, this package and the libraries that shape results."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    # SALib draws the Sobol and Morris samples, so its version shapes a sampled design.
    for pkg in ("kemitraan", "mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    from sim import MODEL_VERSION

    out["model_version"] = MODEL_VERSION
    out.update(_git())
    return out


def _git() -> dict[str, str]:
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - the user's own git, from PATH
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607 - as above
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        return {"git_commit": commit, "git_dirty": "yes" if dirty else "no"}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown", "git_dirty": "unknown"}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def with_units(table: str, schema: pa.Schema) -> pa.Schema:
    """A table's schema with each known column's unit and meaning as Parquet field metadata.

    Args:
        table: The table's name (``runs``, ``timeseries``, ``regions``, ``events``).
        schema: Its Arrow schema.

    Returns:
        The schema, fields carrying ``unit`` and ``description`` (see ``docs/results.md``).
    """
    import pyarrow as pa

    from sim.experiment.columns import field_metadata

    fields = [f.with_metadata(field_metadata(table, f.name) or None) for f in schema]
    return pa.schema(fields, metadata=schema.metadata)


def csv_forms(df: pd.DataFrame) -> pd.DataFrame:
    """A table in the forms R's ``read.csv`` and spreadsheets read: TRUE/FALSE, lists ``;``-joined.

    Missing values are written empty (``NA`` to R), floats by the writer's ``%.17g``.

    Args:
        df: The table.

    Returns:
        A copy whose boolean columns are ``TRUE``/``FALSE`` text and list cells joined text.
    """
    import numpy as np
    import pandas as pd

    df = df.copy()
    for col in df.columns:
        values = df[col]
        if pd.api.types.is_bool_dtype(values):
            df[col] = np.where(values.to_numpy(dtype=bool), "TRUE", "FALSE")
        elif values.dtype == object and any(
            isinstance(v, (list, tuple, np.ndarray)) for v in values
        ):
            df[col] = [
                ";".join(map(str, v))
                if isinstance(v, (list, tuple, np.ndarray))
                else ("" if v is None else v)
                for v in values
            ]
    return df


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if fmt == "parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table.cast(with_units(path.stem, table.schema)), path)
    else:
        csv_forms(df).to_csv(
            path, index=False, float_format="%.17g"
        )  # 17 digits: floats survive the round trip exactly


@contextmanager
def folder_swap(dest: Path, what: str = "results") -> Iterator[Path]:
    """Build a folder under a temporary name beside ``dest``; when the block succeeds it replaces ``dest`` whole.

    A failure removes the temporary folder and leaves ``dest`` as it was; an ``OSError``
    (disk full, no permission) becomes a one-line :class:`ResultsError`.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(
            tempfile.mkdtemp(
                prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent
            )
        )
    except OSError as exc:
        raise ResultsError(
            f"{dest.parent}: cannot write the {what} here ({exc.strerror or exc})"
        ) from None
    try:
        yield tmp
        replace_folder(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ResultsError(
            f"{dest}: cannot write the {what} ({exc.strerror or exc})"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_folder(tmp: Path, dest: Path) -> None:
    """Move a finished folder into place, replacing an older one, with renames only.

    The old folder is renamed aside before the new one takes its name, so a reader sees the
    old folder or the new one, never a mixture, and a crash in between leaves the old one.
    """
    # mkdtemp made the folder private (0o700); a results folder is shared like any other.
    os.chmod(tmp, 0o755)  # noqa: S103 - a folder others may read, not a writable one
    if dest.exists():
        trash = dest.with_name(f".{dest.name}.{os.getpid()}.old")
        if trash.exists():
            shutil.rmtree(trash)
        dest.rename(trash)
        tmp.rename(dest)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        tmp.rename(dest)


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)


class ManifestError(ResultsError):
    """A manifest.json that is missing, unreadable, truncated or edited out of shape."""


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The folder's manifest, checked for shape; every problem is one line naming what is wrong.

    Raises:
        ManifestError: No manifest, or one that is empty, truncated, not JSON, or whose status,
            runs or tables are not what a sweep writes.
    """
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise ManifestError(f"{folder}: not a results folder (no manifest.json)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(
            f"{path}: cannot be read ({exc.__class__.__name__}); the folder is damaged"
        ) from None
    if not text.strip():
        raise ManifestError(
            f"{path}: is empty; the folder is damaged (kemitraan run --resume repairs it while its chunks are there)"
        )
    try:
        manifest = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = (
            f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        )
        raise ManifestError(
            f"{path}: is not valid JSON{where} (truncated or edited); the folder is damaged "
            f"(kemitraan run --resume repairs it while its chunks are there)"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kemitraan_results") != 1:
        raise ManifestError(
            f"{path}: is not a kemitraan manifest (no kemitraan_results = 1)"
        )
    status = manifest.get("status")
    if status not in STATUSES:
        shown = repr(status)[:40]
        raise ManifestError(
            f"{path}: status {shown} is not one a sweep writes; allowed: {', '.join(STATUSES)} "
            f"(kemitraan run --resume repairs it)"
        )
    if not isinstance(manifest.get("runs"), list) or not all(
        isinstance(r, dict) and isinstance(r.get("run"), int) for r in manifest["runs"]
    ):
        raise ManifestError(
            f"{path}: its runs list is missing or edited; the folder is damaged"
        )
    tables = manifest.get("tables")
    if status == "complete" and (
        not isinstance(tables, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in tables.items())
    ):
        raise ManifestError(
            f"{path}: complete, but its table hashes are missing or edited; the folder is damaged"
        )
    if manifest.get("format", "parquet") not in FORMATS:
        raise ManifestError(
            f"{path}: format {repr(manifest.get('format'))[:40]} is not allowed; allowed: {', '.join(FORMATS)}"
        )
    return manifest


def load_results(folder: str | Path) -> dict[str, Any]:
    """Read a finished results folder back: every table as a DataFrame, plus ``manifest`` as a dict.

    Raises:
        ResultsError: The folder is not a finished results folder, or a table is missing or unreadable.
    """
    import pandas as pd

    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest["status"] != "complete":
        raise ResultsError(
            f"{folder}: the sweep is not finished (status {manifest['status']}); finish it with kemitraan run --resume"
        )
    fmt = manifest.get("format", "parquet")
    out: dict[str, Any] = {"manifest": manifest}
    for filename in manifest.get("tables", {}):
        path = folder / filename
        name = path.name.rsplit(".", 1)[0]
        if not path.is_file():
            raise ResultsError(
                f"{path}: missing; the folder is damaged (rerun the sweep with --force)"
            )
        try:
            out[name] = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
        except (
            Exception
        ) as exc:  # pyarrow and pandas raise many kinds for a damaged file
            raise ResultsError(
                f"{path}: cannot be read ({type(exc).__name__}); the folder is damaged (rerun the sweep with --force)"
            ) from None
    return out


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the results folder for one writer at a time.

    The lock is ``flock`` on ``FOLDER/.lock``: the kernel releases it when its process ends,
    however it ends (SIGKILL and power loss included), so a lock left by a killed sweep is
    never in the way of the next one; the file only records who held it last.

    Raises:
        ResultsError: Another process holds the folder.
    """
    path = folder / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ResultsError(
            f"{folder}: cannot lock the results folder ({exc.strerror or exc})"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise ResultsError(
                f"{folder}: another kemitraan process ({holder}) is writing this results folder; "
                f"wait for it to finish, or stop it, then rerun with --resume"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"pid {os.getpid()} on {platform.node()} since {now()}\n".encode(), 0
        )
        yield
    finally:
        os.close(
            fd
        )  # releases the lock; the file stays, since removing it would race with a waiting process


def now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def command_line() -> str:
    """The command that is running, for the manifest."""
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
