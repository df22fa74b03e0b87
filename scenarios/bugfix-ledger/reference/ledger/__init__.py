"""A small personal ledger."""

from ledger.core import Ledger, LedgerError, Transaction, split, to_money

__all__ = ["Ledger", "LedgerError", "Transaction", "split", "to_money"]
