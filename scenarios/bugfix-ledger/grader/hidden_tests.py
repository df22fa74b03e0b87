"""Hidden tests of the ledger; grade.py runs each one alone, in its own process.

The class of a test is its stage: VisibleBugs (bugs the visible tests show), HiddenBugs (bugs
they do not show), Regressions (behaviour that already worked and must keep working).
"""

import unittest
from datetime import date
from decimal import Decimal

from ledger import Ledger, LedgerError, Transaction, split, to_money

D = Decimal


def make_ledger() -> Ledger:
    led = Ledger()
    led.open_account("checking")
    led.open_account("savings")
    led.open_account("card", "liability")
    return led


class VisibleBugs(unittest.TestCase):
    def test_round_half_up_positive(self):
        self.assertEqual(to_money("0.125"), D("0.13"))
        self.assertEqual(to_money("2.665"), D("2.67"))

    def test_round_half_up_negative(self):
        self.assertEqual(to_money("-0.125"), D("-0.13"))
        self.assertEqual(to_money("-10.005"), D("-10.01"))

    def test_post_rounds_amount(self):
        led = make_ledger()
        t = led.post(date(2024, 5, 1), "checking", "19.985")
        self.assertEqual(t.amount, D("19.99"))

    def test_interest_rounding(self):
        led = make_ledger()
        led.post(date(2024, 1, 1), "savings", "1000.00")
        # 1000 * 0.0365 * 5 / 365 = 0.5 exactly
        t = led.apply_interest(date(2024, 1, 6), "savings", "0.0365", 5)
        self.assertEqual(t.amount, D("0.50"))
        led2 = make_ledger()
        led2.post(date(2024, 1, 1), "savings", "100.00")
        t2 = led2.apply_interest(date(2024, 1, 2), "savings", "0.01825", 1)
        # 100 * 0.01825 / 365 = 0.005 -> 0.01 (half away from zero)
        self.assertEqual(t2.amount, D("0.01"))

    def test_statement_end_inclusive(self):
        led = make_ledger()
        for day in (1, 15, 28):
            led.post(date(2024, 2, day), "card", -day)
        rows = led.statement("card", date(2024, 2, 1), date(2024, 2, 28))
        self.assertEqual([t.day.day for t in rows], [1, 15, 28])

    def test_statement_single_day(self):
        led = make_ledger()
        led.post(date(2024, 6, 30), "checking", 5)
        led.post(date(2024, 7, 1), "checking", 6)
        rows = led.statement("checking", date(2024, 6, 30), date(2024, 6, 30))
        self.assertEqual([t.amount for t in rows], [D("5.00")])


class HiddenBugs(unittest.TestCase):
    def test_tags_not_shared_between_transactions(self):
        a = Transaction(date(2024, 1, 1), "checking", 1)
        a.tag("food")
        b = Transaction(date(2024, 1, 2), "checking", 2)
        self.assertEqual(b.tags, [])
        self.assertEqual(a.tags, ["food"])

    def test_tags_not_shared_through_ledger(self):
        led = make_ledger()
        t1 = led.post(date(2024, 1, 1), "checking", 10)
        t1.tag("rent")
        led.post(date(2024, 1, 2), "checking", 20)
        self.assertEqual([t.amount for t in led.by_tag("rent")], [D("10.00")])

    def test_tag_once(self):
        led = make_ledger()
        t = led.post(date(2024, 1, 1), "checking", 10, tags=["x"])
        t.tag("x")
        t.tag("y")
        self.assertEqual(t.tags, ["x", "y"])

    def test_largest_expenses_order(self):
        led = make_ledger()
        for amount in ("-5.00", "-120.00", "40.00", "-33.30", "-0.99"):
            led.post(date(2024, 3, 1), "checking", amount)
        got = [t.amount for t in led.largest_expenses(3)]
        self.assertEqual(got, [D("-120.00"), D("-33.30"), D("-5.00")])

    def test_largest_expenses_by_account(self):
        led = make_ledger()
        led.post(date(2024, 3, 1), "checking", "-50")
        led.post(date(2024, 3, 2), "card", "-70")
        led.post(date(2024, 3, 3), "card", "-7")
        led.post(date(2024, 3, 4), "card", "-700")
        got = [t.amount for t in led.largest_expenses(2, "card")]
        self.assertEqual(got, [D("-700.00"), D("-70.00")])

    def test_largest_expenses_ties_keep_posting_order(self):
        led = make_ledger()
        led.post(date(2024, 3, 1), "checking", "-9", "first")
        led.post(date(2024, 3, 2), "checking", "-9", "second")
        led.post(date(2024, 3, 3), "checking", "-1", "small")
        got = [t.description for t in led.largest_expenses(5)]
        self.assertEqual(got, ["first", "second", "small"])


