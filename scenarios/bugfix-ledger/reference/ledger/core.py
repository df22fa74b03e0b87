"""Core of the ledger: money rounding, transactions, accounts and reports."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ACCOUNT_KINDS = ("asset", "liability", "income", "expense")


class LedgerError(ValueError):
    """An invalid operation on the ledger (unknown account, zero amount, ...)."""


def to_money(value: Decimal | int | float | str) -> Decimal:
    """Round a value to whole cents, halves away from zero (2.675 -> 2.68, -0.125 -> -0.13)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def split(amount: Decimal | int | float | str, parts: int) -> list[Decimal]:
    """Split an amount into `parts` shares that differ by at most one cent and sum to it.

    The first shares get the extra cents: split("10.00", 3) == [3.34, 3.33, 3.33].
    """
    if parts < 1:
        raise LedgerError("parts must be at least 1")
    total = to_money(amount)
    cents = int(total / CENT)
    sign = -1 if cents < 0 else 1
    base, extra = divmod(abs(cents), parts)
    return [sign * Decimal(base + (1 if i < extra else 0)) * CENT for i in range(parts)]


class Transaction:
    """One posting: a dated, signed amount on one account (negative = money going out)."""

    def __init__(self, day: date, account: str, amount: Decimal | int | float | str,
                 description: str = "", tags: list[str] | None = None) -> None:
        self.day = day
        self.account = account
        self.amount = to_money(amount)
        self.description = description
        self.tags = list(tags) if tags else []

    def tag(self, name: str) -> None:
        """Add a tag (once)."""
        if name not in self.tags:
            self.tags.append(name)

    def __repr__(self) -> str:
        return f"Transaction({self.day}, {self.account!r}, {self.amount}, {self.description!r})"


class Ledger:
    """Accounts and their transactions, in posting order."""

    def __init__(self) -> None:
        self.accounts: dict[str, str] = {}
        self.transactions: list[Transaction] = []

    def open_account(self, name: str, kind: str = "asset") -> None:
        if kind not in ACCOUNT_KINDS:
            raise LedgerError(f"unknown account kind {kind!r}")
        if name in self.accounts:
            raise LedgerError(f"account {name!r} already exists")
        self.accounts[name] = kind

    def post(self, day: date, account: str, amount: Decimal | int | float | str,
             description: str = "", tags: list[str] | None = None) -> Transaction:
        """Record a transaction; the amount is rounded to cents and must not be zero."""
        if account not in self.accounts:
            raise LedgerError(f"unknown account {account!r}")
        if tags is None:
            t = Transaction(day, account, amount, description)
        else:
            t = Transaction(day, account, amount, description, list(tags))
        if t.amount == 0:
            raise LedgerError("amount must not be zero")
        self.transactions.append(t)
        return t

    def transfer(self, day: date, source: str, dest: str, amount: Decimal | int | float | str,
                 description: str = "") -> tuple[Transaction, Transaction]:
        """Move a positive amount from one account to another (two postings)."""
        value = to_money(amount)
        if value <= 0:
            raise LedgerError("transfer amount must be positive")
        out = self.post(day, source, -value, description)
        into = self.post(day, dest, value, description)
        return out, into

    def balance(self, account: str, as_of: date | None = None) -> Decimal:
        """The sum of the account's transactions up to and including `as_of`."""
        if account not in self.accounts:
            raise LedgerError(f"unknown account {account!r}")
        return sum((t.amount for t in self.transactions if t.account == account
                    and (as_of is None or t.day <= as_of)), Decimal("0.00"))

    def statement(self, account: str, start: date, end: date) -> list[Transaction]:
        """The account's transactions from `start` to `end` (both included), oldest first."""
        rows = [t for t in self.transactions if t.account == account and start <= t.day <= end]
        return sorted(rows, key=lambda t: t.day)

    def monthly_totals(self, account: str, year: int) -> dict[int, Decimal]:
        """Net amount per month (1..12) of one account in one year."""
        totals = {month: Decimal("0.00") for month in range(1, 13)}
        for t in self.transactions:
            if t.account == account and t.day.year == year:
                totals[t.day.month] += t.amount
        return totals

    def largest_expenses(self, n: int, account: str | None = None) -> list[Transaction]:
        """The `n` biggest outgoing transactions (negative amounts), biggest first."""
        out = [t for t in self.transactions
               if t.amount < 0 and (account is None or t.account == account)]
        return sorted(out, key=lambda t: t.amount)[:n]

    def by_tag(self, name: str) -> list[Transaction]:
        return [t for t in self.transactions if name in t.tags]

    def apply_interest(self, day: date, account: str, annual_rate: Decimal | str,
                       days: int) -> Transaction | None:
        """Post simple interest on the balance for `days` days (365-day year), if not zero."""
        interest = to_money(self.balance(account, day) * Decimal(str(annual_rate))
                            * days / 365)
        if interest == 0:
            return None
        return self.post(day, account, interest, f"interest {annual_rate} x {days}d")

    def export_csv(self) -> str:
        """All transactions as CSV (date,account,amount,description), in posting order."""
        lines = ["date,account,amount,description"]
        for t in self.transactions:
            desc = t.description.replace('"', '""')
            if "," in desc or '"' in desc:
                desc = f'"{desc}"'
            lines.append(f"{t.day.isoformat()},{t.account},{t.amount},{desc}")
        return "\n".join(lines) + "\n"
