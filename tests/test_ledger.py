"""The money ledger: conservation, overspending, and the government's share of spending."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ledger import ACCOUNTS, CATEGORIES, GOVERNMENT, Ledger, LedgerError


def test_credit_spend_transfer_lapse_balance() -> None:
    led = Ledger()
    led.credit("donors", 100.0)
    led.transfer("donors", "trust_fund", 30.0)
    led.spend("donors", "grants", 50.0)
    led.lapse("donors")
    led.spend("trust_fund", "grants", 10.0)
    assert led.balance["donors"] == 0.0 and led.lapsed["donors"] == 20.0
    assert led.balance["trust_fund"] == 20.0
    assert (
        led.spent[("donors", "grants")] == 50.0
        and led.spent[("trust_fund", "grants")] == 10.0
    )
    led.check()


def test_conservation_check_catches_money_created() -> None:
    led = Ledger()
    led.credit("central", 10.0)
    led.balance["central"] += 5.0  # money from nowhere
    with pytest.raises(LedgerError, match="not conserved in central"):
        led.check()


def test_conservation_check_catches_money_destroyed() -> None:
    led = Ledger()
    led.credit("regional", 10.0)
    led.spend("regional", "programmes", 4.0)
    led.spent[("regional", "programmes")] -= 1.0  # a spend that left no record
    with pytest.raises(LedgerError, match="not conserved in regional"):
        led.check()


def test_check_catches_negative_balance() -> None:
    led = Ledger()
    led.balance["rewards"] = -1.0
    led.inflow["rewards"] = -1.0  # conserved, but negative
    with pytest.raises(LedgerError, match="negative balance"):
        led.check()


def test_overspending_raises() -> None:
    led = Ledger()
    led.credit("central", 10.0)
    with pytest.raises(LedgerError, match="cannot spend"):
        led.spend("central", "programmes", 10.5)
    with pytest.raises(LedgerError, match="cannot transfer"):
        led.transfer("central", "rewards", 11.0)
    led.spend("central", "programmes", 10.0 + 1e-9)  # within the tolerance
    assert led.balance["central"] == 0.0
    led.check()


@pytest.mark.parametrize("amount", [-1.0, math.nan])
def test_negative_or_nan_amounts_raise(amount: float) -> None:
    led = Ledger()
    led.credit("central", 5.0)
    for op in (
        lambda: led.credit("central", amount),
        lambda: led.spend("central", "programmes", amount),
        lambda: led.transfer("central", "regional", amount),
        lambda: led.lapse("central", amount),
        lambda: led.record_volunteer_value(amount),
        lambda: led.record_tax_expenditure(amount),
    ):
        with pytest.raises(LedgerError):
            op()


def test_lapse_part_and_all() -> None:
    led = Ledger()
    led.credit("rewards", 10.0)
    led.lapse("rewards", 3.0)
    assert led.balance["rewards"] == 7.0
    led.lapse("rewards", 100.0)  # never more than the balance
    assert led.balance["rewards"] == 0.0 and led.lapsed["rewards"] == 10.0
    led.check()


def test_government_share_arithmetic() -> None:
    led = Ledger()
    led.credit("central", 60.0)
    led.spend("central", "programmes", 60.0)
    led.credit("rewards", 10.0)
    led.spend("rewards", "rewards", 10.0)
    led.credit("donors", 20.0)
    led.spend("donors", "grants", 20.0)
    led.credit("community", 5.0)
    led.spend("community", "contributions", 5.0)
    led.record_volunteer_value(5.0)
    assert led.government_share() == pytest.approx(70.0 / 100.0)
    by = led.spending_by_source()
    assert by["volunteer_labour"] == 5.0 and by["donors"] == 20.0


def test_tax_expenditure_moves_burden_from_community_to_government() -> None:
    led = Ledger()
    led.credit("community", 50.0)
    led.spend("community", "contributions", 50.0)
    led.credit("central", 50.0)
    led.spend("central", "programmes", 50.0)
    led.record_tax_expenditure(10.0)
    by = led.spending_by_source()
    assert by["central"] == 60.0 and by["community"] == 40.0
    assert led.government_share() == pytest.approx(0.6)


def test_government_share_zero_without_spending() -> None:
    led = Ledger()
    assert led.government_share() == 0.0
    led.credit("central", 10.0)
    led.lapse("central")
    assert led.government_share() == 0.0


def test_step_flows_reset_but_totals_accumulate() -> None:
    led = Ledger()
    led.credit("central", 10.0)
    led.spend("central", "programmes", 10.0)
    led.record_volunteer_value(2.0)
    led.new_step()
    led.credit("donors", 4.0)
    led.spend("donors", "grants", 4.0)
    assert led.spending_by_source(step=True)["central"] == 0.0
    assert led.spending_by_source(step=False)["central"] == 10.0
    assert led.spending_by_source(step=True)["volunteer_labour"] == 0.0
    assert led.government_share(step=True) == 0.0
    assert led.government_share(step=False) == pytest.approx(10.0 / 16.0)


def test_government_accounts() -> None:
    assert {"central", "regional", "rewards"} == GOVERNMENT
    assert set(ACCOUNTS) >= GOVERNMENT


# --- random operation sequences ---------------------------------------------------------------

account = st.sampled_from(ACCOUNTS)
operation = st.one_of(
    st.tuples(st.just("credit"), account, st.floats(0, 1e6)),
    st.tuples(
        st.just("spend"), account, st.sampled_from(CATEGORIES), st.floats(0, 1.2)
    ),
    st.tuples(st.just("transfer"), account, account, st.floats(0, 1.2)),
    st.tuples(st.just("lapse"), account, st.floats(0, 1.2)),
    st.tuples(st.just("volunteer"), st.floats(0, 1e4)),
    st.tuples(st.just("tax"), st.floats(0, 1e3)),
    st.tuples(st.just("new_step")),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, max_size=60))
def test_random_operations_conserve_money(ops) -> None:
    """Shares above 1 of a balance must raise and change nothing; everything else conserves money."""
    led = Ledger()
    spent_total = 0.0
    for op in ops:
        kind = op[0]
        if kind == "credit":
            led.credit(op[1], op[2])
        elif kind == "spend":
            amount = op[3] * led.balance[op[1]]
            if op[3] > 1.0 + 1e-6 and amount > 1e-6:
                before = dict(led.balance)
                with pytest.raises(LedgerError):
                    led.spend(op[1], op[2], amount)
                assert led.balance == before
            else:
                amount = min(amount, led.balance[op[1]])
                led.spend(op[1], op[2], amount)
                spent_total += amount
        elif kind == "transfer":
            amount = op[3] * led.balance[op[1]]
            if op[3] > 1.0 + 1e-6 and amount > 1e-6:
                with pytest.raises(LedgerError):
                    led.transfer(op[1], op[2], amount)
            else:
                led.transfer(op[1], op[2], min(amount, led.balance[op[1]]))
        elif kind == "lapse":
            led.lapse(op[1], op[2] * led.balance[op[1]])
        elif kind == "volunteer":
            led.record_volunteer_value(op[1])
        elif kind == "tax":
            led.record_tax_expenditure(op[1])
        else:
            led.new_step()
        led.check()
        assert all(b >= 0 for b in led.balance.values())
    inflow = sum(led.inflow.values())
    out = sum(led.spent.values()) + sum(led.lapsed.values()) + sum(led.balance.values())
    assert out == pytest.approx(inflow, rel=1e-9, abs=1e-6)
    assert sum(led.spent.values()) == pytest.approx(spent_total, rel=1e-9, abs=1e-9)
    assert sum(led.transfers_in.values()) == pytest.approx(
        sum(led.transfers_out.values()), rel=1e-12, abs=1e-12
    )
    if led.tax_expenditure == 0.0:
        assert 0.0 <= led.government_share(step=False) <= 1.0 + 1e-12
