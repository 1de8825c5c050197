"""Hostile scenario documents made from the shipped scenarios: every one is valid or one clean line.

Each case takes a shipped scenario (``scenarios/*.toml`` and ``scenarios/sweeps/*.toml``), reads
it, and breaks it the way hand editing, copy-paste and malice do: numbers far beyond a float,
infinities, nesting deep enough to exhaust a recursive reader, control characters in keys and
values, huge grids, event lists and sampled designs, event multipliers that overflow a lever,
wrong types everywhere, the same through ``--set``; a ``[geography]`` of any kind with provinces
misspelt or filtered, ``geography.file`` and ``dynamics.ensemble`` pointing at missing, binary,
ragged, sparse-huge or device files (:func:`input_files`), designs over geography keys, ``[giving]``
and ``[funding]`` budgets of any size, ``scenario.history`` with any start and horizon. It then
runs ``kemitraan check`` in this process under a time limit and asserts one of two outcomes:

* valid: exit 0, nothing on stderr;
* refused: exit 2, exactly one line ``kemitraan: error: ...`` on stderr, and "valid" never printed.

In both, nothing printed holds a raw control character, and no case takes more than
``CASE_SECONDS`` of CPU time (or ``CASE_WALL_SECONDS`` on the clock, for a read that blocks).
``make test`` runs ``FUZZ_EXAMPLES`` (default 300, derandomized) cases; the long run used for
docs/reliability.md is 10,200 cases in three processes with their own seeds::

    for seed in 1 2 3; do KEMITRAAN_FUZZ_EXAMPLES=3400 nice -n 10 .venv/bin/python -m pytest -q \
        -p no:randomly tests/test_fuzz_inputs.py -s -k hostile_documents --hypothesis-seed=$seed & done; wait

each of which prints the count of each outcome at the end.
"""

from __future__ import annotations

import json
import os
import signal
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.geography import components, province_names
from sim.parameters import GEOGRAPHIES, PARAMETERS

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(
    [*ROOT.glob("scenarios/*.toml"), *ROOT.glob("scenarios/sweeps/*.toml")]
)
FUZZ_EXAMPLES = int(os.environ.get("KEMITRAAN_FUZZ_EXAMPLES", "300"))
# A case may use this much CPU (a loop that never ends burns CPU) and this much wall-clock time
# (a read that never returns burns none); CPU time, unlike the clock, does not depend on how many
# other jobs share the machine.
CASE_SECONDS = 20.0
CASE_WALL_SECONDS = 180.0
OUTCOMES: Counter[str] = Counter()


