"""Money accounts: every rupiah that enters the model is spent, lapses or stays in a balance.

Accounts are the sources of human-development money (central and regional government,
donors, the trust fund, the reward fund and the community's own funds). Each quarter
budgets are credited, spent by category, moved between accounts, or lapse unspent (as an
unspent appropriation does). :meth:`Ledger.check` asserts the conservation law
``inflow = spending + lapsed + balance`` and that no balance is negative.
"""

from __future__ import annotations

from collections import defaultdict

ACCOUNTS: tuple[str, ...] = (
    "central",
    "regional",
    "donors",
    "trust_fund",
    "rewards",
    "community",
)
GOVERNMENT: frozenset[str] = frozenset({"central", "regional", "rewards"})
CATEGORIES: tuple[str, ...] = (
    "programmes",
    "village_fund",
    "cofunding",
    "grants",
    "overhead",
    "rewards",
    "capacity",
    "contributions",
    "transaction_costs",
    "audits",
)
# Money that leaves an account without reaching any activity: administration and the costs of
# forming partnerships. Costs are costs: never counted as human-development spending.
COST_CATEGORIES: frozenset[str] = frozenset({"overhead", "transaction_costs", "audits"})

# Floating-point slack, in Rp: absolute, plus a relative part since national sums reach 1e14.
TOLERANCE = 1e-6
RELATIVE_TOLERANCE = 1e-9


# Memo items of the partnership pathways (Ledger.pathways).
PATHWAY_ITEMS = (
    "pooled",
    "new_input",
    "output",
    "programmes",
    "programme_output",
    "complementarity",
)


class LedgerError(AssertionError):
    """A money invariant failed: a negative balance, or money created or destroyed."""


