"""Array state: the tie table, member pairs, the partnership table, the drawn community."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.state as state
from sim.parameters import KINDS, RESOURCES
from sim.state import (
    NO_MEMBER,
    PartnershipTable,
    RegionState,
    TieTable,
    member_pairs,
    new_community,
    pair_keys,
)

X = NO_MEMBER


def table(n: int, pairs: list[tuple[int, int]], trust: float = 0.3) -> TieTable:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    return TieTable.from_pairs(n, a, b, trust, True)


# --- pair keys and the tie table ------------------------------------------------------------


def test_pair_keys_are_order_free() -> None:
    a, b = np.array([1, 4, 2]), np.array([4, 1, 2])
    assert pair_keys(a, b, 10).tolist() == [14, 14, 22]


def test_from_pairs_drops_self_ties_and_duplicates() -> None:
    t = table(5, [(0, 1), (1, 0), (2, 2), (3, 4), (0, 1), (4, 3)])
    assert t.keys.tolist() == [1, 19]
    assert t.trust.tolist() == [0.3, 0.3] and t.forum.tolist() == [True, True]
    i, j = t.endpoints()
    assert i.tolist() == [0, 3] and j.tolist() == [1, 4]


def test_find() -> None:
    t = table(5, [(0, 1), (2, 3), (3, 4)])
    pos, found = t.find(pair_keys(np.array([3, 1, 4, 0]), np.array([2, 2, 3, 4]), 5))
    assert found.tolist() == [True, False, True, False]
    assert t.keys[pos[found]].tolist() == [13, 19]
    empty = table(5, [])
    pos, found = empty.find(np.array([1, 2]))
    assert not found.any() and pos.shape == (2,)


def test_ensure_adds_only_new_ties_and_keeps_order() -> None:
    t = table(6, [(0, 5), (2, 3)], trust=0.3)
    t.trust[:] = [0.9, 0.8]
    t.ensure(pair_keys(np.array([3, 1, 1, 0]), np.array([2, 4, 4, 1]), 6), 0.1)
    assert t.keys.tolist() == [1, 5, 10, 15]  # 0-1, 0-5, 1-4, 2-3
    assert t.trust.tolist() == [0.1, 0.9, 0.1, 0.8]  # existing ties keep their trust
    assert t.forum.tolist() == [
        False,
        True,
        False,
        True,
    ]  # ties made by working together are not forum ties
    t.ensure(np.array([5]), 0.5)
    assert t.keys.tolist() == [1, 5, 10, 15]


def test_drop() -> None:
    t = table(6, [(0, 1), (0, 5), (2, 3)])
    t.drop(np.array([False, True, False]))
    assert (
        t.keys.tolist() == [1, 15] and t.trust.shape == (2,) and t.forum.shape == (2,)
    )


def test_adjacency_hand_example() -> None:
    t = table(5, [(0, 1), (0, 2), (2, 3)])
    indptr, nb = t.adjacency()
    assert indptr.tolist() == [0, 2, 3, 5, 6, 6]
    assert sorted(nb[indptr[0] : indptr[1]].tolist()) == [1, 2]
    assert nb[indptr[1] : indptr[2]].tolist() == [0]
    assert sorted(nb[indptr[2] : indptr[3]].tolist()) == [0, 3]
    assert nb[indptr[3] : indptr[4]].tolist() == [2]
    assert indptr[4] == indptr[5]  # agent 4 has no ties


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(2, 30),
    ops=st.lists(
        st.one_of(
            st.tuples(
                st.just("ensure"),
                st.lists(
                    st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=10
                ),
                st.floats(0, 1),
            ),
            st.tuples(st.just("drop"), st.lists(st.booleans(), max_size=60)),
        ),
        max_size=25,
    ),
)
def test_tie_table_stays_sorted_unique_and_consistent(n: int, ops) -> None:
    t = table(n, [])
    model: dict[int, tuple[float, bool]] = {}
    for op in ops:
        if op[0] == "ensure":
            pairs = [(a % n, b % n) for a, b in op[1] if a % n != b % n]
            keys = pair_keys(
                np.array([p[0] for p in pairs], dtype=np.int64),
                np.array([p[1] for p in pairs], dtype=np.int64),
                n,
            )
            t.ensure(keys, op[2])
            for k in keys.tolist():
                model.setdefault(k, (op[2], False))
        else:
            mask = np.zeros(t.keys.shape[0], dtype=bool)
            flags = op[1][: t.keys.shape[0]]
            mask[: len(flags)] = flags
            for k in t.keys[mask].tolist():
                del model[k]
            t.drop(mask)
        assert np.all(np.diff(t.keys) > 0)
        assert t.keys.tolist() == sorted(model)
        assert t.trust.tolist() == [model[k][0] for k in sorted(model)]
        assert t.trust.shape == t.forum.shape == t.keys.shape
        i, j = t.endpoints()
        assert np.all(i < j) and np.all(j < n)
        indptr, nb = t.adjacency()
        assert indptr[-1] == nb.shape[0] == 2 * t.keys.shape[0]
        for agent in range(n):
            mine = set(nb[indptr[agent] : indptr[agent + 1]].tolist())
            assert mine == {int(j[x]) for x in np.flatnonzero(i == agent)} | {
                int(i[x]) for x in np.flatnonzero(j == agent)
            }


def reference_adjacency(t: TieTable) -> tuple[list[int], list[int]]:
    """Neighbour lists from scratch: each agent's higher-numbered neighbours ascending, then its lower ones."""
    i, j = t.keys // t.n, t.keys % t.n
    lists = [
        sorted(j[i == a].tolist()) + sorted(i[j == a].tolist()) for a in range(t.n)
    ]
    return [0, *np.cumsum([len(x) for x in lists]).tolist()], [
        b for x in lists for b in x
    ]


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(2, 25),
    forum=st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=40),
    ops=st.lists(
        st.one_of(
            st.tuples(
                st.just("ensure"),
                st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=8),
            ),
            st.tuples(st.just("drop"), st.lists(st.booleans(), max_size=60)),
            st.tuples(
                st.just("replace"),
                st.lists(st.tuples(st.integers(0, 24), st.integers(0, 24)), max_size=8),
            ),
        ),
        max_size=20,
    ),
)
def test_incremental_adjacency_equals_lists_from_scratch(n: int, forum, ops) -> None:
    """Lists laid out once and then followed through every change: the same lists, in the same order."""
    adjacency_after(n, forum, ops)
    adjacency_after(n, forum, ops, every=False)


