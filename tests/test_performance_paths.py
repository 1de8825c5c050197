"""The faster code paths of issue 16 give exactly what the plain ones give (constructed data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sim import model as model_module
from sim.mechanisms import network
from sim.parameters import KINDS
from sim.state import NO_MEMBER


def _plain_join(members: np.ndarray, kinds: np.ndarray) -> tuple[list[str], list[str]]:
    """The Python loop events() used before: str() of each real member, ';'-joined."""
    ids, names = [], []
    for row in members.tolist():
        real = [m for m in row if m != NO_MEMBER]
        ids.append(";".join(map(str, real)))
        names.append(";".join(KINDS[kinds[m]] for m in real))
    return ids, names


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(0, 40),
    width=st.integers(1, 7),
    agents=st.integers(1, 3000),
    seed=st.integers(0, 2**32 - 1),
)
def test_event_member_text_equals_the_python_join(
    rows: int, width: int, agents: int, seed: int
) -> None:
    """events()' Arrow-joined member and kind text is the Python join, as the same pandas column."""
    rng = np.random.default_rng(seed)
    members = rng.integers(0, agents, size=(rows, width))
    members[rng.random((rows, width)) < 0.4] = (
        NO_MEMBER  # padding anywhere, rows all padding too
    )
    kinds = rng.integers(0, len(KINDS), size=agents)
    ids, names = model_module._joined_members(members, members != NO_MEMBER, kinds)
    want_ids, want_names = _plain_join(members, kinds)
    assert ids.tolist() == want_ids and names.tolist() == want_names
    # The same column pandas makes of the Python strings: same dtype, same values.
    assert ids.dtype == pd.Series([*want_ids, "x"]).dtype
    assert all(type(x) is str for x in ids.tolist())


def test_parallel_tree_queries_equal_one_thread(monkeypatch) -> None:
    """A batch large enough to use every core gets the one-thread answers and a plain cKDTree's."""
    rng = np.random.default_rng(7)
    points = rng.random((6000, 8))
    queries = rng.random((network.PARALLEL_QUERIES + 100, 8))
    tree = network.SearchTree(points)
    parallel = tree.query(queries, 6)
    monkeypatch.setattr(network, "PARALLEL_QUERIES", 10**9)
    single = tree.query(queries, 6)
    assert np.array_equal(parallel, single)
    _, plain = cKDTree(points).query(queries, k=6)
    assert np.array_equal(parallel, plain)


def test_arranged_tree_queries_answer_each_row_in_place(monkeypatch) -> None:
    """A large batch searched in grid order gets every row's own answer, in the rows' order."""
    rng = np.random.default_rng(8)
    points = rng.random((6000, 8))
    queries = rng.random((network.PARALLEL_QUERIES + 100, 8))
    tree = network.SearchTree(points)
    searched: list[np.ndarray] = []
    query = tree.tree.query

    class Recording:
        def query(self, x, **kwargs):
            searched.append(x)
            return query(x, **kwargs)

    monkeypatch.setattr(tree, "tree", Recording())
    arranged = tree.query(queries, 6, arrange=True)
    _, plain = cKDTree(points).query(queries, k=6)
    assert np.array_equal(arranged, plain)
    # The rows were searched in another order, each once.
    assert not np.array_equal(searched[0], queries)
    assert np.array_equal(np.sort(searched[0], axis=0), np.sort(queries, axis=0))


@settings(max_examples=80, deadline=None)
@given(
    rows=st.integers(0, 30),
    width=st.integers(1, 7),
    agents=st.integers(1, 500),
    columns=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_group_sums_and_products_equal_the_padded_gather(
    rows: int, width: int, agents: int, columns: int, seed: int
) -> None:
    """group_sum and group_product give, bit for bit, numpy's sum and prod over the padded gather.

    ``columns`` 0 is a per-agent scalar, otherwise rows of that many columns (visions,
    endowments). Rows of width 8 or more are summed pairwise by numpy, so the widths tried
    stay below it, as the partnership table's do.
    """
    from sim import state
    from sim.state import group_product, group_sum, row_sums

    rng = np.random.default_rng(seed)
    members = rng.integers(0, agents, size=(rows, width))
    members[rng.random((rows, width)) < 0.4] = NO_MEMBER
    values = rng.random((agents, columns) if columns else agents)
    mask = members != NO_MEMBER
    where = mask if columns == 0 else mask[..., None]
    gathered = values[np.maximum(members, 0)]
    want_sum = np.where(where, gathered, 0.0).sum(axis=1)
    want_prod = np.prod(np.where(where, gathered, 1.0), axis=1)
    saved = state.COLUMNS_FROM
    try:
        for columns_from in (0, 10**9):  # column by column, and the whole gather
            state.COLUMNS_FROM = columns_from
            assert np.array_equal(group_sum(members, values), want_sum)
            assert np.array_equal(group_product(members, values), want_prod)
    finally:
        state.COLUMNS_FROM = saved
    flat = np.where(where, gathered, 0.0).reshape(rows, width * max(columns, 1))
    assert np.array_equal(row_sums(flat), flat.sum(axis=1))