class Regressions(unittest.TestCase):
    def test_to_money_plain(self):
        self.assertEqual(to_money("12.3449"), D("12.34"))
        self.assertEqual(to_money(3), D("3.00"))
        self.assertEqual(to_money(0.1), D("0.10"))

    def test_split(self):
        self.assertEqual(split("10.00", 3), [D("3.34"), D("3.33"), D("3.33")])
        self.assertEqual(split("-1.00", 3), [D("-0.34"), D("-0.33"), D("-0.33")])
        self.assertEqual(sum(split("99.99", 7)), D("99.99"))
        with self.assertRaises(LedgerError):
            split(5, 0)

    def test_balance_as_of(self):
        led = make_ledger()
        led.post(date(2024, 1, 5), "checking", "100.00")
        led.post(date(2024, 1, 9), "checking", "-30.10")
        self.assertEqual(led.balance("checking", date(2024, 1, 8)), D("100.00"))
        self.assertEqual(led.balance("checking", date(2024, 1, 9)), D("69.90"))
        self.assertEqual(led.balance("savings"), D("0.00"))

    def test_errors(self):
        led = make_ledger()
        with self.assertRaises(LedgerError):
            led.post(date(2024, 1, 1), "nope", 1)
        with self.assertRaises(LedgerError):
            led.post(date(2024, 1, 1), "checking", "0.001")
        with self.assertRaises(LedgerError):
            led.open_account("checking")
        with self.assertRaises(LedgerError):
            led.open_account("x", "equity")
        with self.assertRaises(LedgerError):
            led.transfer(date(2024, 1, 1), "checking", "savings", -5)
        with self.assertRaises(LedgerError):
            led.balance("nope")

    def test_transfer(self):
        led = make_ledger()
        out, into = led.transfer(date(2024, 2, 2), "checking", "savings", "12.344")
        self.assertEqual((out.amount, into.amount), (D("-12.34"), D("12.34")))
        self.assertEqual(led.balance("checking") + led.balance("savings"), D("0.00"))

    def test_statement_sorted_by_day(self):
        led = make_ledger()
        led.post(date(2024, 3, 20), "checking", 1, "late")
        led.post(date(2024, 3, 5), "checking", 2, "early")
        led.post(date(2024, 3, 20), "checking", 3, "late2")
        led.post(date(2024, 3, 6), "savings", 4, "other")
        rows = led.statement("checking", date(2024, 3, 1), date(2024, 3, 31))
        self.assertEqual([t.description for t in rows], ["early", "late", "late2"])

    def test_monthly_totals(self):
        led = make_ledger()
        led.post(date(2023, 12, 31), "card", "-1.00")
        led.post(date(2024, 1, 3), "card", "-20.00")
        led.post(date(2024, 12, 1), "card", "5.55")
        totals = led.monthly_totals("card", 2024)
        self.assertEqual(sorted(totals), list(range(1, 13)))
        self.assertEqual((totals[1], totals[12]), (D("-20.00"), D("5.55")))

    def test_tags_from_post(self):
        led = make_ledger()
        tags = ["a"]
        t = led.post(date(2024, 1, 1), "checking", 1, tags=tags)
        self.assertEqual(t.tags, ["a"])
        self.assertEqual(led.by_tag("a"), [t])
        self.assertEqual(led.by_tag("b"), [])

    def test_interest_zero_balance(self):
        led = make_ledger()
        self.assertIsNone(led.apply_interest(date(2024, 1, 1), "savings", "0.05", 30))
        self.assertEqual(led.transactions, [])

    def test_export_csv(self):
        led = make_ledger()
        led.post(date(2024, 1, 2), "checking", "3.5", 'coffee, "large"')
        led.post(date(2024, 1, 3), "card", -2, "tea")
        self.assertEqual(led.export_csv(),
                         "date,account,amount,description\n"
                         '2024-01-02,checking,3.50,"coffee, ""large"""\n'
                         "2024-01-03,card,-2.00,tea\n")

    def test_largest_expenses_ignores_income(self):
        led = make_ledger()
        led.post(date(2024, 1, 1), "checking", 100)
        self.assertEqual(led.largest_expenses(3), [])


if __name__ == "__main__":
    unittest.main()