def adjacency_after(n: int, forum, ops, every: bool = True) -> None:
    """Apply ``ops`` and check the lists: after each op, or only at the end (``every`` false).

    With ``every`` false the lists are laid out first and then followed through every change.
    """
    t = table(n, [(a % n, b % n) for a, b in forum])
    if not every:
        t.adjacency()
        t.endpoint_labels(LABELS[n])
    for op in ops:
        pairs = [(a % n, b % n) for a, b in op[1]] if op[0] != "drop" else []
        keys = pair_keys(
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
            n,
        )
        if op[0] == "ensure":
            wanted = keys[[a != b for a, b in pairs]] if pairs else keys
            at = t.ensure(wanted, 0.2)
            assert t.keys[at].tolist() == sorted(set(wanted.tolist()))
        elif (
            op[0] == "drop"
        ):  # forum ties included: the forum part must then be laid out again
            mask = np.zeros(t.keys.shape[0], dtype=bool)
            mask[: len(op[1][: t.keys.shape[0]])] = op[1][: t.keys.shape[0]]
            t.drop(mask)
        else:  # a table replaced from outside: nothing derived may survive
            fresh = table(n, [p for p in pairs if p[0] != p[1]])
            t.keys, t.trust, t.forum = fresh.keys, fresh.trust, fresh.forum
        if every:
            check_lists(t, n)
    check_lists(t, n)


LABELS = {}
for _n in range(2, 26):
    LABELS[_n] = np.arange(_n) % 3  # a fixed label per agent, such as its home region
    LABELS[_n].flags.writeable = False


