"""Tests of the ledger. Run: python3 -m unittest discover -s tests -v"""

import unittest
from datetime import date
from decimal import Decimal

from ledger import Ledger, LedgerError, split, to_money


def make_ledger() -> Ledger:
    led = Ledger()
    led.open_account("checking")
    led.open_account("savings")
    led.open_account("card", "liability")
    return led


class MoneyTests(unittest.TestCase):
    def test_rounds_to_cents(self):
        self.assertEqual(to_money("12.3449"), Decimal("12.34"))
        self.assertEqual(to_money(7), Decimal("7.00"))

    def test_rounds_halves_away_from_zero(self):
        self.assertEqual(to_money("2.675"), Decimal("2.68"))
        self.assertEqual(to_money("-0.125"), Decimal("-0.13"))

    def test_split_sums_to_amount(self):
        self.assertEqual(split("10.00", 3),
                         [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")])


class LedgerTests(unittest.TestCase):
    def test_balance(self):
        led = make_ledger()
        led.post(date(2024, 1, 5), "checking", "100.00", "salary")
        led.post(date(2024, 1, 9), "checking", "-30.10", "groceries")
        self.assertEqual(led.balance("checking"), Decimal("69.90"))
        self.assertEqual(led.balance("checking", date(2024, 1, 5)), Decimal("100.00"))

    def test_unknown_account(self):
        led = make_ledger()
        with self.assertRaises(LedgerError):
            led.post(date(2024, 1, 1), "nope", 5)

    def test_transfer(self):
        led = make_ledger()
        led.post(date(2024, 2, 1), "checking", 500)
        led.transfer(date(2024, 2, 2), "checking", "savings", "125.50")
        self.assertEqual(led.balance("checking"), Decimal("374.50"))
        self.assertEqual(led.balance("savings"), Decimal("125.50"))

    def test_statement_includes_both_ends(self):
        led = make_ledger()
        for day in (1, 10, 20, 31):
            led.post(date(2024, 3, day), "checking", day)
        rows = led.statement("checking", date(2024, 3, 10), date(2024, 3, 31))
        self.assertEqual([t.day.day for t in rows], [10, 20, 31])

    def test_monthly_totals(self):
        led = make_ledger()
        led.post(date(2024, 1, 3), "card", "-20.00")
        led.post(date(2024, 1, 30), "card", "-5.00")
        led.post(date(2024, 4, 1), "card", "15.00")
        totals = led.monthly_totals("card", 2024)
        self.assertEqual(totals[1], Decimal("-25.00"))
        self.assertEqual(totals[4], Decimal("15.00"))
        self.assertEqual(totals[12], Decimal("0.00"))


if __name__ == "__main__":
    unittest.main()