class Ledger:
    """Double-entry style accounts with per-step flow records.

    Attributes:
        balance: Current balance per account.
        inflow: Cumulative money credited from outside the model per account.
        spent: Cumulative spending per (account, category).
        lapsed: Cumulative unspent money returned per account.
        step_spent: Spending per (account, category) in the current step.
    """

    def __init__(self) -> None:
        """Every account starts empty, with no flow recorded."""
        self.balance: dict[str, float] = dict.fromkeys(ACCOUNTS, 0.0)
        self.inflow: dict[str, float] = dict.fromkeys(ACCOUNTS, 0.0)
        self.transfers_in: dict[str, float] = dict.fromkeys(ACCOUNTS, 0.0)
        self.transfers_out: dict[str, float] = dict.fromkeys(ACCOUNTS, 0.0)
        self.lapsed: dict[str, float] = dict.fromkeys(ACCOUNTS, 0.0)
        self.spent: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.step_spent: defaultdict[tuple[str, str], float] = defaultdict(float)
        # In-kind and non-cash burdens, tracked beside the cash accounts.
        self.volunteer_value = 0.0
        self.tax_expenditure = 0.0
        self.step_volunteer_value = 0.0
        self.step_tax_expenditure = 0.0
        # Money that went missing from partnerships (leakage, capture): a loss inside the spending above.
        self.leakage = 0.0
        # What the pathways made of partnership money (Rp, cumulative): pooled on the books, new
        # after mobilisation, effective output, public programmes' money and the complementarity
        # gain on it. Memo items beside the accounts, never spending.
        self.pathways: dict[str, float] = dict.fromkeys(PATHWAY_ITEMS, 0.0)

    def new_step(self) -> None:
        """Start recording the flows of a new step."""
        self.step_spent = defaultdict(float)
        self.step_volunteer_value = 0.0
        self.step_tax_expenditure = 0.0

    def credit(self, account: str, amount: float) -> None:
        """Money enters the model (a budget appropriation, a donation, members' funds)."""
        amount = _nonneg(amount, "credit", account)
        self.balance[account] += amount
        self.inflow[account] += amount

    def spend(self, account: str, category: str, amount: float) -> None:
        """Money leaves an account as human-development spending of a category."""
        amount = _nonneg(amount, "spend", account)
        if amount > self.balance[account] * (1.0 + RELATIVE_TOLERANCE) + TOLERANCE:
            raise LedgerError(
                f"{account} cannot spend {amount:.6f} on {category}: balance {self.balance[account]:.6f}"
            )
        self.balance[account] = max(self.balance[account] - amount, 0.0)
        self.spent[(account, category)] += amount
        self.step_spent[(account, category)] += amount

    def transfer(self, source: str, target: str, amount: float) -> None:
        """Money moves between accounts (e.g. donors pooling into the trust fund)."""
        amount = _nonneg(amount, "transfer", source)
        if amount > self.balance[source] * (1.0 + RELATIVE_TOLERANCE) + TOLERANCE:
            raise LedgerError(
                f"{source} cannot transfer {amount:.6f}: balance {self.balance[source]:.6f}"
            )
        self.balance[source] = max(self.balance[source] - amount, 0.0)
        self.balance[target] += amount
        self.transfers_out[source] += amount
        self.transfers_in[target] += amount

    def lapse(self, account: str, amount: float | None = None) -> None:
        """Unspent money leaves the model (a lapsed appropriation); all of it when amount is None."""
        amount = (
            self.balance[account]
            if amount is None
            else _nonneg(amount, "lapse", account)
        )
        amount = min(amount, self.balance[account])
        self.balance[account] -= amount
        self.lapsed[account] += amount

    def record_volunteer_value(self, amount: float) -> None:
        """Value of volunteer labour given this step (in kind, at the shadow wage)."""
        amount = _nonneg(amount, "volunteer value", "community")
        self.volunteer_value += amount
        self.step_volunteer_value += amount

    def record_leakage(self, amount: float) -> None:
        """Money pooled by partnerships that went missing this step (already counted where it was spent)."""
        self.leakage += _nonneg(amount, "leakage", "community")

    def record_pathway(self, item: str, amount: float) -> None:
        """Add to a pathway memo item (``PATHWAY_ITEMS``) for this step."""
        if item not in self.pathways:
            raise KeyError(f"unknown pathway item {item!r}; allowed: {PATHWAY_ITEMS}")
        self.pathways[item] += _nonneg(amount, item, "community")

    def output_per_rupiah(self) -> dict[str, float]:
        """Effective development output per rupiah so far: partnerships against programmes.

        Returns:
            ``partnerships``: their effective output per rupiah pooled on their books;
            ``partnerships_with_complementarity``: the same with the rise they gave public
            programmes added; ``programmes``: programmes' effective output per rupiah.
            NaN where nothing was spent.
        """
        w = self.pathways

        def ratio(a: float, b: float) -> float:
            return a / b if b > 0 else float("nan")

        return {
            "partnerships": ratio(w["output"], w["pooled"]),
            "partnerships_with_complementarity": ratio(
                w["output"] + w["complementarity"], w["pooled"]
            ),
            "programmes": ratio(w["programme_output"], w["programmes"]),
        }

    def record_tax_expenditure(self, amount: float) -> None:
        """Tax revenue forgone through deductions: a government cost that moves no cash here."""
        amount = _nonneg(amount, "tax expenditure", "central")
        self.tax_expenditure += amount
        self.step_tax_expenditure += amount

    # --- reading -------------------------------------------------------------------------

    def spending_by_source(self, step: bool = True) -> dict[str, float]:
        """Human-development spending per source (government burden includes tax expenditure).

        Overheads and transaction costs are left out: see :meth:`costs_by_source`.
        """
        spent = self.step_spent if step else self.spent
        out = dict.fromkeys(ACCOUNTS, 0.0)
        for (account, category), amount in spent.items():
            if category not in COST_CATEGORIES:
                out[account] += amount
        tax = self.step_tax_expenditure if step else self.tax_expenditure
        # A deduction moves part of a business's contribution onto the public purse.
        out["central"] += tax
        out["community"] -= tax
        out["volunteer_labour"] = (
            self.step_volunteer_value if step else self.volunteer_value
        )
        return out

    def costs_by_source(self, step: bool = True) -> dict[str, float]:
        """Overheads and transaction costs per account: money spent that develops nothing."""
        spent = self.step_spent if step else self.spent
        out = dict.fromkeys(ACCOUNTS, 0.0)
        for (account, category), amount in spent.items():
            if category in COST_CATEGORIES:
                out[account] += amount
        return out

    def government_share(self, step: bool = True) -> float:
        """Government's share of all human-development spending, volunteer labour included."""
        by = self.spending_by_source(step)
        total = sum(by.values())
        if total <= 0:
            return 0.0
        return sum(by[a] for a in GOVERNMENT) / total

    def check(self) -> None:
        """Assert conservation and non-negative balances for every account."""
        for a in ACCOUNTS:
            spent = sum(v for (acc, _c), v in self.spent.items() if acc == a)
            lhs = self.inflow[a] + self.transfers_in[a]
            rhs = spent + self.lapsed[a] + self.transfers_out[a] + self.balance[a]
            if self.balance[a] < -TOLERANCE * max(1.0, lhs):
                raise LedgerError(f"negative balance in {a}: {self.balance[a]}")
            if abs(lhs - rhs) > TOLERANCE * max(1.0, abs(lhs)):
                raise LedgerError(
                    f"money not conserved in {a}: in {lhs:.6f} != out {rhs:.6f}"
                )


def _nonneg(amount: float, what: str, account: str) -> float:
    amount = float(amount)
    if amount < -TOLERANCE or amount != amount:
        raise LedgerError(
            f"{what} of {amount} in {account}: amounts must be non-negative"
        )
    return max(amount, 0.0)