def check_lists(t: TieTable, n: int) -> None:
    li, lj = t.endpoint_labels(LABELS[n])
    assert np.array_equal(li, LABELS[n][t.keys // n])
    assert np.array_equal(lj, LABELS[n][t.keys % n])
    indptr, nb = t.adjacency()
    want_ptr, want_nb = reference_adjacency(t)
    assert indptr.tolist() == want_ptr and nb.tolist() == want_nb
    # The entries' keys kept beside the lists (their binary search) follow them too.
    agent = np.repeat(np.arange(n), np.diff(indptr))
    listed = agent * (2 * n) + np.where(nb > agent, nb, n + nb)
    assert t._adjacency[2].tolist() == listed.tolist() == sorted(listed.tolist())
    at = np.arange(nb.shape[0])[::-1]
    assert np.array_equal(t.neighbours_at(at), nb[at])
    assert np.array_equal(t.list_starts(), indptr)
    i, j = t.endpoints()
    assert np.array_equal(i, t.keys // n) and np.array_equal(j, t.keys % n)


def test_adjacency_is_renewed_when_ties_change() -> None:
    t = table(4, [(0, 1)])
    indptr, _ = t.adjacency()
    assert indptr.tolist() == [0, 1, 2, 2, 2]
    t.ensure(np.array([pair_keys(np.array([2]), np.array([3]), 4)[0]]), 0.1)
    indptr, nb = t.adjacency()
    assert indptr.tolist() == [0, 1, 2, 3, 4] and nb.tolist() == [1, 0, 3, 2]
    t.drop(np.array([True, False]))
    indptr, nb = t.adjacency()
    assert indptr.tolist() == [0, 0, 0, 1, 2] and nb.tolist() == [3, 2]


# --- integer helpers (where the module has them) ---------------------------------------------------


@pytest.mark.skipif(
    not hasattr(state, "sorted_unique"), reason="no sorted_unique in sim.state"
)
@given(st.lists(st.integers(-5, 10**6), max_size=60))
def test_sorted_unique_equals_numpy_unique(values) -> None:
    x = np.array(values, dtype=np.int64)
    assert np.array_equal(state.sorted_unique(x), np.unique(x))


@pytest.mark.skipif(
    not hasattr(state, "first_occurrences"), reason="no first_occurrences in sim.state"
)
@given(
    st.lists(st.integers(0, 50), max_size=80)
    | st.lists(st.integers(0, 2**40), max_size=20)
)
def test_first_occurrences_equals_numpy(values) -> None:
    x = np.array(values, dtype=np.int64)
    want = (
        np.sort(np.unique(x, return_index=True)[1])
        if x.shape[0]
        else np.zeros(0, np.int64)
    )
    assert np.array_equal(state.first_occurrences(x), want)


# --- member pairs ---------------------------------------------------------------------------


def test_member_pairs_hand_example() -> None:
    members = np.array([[3, 5, X, X], [0, 1, 2, X], [7, X, X, X]])
    rows, a, b = member_pairs(members)
    # By row, then column pairs in np.triu_indices order: sums over a row's pairs (the mean
    # trust of a partnership) add in this order.
    got = list(zip(rows.tolist(), a.tolist(), b.tolist(), strict=True))
    assert got == [(0, 3, 5), (1, 0, 1), (1, 0, 2), (1, 1, 2)]
    for empty in (np.zeros((0, 4), np.int64), np.array([[3], [X]])):
        rows, a, b = member_pairs(empty)
        assert rows.shape == a.shape == b.shape == (0,)


@given(st.lists(st.integers(2, 6), min_size=1, max_size=10))
def test_member_pairs_counts(sizes) -> None:
    width = 6
    members = np.full((len(sizes), width), X)
    for r, s in enumerate(sizes):
        members[r, :s] = np.arange(s) + 10 * r
    rows, a, b = member_pairs(members)
    assert np.array_equal(
        np.bincount(rows, minlength=len(sizes)), [s * (s - 1) // 2 for s in sizes]
    )
    assert np.all(a != b) and np.all(a // 10 == rows) and np.all(b // 10 == rows)


# --- the partnership table -------------------------------------------------------------------


def test_partnership_table_add_and_grow_past_64_rows() -> None:
    t = PartnershipTable(width=3)
    assert t.active.shape[0] == 64 and t.count == 0
    for chunk in range(7):  # 7 x 20 = 140 rows, two reallocations
        k = 20
        members = np.full((k, 3), X)
        members[:, 0] = np.arange(k) + 100 * chunk
        members[:, 1] = np.arange(k) + 100 * chunk + 50
        members[::2, 2] = 7
        ids = t.add(
            members,
            np.full(k, chunk % 4),
            np.full(k, chunk),
            chunk,
            np.full(k, 10 + chunk),
            np.full(k, 0.5),
        )
        assert ids.tolist() == list(range(20 * chunk, 20 * chunk + k))
        t.score[ids] = chunk / 10
        t.net_benefit[ids, 0] = -chunk
    assert t.count == 140 and t.active.shape[0] >= 140
    assert t.members.shape[1] == 3
    for chunk in range(7):
        rows = np.arange(20 * chunk, 20 * chunk + 20)
        assert t.members[rows, 0].tolist() == (np.arange(20) + 100 * chunk).tolist()
        assert t.size[rows].tolist() == [3, 2] * 10
        assert (
            np.all(t.region[rows] == chunk)
            and np.all(t.formed[rows] == chunk)
            and np.all(t.term[rows] == 10 + chunk)
        )
        assert np.all(t.score[rows] == chunk / 10) and np.all(
            t.net_benefit[rows, 0] == -chunk
        )
    assert np.all(t.end[:140] == -1) and np.all(t.reason[:140] == -1)
    assert np.all(t.members[140:] == X) and not t.active[140:].any()
    assert t.active_ids().tolist() == list(range(140))
    t.close(np.array([3, 77]), 5, np.array([1, 2]))
    assert (
        3 not in t.active_ids()
        and 77 not in t.active_ids()
        and t.active_ids().shape[0] == 138
    )
    assert t.end[[3, 77]].tolist() == [5, 5] and t.reason[[3, 77]].tolist() == [1, 2]


def test_active_ids_follow_every_change() -> None:
    """The kept active ids are renewed by add and close; active cannot be written behind them."""
    t = PartnershipTable(width=2)

    def add_three(step: int) -> None:
        ones, zeros = np.ones(3, np.int64), np.zeros(3, np.int64)
        t.add(np.array([[0, 1], [2, 3], [4, 5]]), zeros, zeros, step, ones, np.zeros(3))

    add_three(0)
    first = t.active_ids()
    assert first.tolist() == [0, 1, 2] and t.active_ids() is first
    with pytest.raises(ValueError):
        first[0] = 7  # the ids given out are read only
    with pytest.raises(ValueError):
        t.active[1] = False  # partnerships end through close
    t.close(np.array([1]), 3, np.array([0]))
    assert t.active_ids().tolist() == [0, 2]
    # Past the first 64 rows the table grows and active is laid out again.
    for _ in range(40):
        add_three(1)
    assert t.active_ids().tolist() == [0, *range(2, 123)]
    # An active array put in place from outside that can be written is read on every call.
    t.active = t.active.copy()
    t.active[0] = False
    assert t.active_ids()[0] == 2
    t.active[2] = False
    assert t.active_ids()[0] == 3


def test_partnership_table_add_many_at_once() -> None:
    t = PartnershipTable(width=2)
    members = np.column_stack([np.arange(300), np.arange(300) + 1000])
    ids = t.add(
        members,
        np.zeros(300, np.int64),
        np.zeros(300, np.int64),
        0,
        np.ones(300, np.int64),
        np.zeros(300),
    )
    assert ids.shape[0] == 300 and t.count == 300 and np.all(t.size[:300] == 2)


# --- the drawn community and regions -----------------------------------------------------------


def test_new_community_shapes_and_ranges() -> None:
    counts = {
        "community_group": 40,
        "ngo": 10,
        "religious_body": 12,
        "business": 15,
        "university": 3,
    }
    c = new_community(
        np.random.default_rng(0), counts, np.array([4e6, 3e6, 2e6, 1e6]), 3
    )
    assert c.n == 80
    assert np.bincount(c.kind, minlength=len(KINDS)).tolist() == [40, 10, 12, 15, 3]
    assert (
        c.vision.shape == (80, 4)
        and np.allclose(c.vision.sum(axis=1), 1.0)
        and np.all(c.vision >= 0)
    )
    assert c.endowment.shape == (80, len(RESOURCES)) and np.all(
        (c.endowment >= 0.02) & (c.endowment <= 1)
    )
    assert np.allclose(c.need, 1 - c.endowment)
    assert np.all(c.funds > 0) and np.all((c.capacity >= 0.05) & (c.capacity <= 0.95))
    assert np.all((c.motivation >= 0.05) & (c.motivation <= 0.95)) and np.all(
        (c.volunteer >= 0) & (c.volunteer <= 1)
    )
    assert (
        np.array_equal(c.volunteer, c.volunteer_base)
        and c.volunteer is not c.volunteer_base
    )
    assert (
        np.all(c.cap == 3) and np.all(c.memberships == 0) and np.all(c.experience == 0)
    )
    assert set(np.unique(c.region).tolist()) <= {0, 1, 2, 3}


def test_agents_split_over_regions_by_population_with_the_national_mix() -> None:
    from sim.state import allocate_agents

    counts = {
        "community_group": 52,
        "ngo": 10,
        "religious_body": 16,
        "business": 19,
        "university": 3,
    }
    table = allocate_agents(counts, np.array([6e6, 3e6, 1e6, 1e4]), min_per_region=4)
    assert table.sum(axis=0).tolist() == [
        52,
        10,
        16,
        19,
        3,
    ]  # the kind totals are exact
    per_region = table.sum(axis=1)
    assert per_region.min() >= 4 and per_region[0] > per_region[1] > per_region[2]
    assert table[0, 0] > table[0, 3] > table[0, 4]  # the national mix within a region


def test_people_and_organisations_add_up_to_the_population() -> None:
    counts = {
        "community_group": 40,
        "ngo": 10,
        "religious_body": 12,
        "business": 15,
        "university": 3,
    }
    pop = np.array([4e6, 3e6, 2e6, 1e6])
    c = new_community(
        np.random.default_rng(0), counts, pop, 3, people_per_organisation=500.0
    )
    assert c.people.sum() == pytest.approx(pop.sum())
    assert np.bincount(c.region, weights=c.people).tolist() == pytest.approx(
        pop.tolist()
    )
    assert np.allclose(c.organisations, c.people / 500.0)


def test_kind_profiles_show_in_the_draws() -> None:
    counts = dict.fromkeys(KINDS, 400)
    c = new_community(np.random.default_rng(1), counts, np.ones(1) * 1e6, 3)
    business, group = KINDS.index("business"), KINDS.index("community_group")
    funds_res, labour_res = RESOURCES.index("funds"), RESOURCES.index("labour")
    assert (
        c.endowment[c.kind == business, funds_res].mean()
        > c.endowment[c.kind == group, funds_res].mean() + 0.5
    )
    assert (
        c.endowment[c.kind == group, labour_res].mean()
        > c.endowment[c.kind == business, labour_res].mean() + 0.4
    )
    # Money comes from [giving]: a kind's giving per person over its agents (businesses 50,000, groups 30,000).
    assert c.funds[c.kind == business].sum() == pytest.approx(50_000 * 1e6 / 4)
    assert c.funds[c.kind == group].sum() == pytest.approx(30_000 * 1e6 / 4)


def test_region_state_weights_and_national() -> None:
    r = RegionState(
        population=np.array([2.0, 6.0]),
        life_expectancy=np.array([60.0, 70.0]),
        expected_schooling=np.array([10.0, 12.0]),
        mean_schooling=np.array([6.0, 8.0]),
        income=np.array([1e6, 1e7]),
    )
    assert r.n == 2 and r.weights.tolist() == [0.25, 0.75]
    le, eys, mys, income = r.national()
    assert (le, eys, mys) == pytest.approx((67.5, 11.5, 7.5))
    assert income == pytest.approx(
        0.25 * 1e6 + 0.75 * 1e7
    )  # a mean per person: arithmetic


# --- rows of a community, and what is derived once a run ----------------------------------------


def small_community(n: int = 30, seed: int = 3):
    counts = {
        "community_group": n - 12,
        "ngo": 3,
        "religious_body": 3,
        "business": 4,
        "university": 2,
    }
    return new_community(np.random.default_rng(seed), counts, np.array([5e6, 5e6]), 3)


def test_take_gathers_every_per_agent_array() -> None:
    c = small_community()
    rows = np.array([4, 0, 4, 29, 7])
    part = c.take(rows)
    assert part.n == 5
    for f in (
        "kind",
        "region",
        "vision",
        "endowment",
        "funds",
        "capacity",
        "motivation",
        "volunteer",
        "volunteer_base",
        "cap",
        "memberships",
        "experience",
    ):
        assert np.array_equal(getattr(part, f), getattr(c, f)[rows])
    assert np.array_equal(part.need, c.need[rows])


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.integers(0, 29), min_size=1, max_size=50),
    extra=st.integers(0, 3),
    enabled=st.booleans(),
)
def test_member_inputs_of_some_rows_equal_those_rows_of_all(
    rows, extra: int, enabled: bool
) -> None:
    """Formation computes member inputs for the members only: the numbers must be those of the whole community."""
    from sim.mechanisms.operation import member_inputs
    from sim.scenario import defaults

    params = {s: dict(v) for s, v in defaults().values.items()}
    params["gotong_royong"]["enabled"] = enabled
    c = small_community()
    c.memberships[:] = np.arange(30) % 3
    idx = np.array(rows)
    split = c.memberships + extra
    whole = member_inputs(c, params, split)
    part = member_inputs(c.take(idx), params, split[idx])
    for a, b in zip(whole, part, strict=True):
        assert np.array_equal(a[idx], b)


def test_visions_and_endowments_are_read_only_and_derived_values_kept() -> None:
    c = small_community()
    assert not c.vision.flags.writeable and not c.endowment.flags.writeable
    calls = []
    first = c.derived("x", lambda: calls.append(1) or c.vision.sum(axis=1), c.vision)
    again = c.derived("x", lambda: calls.append(1) or c.vision.sum(axis=1), c.vision)
    assert first is again and len(calls) == 1 and not first.flags.writeable
    c.vision = c.vision.copy()  # replaced (and writable): computed afresh, every time
    c.derived("x", lambda: calls.append(1) or c.vision.sum(axis=1), c.vision)
    c.derived("x", lambda: calls.append(1) or c.vision.sum(axis=1), c.vision)
    assert len(calls) == 3


def test_matches_searched_when_the_model_is_built_equal_a_fresh_search() -> None:
    """Every agent's best matches, searched once a run (network.prepare_search), are a plain cKDTree's answers."""
    from scipy.spatial import cKDTree

    from sim.mechanisms import network
    from sim.scenario import defaults

    params = {s: dict(v) for s, v in defaults().values.items()}
    c = small_community(200, seed=5)
    network.prepare_search(c, params)
    k, w = (
        params["network"]["candidates"] + 1,
        params["formation"]["complementarity_weight"],
    )
    memo = network.community_matches(c, k, w)
    assert memo.known.shape == (200,) and memo.known.all()
    points, queries = network.search_features(c, w)
    _, want = cKDTree(points).query(queries, k=k)
    assert np.array_equal(memo.nearest_rows(np.arange(200)), want)
    assert network.community_matches(c, k, w) is memo  # kept for the run


def test_crossing_time_interpolates_within_the_quarter() -> None:
    """Time to target is placed inside the quarter the index crossed it in."""
    from sim.model import crossing_time

    assert crossing_time(4, 70.0, 72.0, 71.0) == pytest.approx((3 + 0.5) / 4)
    assert crossing_time(4, 70.0, 72.0, 72.0) == pytest.approx(1.0)
    assert crossing_time(1, 69.0, 75.0, 70.0) == pytest.approx(1 / 24)
    # A quarter starting at or above the target counts whole.
    assert crossing_time(3, 71.5, 71.2, 71.0) == pytest.approx(0.75)


def test_endpoint_labels_of_a_writable_array_are_never_kept() -> None:
    t = table(4, [(0, 1), (2, 3)])
    labels = np.array([0, 0, 1, 1])
    assert [x.tolist() for x in t.endpoint_labels(labels)] == [[0, 1], [0, 1]]
    labels[3] = 2  # changed in place: the next call must see it
    assert [x.tolist() for x in t.endpoint_labels(labels)] == [[0, 1], [0, 2]]