class CaseTimeout(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` in the code under test hides it."""


# --- values no serializer of Python values can write: made as TOML text --------------------


@dataclass(frozen=True)
class Raw:
    """A TOML value given as text (an integer of thousands of digits, an array nested 3,000 deep)."""

    text: str


def big_integer(digits: int, sign: str = "") -> Raw:
    return Raw(sign + "9" * digits)


def nested(depth: int, kind: str) -> Raw:
    if kind == "array":
        return Raw("[" * depth + "1" + "]" * depth)
    return Raw("{a = " * depth + "1" + "}" * depth)


def toml_key(k: str) -> str:
    return json.dumps(
        k
    )  # a JSON string is a TOML basic string, control characters escaped


def toml_val(v: Any) -> str:
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            "nan"
            if v != v
            else (
                "inf"
                if v == float("inf")
                else "-inf"
                if v == float("-inf")
                else repr(v)
            )
        )
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{"
            + ", ".join(f"{toml_key(k)} = {toml_val(x)}" for k, x in v.items())
            + "}"
        )
    return json.dumps(str(v))


def dump(doc: dict[str, Any]) -> str:
    """A document as TOML: top-level tables, arrays of tables for lists of tables."""
    lines: list[str] = []
    plain = {
        k: v
        for k, v in doc.items()
        if not isinstance(v, (dict, list))
        or (isinstance(v, list) and not all(isinstance(x, dict) for x in v))
        or v == []
    }
    for k, v in plain.items():
        lines.append(f"{toml_key(k)} = {toml_val(v)}")
    for name, body in doc.items():
        if name in plain:
            continue
        if isinstance(body, list):
            for item in body:
                lines.append(f"[[{toml_key(name)}]]")
                lines += [f"{toml_key(k)} = {toml_val(x)}" for k, x in item.items()]
            continue
        lines.append(f"[{toml_key(name)}]")
        subtables = {
            k: v
            for k, v in body.items()
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        }
        for k, v in body.items():
            if k not in subtables:
                lines.append(f"{toml_key(k)} = {toml_val(v)}")
        for k, v in subtables.items():
            for item in v:
                lines.append(f"[[{toml_key(name)}.{toml_key(k)}]]")
                lines += [f"{toml_key(kk)} = {toml_val(x)}" for kk, x in item.items()]
    return "\n".join(lines) + "\n"


# --- strategies ----------------------------------------------------------------------------

CONTROL = "".join(map(chr, range(32))) + "\x7f\x85\u2028\u2029\u202e\u200f"
hostile_text = st.text(
    alphabet=st.sampled_from(list(CONTROL) + list("ab=.[]\"'\\ é")),
    min_size=1,
    max_size=12,
)
hostile_numbers = st.one_of(
    st.integers(300, 6000).map(big_integer),
    st.integers(300, 6000).map(lambda d: big_integer(d, "-")),
    st.sampled_from(
        [
            2**63,
            2**64,
            -(2**63) - 1,
            2**1024,
            10**308,
            float("inf"),
            float("-inf"),
            float("nan"),
            1e308,
            -0.0,
            5e-324,
        ]
    ),
    st.integers(-(2**70), 2**70),
    st.floats(),
)
hostile_nesting = st.builds(
    nested, st.integers(200, 3000), st.sampled_from(["array", "table"])
)
hostile_values = st.one_of(
    hostile_numbers,
    hostile_nesting,
    hostile_text,
    st.booleans(),
    st.builds(list),
    st.builds(dict),  # fresh objects: no shared, self-nesting dict
    st.lists(st.one_of(st.integers(-5, 5), hostile_text), max_size=4),
    st.just(Raw("1979-05-27T07:32:00Z")),
)
KEYS = [(p.section, p.key) for p in PARAMETERS]

# --- input files a scenario may name (geography.file, dynamics.ensemble) ---------------------

HEADER = "area,province,life_expectancy,expected_schooling,mean_schooling,expenditure_thousand_rp"
GOOD_ROWS = ["A,P,70,13,8,11000", "B,P,68,12,7,9000", "C,Q,72,14,9,12000"]


def _bps_csv() -> str:
    """BPS's 2019 districts as a user's regions CSV (the same columns, a year column kept)."""
    d = components()
    d = d[d["level"] == "district"]
    cols = ["area", "province", "year", "life_expectancy", "expected_schooling"]
    return d[[*cols, "mean_schooling", "expenditure_thousand_rp"]].to_csv(index=False)


@cache
def input_files() -> dict[str, bytes | int]:
    """Name -> content of the files hostile documents point at (an int: a sparse file of that size)."""
    rows = "\n".join(GOOD_ROWS)
    return {
        "good.csv": (
            f"{HEADER},population_thousand\n" + "\n".join(r + ",100" for r in GOOD_ROWS)
        ).encode(),
        "districts.csv": _bps_csv().encode(),
        "header_only.csv": f"{HEADER}\n".encode(),
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 40,
        "utf16.csv": f"{HEADER}\n{rows}\n".encode("utf-16"),
        "garbage.csv": b'a,"b\n\x00,,,\n"unclosed,\r\n' * 50,
        "ragged.csv": f"{HEADER}\nA,P,70,13,8,11000,1,2,3\n".encode(),
        "big_integer.csv": f"{HEADER}\nA,P,70,13,8,{'9' * 400}\n".encode(),
        "nan.csv": f"{HEADER}\nA,P,nan,13,8,11000\nB,P,inf,13,8,-inf\n".encode(),
        "words.csv": f"{HEADER}\nA,P,seventy,13,8,11000\n".encode(),
        "control.csv": f'{HEADER}\n"\x1b[2J\u202e",P,70,13,8,11000\n'.encode(),
        "no_area.csv": f"{HEADER}\n,P,70,13,8,11000\n,P,70,13,8,11000\n".encode(),
        "twice.csv": f"{HEADER}\n{GOOD_ROWS[0]}\n{GOOD_ROWS[0]}\n".encode(),
        "missing_column.csv": b"area,life_expectancy\nA,70\n",
        "out_of_range.csv": f"{HEADER}\nA,P,700,13,8,11000\n".encode(),
        "other_year.csv": f"year,{HEADER}\n1999,A,P,70,13,8,11000\n".encode(),
        "wide.csv": (",".join(f"c{i}" for i in range(20000)) + "\n").encode(),
        "many_rows.csv": (
            f"{HEADER}\n"
            + "\n".join(f"R{i},P{i % 7},70,13,8,11000" for i in range(20000))
        ).encode(),
        "huge.csv": 65 * 2**20,  # sparse: larger than any input is allowed to be
        "ensemble.csv": b"dynamics.rate_life_expectancy\n0.001\n0.002\n",
        "ensemble_bad.csv": b"dynamics.nonsense,x\n1,2\n",
        "ensemble_inf.csv": b"dynamics.rate_life_expectancy\n1e999\n",
        "subdir.csv": -1,  # a directory
    }


INPUT_NAMES = [
    *input_files(),
    "missing.csv",
    "/dev/zero",
    "/dev/stdin",
    "a\u0000b.csv",
    "x" * 5000,
    "../" * 40 + "etc/passwd",
    "",
]


def write_input_files(folder: Path) -> None:
    """Create the input files once in the folder the hostile scenario is written to."""
    if (folder / "subdir.csv").exists():
        return  # written for an earlier case in the same folder
    for name, content in input_files().items():
        path = folder / name
        if content == -1:
            path.mkdir()
        elif isinstance(content, int):
            with path.open("wb") as fh:
                fh.truncate(content)
        else:
            path.write_bytes(content)


PROVINCES = list(province_names())
province_values = st.one_of(
    st.sampled_from(PROVINCES),
    st.sampled_from(PROVINCES).map(str.lower),
    st.sampled_from(PROVINCES).map(lambda p: p + "T"),
    st.sampled_from(["P", "Q", "JAWA", "", " PAPUA", "PAPUA\n"]),
    hostile_values,
)


@st.composite
def hostile_document(draw) -> tuple[str, list[str]]:
    """(TOML text, extra --set arguments) made by breaking one shipped scenario a few times."""
    path = draw(st.sampled_from(SHIPPED))
    doc = tomllib.loads(path.read_text())
    sets: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        how = draw(
            st.sampled_from(
                [
                    "value",
                    "key",
                    "events",
                    "multiply",
                    "design_samples",
                    "design_grid",
                    "design_ranges",
                    "design_value",
                    "set",
                    "table",
                    "huge_events",
                    "geography",
                    "geography",
                    "geography_design",
                    "giving",
                    "history",
                    "ensemble",
                ]
            )
        )
        if how == "value":
            section, key = draw(st.sampled_from(KEYS))
            doc.setdefault(section, {})
            if isinstance(doc[section], dict):
                doc[section][key] = draw(hostile_values)
        elif how == "key":
            table = draw(st.sampled_from([*doc.keys(), "scenario", draw(hostile_text)]))
            body = doc.setdefault(table, {})
            if isinstance(body, dict):
                body[draw(hostile_text)] = draw(
                    st.one_of(hostile_values, st.integers(0, 3))
                )
            else:
                doc[draw(hostile_text)] = {"x": 1}
        elif how in ("events", "multiply"):
            section, key = draw(st.sampled_from(KEYS))
            event: dict[str, Any] = {
                "year": draw(st.one_of(st.integers(2015, 2034), hostile_numbers)),
                "set": f"{section}.{key}",
            }
            if how == "multiply":
                event["multiply"] = draw(
                    st.one_of(
                        hostile_numbers, st.sampled_from([1e300, 1e308, 2.0**1000])
                    )
                )
            else:
                event["value"] = draw(hostile_values)
            if draw(st.booleans()):
                event["label"] = draw(hostile_text)
            doc.setdefault("events", [])
            if isinstance(doc["events"], list):
                doc["events"].append(event)
        elif how == "huge_events":
            n = draw(st.integers(1000, 20000))
            doc["events"] = [
                {
                    "year": 2015 + (i % 19),
                    "set": "funding.philanthropy",
                    "multiply": 1.0,
                }
                for i in range(n)
            ]
        elif how == "design_samples":
            kind = draw(st.sampled_from(["sobol", "morris", "lhs"]))
            samples = draw(
                st.sampled_from([2**30, 2**20, 4_000_000, 10**9, 10**12])
                | hostile_numbers
            )
            doc["design"] = {
                "type": kind,
                "samples": samples,
                "levels": draw(st.sampled_from([4, 10**9, 2])),
                "ranges": {
                    "funding.public_scale": [0.5, 1.5],
                    "trust.initial": [0.1, 0.9],
                    "rewards.budget": [0.0, 900.0],
                },
            }
        elif how == "design_grid":
            n = draw(st.integers(2, 40))
            k = draw(st.integers(1, 6))
            keys = [
                "trust.initial",
                "network.socialization",
                "formation.vision_threshold",
                "regulation.legal_certainty",
                "governance.honesty",
                "governance.quality",
            ][:k]
            doc["design"] = {
                "type": "factorial",
                "replications": draw(st.sampled_from([1, 20, 10**6])),
                "factors": {
                    key: [round(0.01 + 0.98 * i / n, 6) for i in range(n)]
                    for key in keys
                },
            }
        elif how == "design_ranges":
            doc["design"] = {
                "type": draw(st.sampled_from(["sobol", "morris", "lhs"])),
                "samples": 8,
                "ranges": {
                    "funding.public_scale": [
                        draw(hostile_values),
                        draw(hostile_values),
                    ],
                    "trust.initial": [0.1, 0.9],
                },
            }
        elif how == "design_value":
            design = doc.setdefault(
                "design",
                {"type": "factorial", "factors": {"trust.initial": [0.2, 0.4]}},
            )
            if isinstance(design, dict):
                where = draw(
                    st.sampled_from(
                        [
                            "type",
                            "replications",
                            "samples",
                            "levels",
                            "reference",
                            "factors",
                            "ranges",
                            "variants",
                            "factor_value",
                        ]
                    )
                )
                if where == "factor_value" and isinstance(design.get("factors"), dict):
                    design["factors"][
                        draw(
                            st.sampled_from(
                                ["trust.initial", "population.ngos", draw(hostile_text)]
                            )
                        )
                    ] = [draw(hostile_values)]
                else:
                    design[where] = draw(hostile_values)
        elif how == "set":
            section, key = draw(st.sampled_from(KEYS))
            raw = draw(hostile_values)
            sets += [
                "--set",
                f"{draw(st.sampled_from([f'{section}.{key}', draw(hostile_text)]))}={toml_val(raw)}",
            ]
        elif how == "geography":
            geo: dict[str, Any] = {
                "regions": draw(
                    st.one_of(st.sampled_from([*GEOGRAPHIES, "file"]), hostile_values)
                )
            }
            if draw(st.booleans()):
                geo["province"] = draw(province_values)
            if geo["regions"] == "file" or draw(st.integers(0, 3)) == 0:
                geo["file"] = draw(
                    st.one_of(st.sampled_from(INPUT_NAMES), hostile_values)
                )
            if draw(st.booleans()):
                doc.setdefault("scenario", {})
                if isinstance(doc["scenario"], dict):
                    doc["scenario"]["start_year"] = draw(
                        st.one_of(st.integers(2014, 2024), hostile_numbers)
                    )
            doc["geography"] = geo
        elif how == "geography_design":
            key = draw(
                st.sampled_from(
                    ["geography.province", "geography.regions", "geography.file"]
                )
            )
            values = {
                "geography.province": province_values,
                "geography.regions": st.sampled_from([*GEOGRAPHIES, "file", "x"]),
                "geography.file": st.sampled_from(INPUT_NAMES),
            }[key]
            doc["design"] = {
                "type": "factorial",
                "factors": {
                    key: draw(st.lists(values, min_size=1, max_size=6)),
                    "trust.initial": [0.2, 0.4],
                },
            }
        elif how == "giving":
            for k in draw(
                st.lists(
                    st.sampled_from(
                        [
                            p.key
                            for p in PARAMETERS
                            if p.section in ("giving", "funding")
                        ]
                    ),
                    min_size=1,
                    max_size=4,
                )
            ):
                section = next(
                    p.section
                    for p in PARAMETERS
                    if p.key == k and p.section in ("giving", "funding")
                )
                doc.setdefault(section, {})
                if isinstance(doc[section], dict):
                    doc[section][k] = draw(
                        st.one_of(
                            hostile_numbers,
                            st.floats(-1e7, 1e15),
                            st.integers(-(10**6), 10**15),
                        )
                    )
        elif how == "history":
            doc.setdefault("scenario", {})
            if isinstance(doc["scenario"], dict):
                doc["scenario"]["history"] = draw(
                    st.one_of(st.booleans(), hostile_values)
                )
                doc["scenario"]["start_year"] = draw(
                    st.one_of(st.integers(1900, 2100), hostile_numbers)
                )
                doc["scenario"]["years"] = draw(
                    st.one_of(
                        st.sampled_from([0.25, 1, 3.75, 16, 100, 1000]), hostile_numbers
                    )
                )
        elif how == "ensemble":
            doc.setdefault("dynamics", {})
            if isinstance(doc["dynamics"], dict):
                doc["dynamics"]["ensemble"] = draw(
                    st.one_of(st.sampled_from(INPUT_NAMES), hostile_values)
                )
        elif how == "table":
            doc[draw(st.sampled_from(["scenario", "design", "events", "funding"]))] = (
                draw(hostile_values)
            )
    try:
        text = dump(doc)
    except (ValueError, RecursionError):
        text = "x = 1\n"
    return text, sets


# --- the property --------------------------------------------------------------------------


def _alarm(signum, frame):
    raise CaseTimeout("CPU" if signum == signal.SIGPROF else "wall-clock")


def has_raw_control(text: str) -> bool:
    return any(
        (ord(c) < 32 and c != "\n")
        or 0x7F <= ord(c) <= 0x9F
        or c in "\u2028\u2029\u202e\u200f"
        for c in text
    )


def check_case(tmp_path: Path, capsys, text: str, sets: list[str]) -> str:
    """Run ``kemitraan check`` on one document; returns the outcome class or fails the test."""
    write_input_files(tmp_path)
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    old = signal.signal(signal.SIGALRM, _alarm)
    old_prof = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, CASE_SECONDS)
    signal.setitimer(signal.ITIMER_REAL, CASE_WALL_SECONDS)
    try:
        rc = main(["check", str(path), *sets])
    except CaseTimeout as exc:
        limit = CASE_SECONDS if exc.args[0] == "CPU" else CASE_WALL_SECONDS
        pytest.fail(
            f"hang: more than {limit} s of {exc.args[0]} time on:\n{text[:2000]}\n{sets}"
        )
    except SystemExit as exc:  # argparse's own refusals exit here
        rc = exc.code
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, old)
        signal.signal(signal.SIGPROF, old_prof)
    out = capsys.readouterr()
    assert not has_raw_control(out.err) and not has_raw_control(out.out), repr(
        out.err[:300]
    )
    if rc == 0:
        assert out.err == "" and "valid scenario" in out.out
        return "valid"
    assert rc == 2, (rc, out.err[:500])
    lines = out.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kemitraan: error: "), out.err[:2000]
    assert "valid" not in out.out
    return "refused"


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=FUZZ_EXAMPLES <= 300,
    # No explain phase: it traces every line, which multiplies a case's time many times over.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(case=hostile_document())
def test_hostile_documents_are_valid_or_one_line(tmp_path, capsys, case):
    text, sets = case
    OUTCOMES[check_case(tmp_path, capsys, text, sets)] += 1


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 3000 + "]" * 3000,
        "x = " + "{a = " * 3000 + "1" + "}" * 3000,
        "[scenario]\nseed = " + "9" * 5000 + "\n",
        "[scenario]\nyears = " + "9" * 400 + "\n",
        "[funding]\nphilanthropy = 1e309\n",
        '[[events]]\nyear = 2020\nset = "population.regions"\nmultiply = 1e300\n',
        '[[events]]\nyear = 2020\nset = "funding.philanthropy"\nmultiply = '
        + "9" * 400
        + "\n",
        '[[events]]\nyear = 2020\nset = "network.candidates"\nmultiply = 1e308\n',
        "[[events]]\nyear = "
        + "9" * 400
        + '\nset = "funding.philanthropy"\nmultiply = 2\n',
        '[design]\ntype = "sobol"\nsamples = 1073741824\n[design.ranges]\n"trust.initial" = [0.1, 0.9]\n"funding.public_scale" = [0.5, 1.5]\n',
        '[design]\ntype = "morris"\nsamples = 4000000\n[design.ranges]\n"trust.initial" = [0.1, 0.9]\n',
        '[design]\ntype = "lhs"\nsamples = 1000000000\n[design.ranges]\n"trust.initial" = [0.1, 0.9]\n',
        '[design]\ntype = "lhs"\nsamples = 8\n[design.ranges]\n"trust.initial" = [0.1, '
        + "9" * 400
        + "]\n",
        '[design.factors]\n"trust.initial" = [' + "9" * 400 + "]\n",
        '["\\u001b[2J"]\nx = 1\n',
        '[scenario]\n"\\u001b[2J\\nfake line" = 1\n',
        '[scenario]\nindex = "\\u001b]0;owned\\u0007"\n',
        '[scenario]\ndescription = "\\u001b[2J cleared \\u202e"\n',
    ],
    ids=lambda t: t[:40],
)
def test_known_hostile_inputs(tmp_path, capsys, text):
    check_case(tmp_path, capsys, text, [])


@pytest.mark.parametrize(
    "item",
    [
        "scenario.seed=" + "9" * 5000,
        "funding.philanthropy=" + "[" * 3000,
        "funding.philanthropy=1e999",
        "funding.philanthropy=" + "9" * 400,
        "\x1b[2J=1",
        "scenario.description=\x1b[2J",
        "no-equals-sign",
    ],
)
def test_hostile_set(tmp_path, capsys, item):
    check_case(
        tmp_path,
        capsys,
        (ROOT / "scenarios" / "baseline.toml").read_text(),
        ["--set", item],
    )


@pytest.mark.parametrize("key", ["geography.file", "dynamics.ensemble"])
@pytest.mark.parametrize("name", INPUT_NAMES, ids=lambda n: n[:30])
def test_hostile_input_files(tmp_path, capsys, key, name):
    section, field = key.split(".")
    doc: dict[str, Any] = {"scenario": {"start_year": 2019}, section: {field: name}}
    if section == "geography":
        doc["geography"]["regions"] = "file"
    outcome = check_case(tmp_path, capsys, dump(doc), [])
    # Only a regions CSV in BPS's columns (or an ensemble of dynamics.* columns) is accepted.
    good = {"geography.file": ("good.csv", "districts.csv", "many_rows.csv")}.get(
        key,
        ("ensemble.csv", ""),  # an empty ensemble is the default: none
    )
    assert outcome == ("valid" if name in good else "refused"), name


@pytest.mark.parametrize(
    "geography, outcome",
    [
        ({"regions": "districts", "province": "PAPUA"}, "valid"),
        ({"regions": "districts", "province": "PAPUAA"}, "refused"),
        ({"regions": "provinces", "province": "jawa barat"}, "refused"),
        ({"regions": "synthetic", "province": "ACEH"}, "refused"),
        ({"regions": "file", "file": "good.csv", "province": "Q"}, "valid"),
        ({"regions": "file", "file": "good.csv", "province": "ACEH"}, "refused"),
        ({"regions": "file", "file": "districts.csv", "province": "ACEH"}, "valid"),
        ({"regions": "file"}, "refused"),
    ],
    ids=str,
)
def test_geography_choices(tmp_path, capsys, geography, outcome):
    text = dump({"scenario": {"start_year": 2019}, "geography": geography})
    assert check_case(tmp_path, capsys, text, []) == outcome


def test_million_point_grid_is_checked_from_its_description(tmp_path, capsys):
    axes = {
        k: [round(0.05 + 0.09 * i, 2) for i in range(10)]
        for k in (
            "trust.initial",
            "network.socialization",
            "formation.vision_threshold",
            "regulation.legal_certainty",
            "governance.honesty",
            "governance.quality",
        )
    }
    text = (ROOT / "scenarios" / "baseline.toml").read_text() + dump(
        {"design": {"type": "factorial", "factors": axes}}
    )
    assert (
        check_case(tmp_path, capsys, text, []) == "valid"
    )  # 10^6 points, well within CASE_SECONDS


def teardown_module(module):
    if OUTCOMES:
        print(
            f"\nhostile documents: {sum(OUTCOMES.values())} cases, {dict(OUTCOMES)}; no traceback, no hang"
        )
