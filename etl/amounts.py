"""Amounts as accountants write them: currency marks, local separators, brackets for minus.

Exports from 1C and sheets typed in a Russian or Kazakh Excel write ``739 433,35 тг``,
``KZT 12,500.00`` or ``(12 500)``; these functions split such a cell into its digits, sign and
currency, read the number by the file's decimal mark, and read a currency from a cell or from
an amount column's header.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from etl.normalise import CURRENCY_ALIASES

# What a cell is trimmed of: spaces of every kind and a byte-order mark.
SPACES = " \t\r\n\u00a0\u202f\u2009\u2007\ufeff"
_GROUPING = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’]")
_MINUS = ("-", "\u2212", "\u2013")
_SYMBOLS = "₸€$₽"


def _marks() -> dict[str, str]:
    """Every currency mark written with an amount, lower-cased, to its ISO code."""
    marks = {k.lower(): v for k, v in CURRENCY_ALIASES.items()}
    for code in {*CURRENCY_ALIASES.values(), "KZT", "EUR", "USD", "RUB"}:
        marks[code.lower()] = code
    return marks


MARKS = _marks()
_LONGEST_FIRST = sorted(MARKS, key=len, reverse=True)


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def _strip_mark(s: str) -> tuple[str, str | None]:
    """``s`` without one currency mark at its start or end, and that mark's currency."""
    low = s.lower()
    for mark in _LONGEST_FIRST:
        n = len(mark)
        if low.startswith(mark) and (
            not _is_letter(mark[-1]) or len(s) == n or not _is_letter(s[n])
        ):
            return s[n:].strip(SPACES), MARKS[mark]
        if low.endswith(mark) and (
            not _is_letter(mark[0]) or len(s) == n or not _is_letter(s[-n - 1])
        ):
            return s[:-n].strip(SPACES), MARKS[mark]
    return s, None


def split_amount(text: str) -> tuple[str, bool, list[str]]:
    """An amount cell as (its digits and separators, whether it is negative, the currencies of
    its marks): ``(12 500,00 ₸)`` is ``('12 500,00', True, ['KZT'])``."""
    s = text.strip(SPACES)
    negative = False
    currencies: list[str] = []
    for _ in range(8):
        before = s
        if len(s) > 1 and s.startswith("(") and s.endswith(")"):
            negative, s = True, s[1:-1].strip(SPACES)
        if len(s) > 1 and s.startswith(_MINUS):
            negative, s = True, s[1:].strip(SPACES)
        s, currency = _strip_mark(s)
        if currency:
            currencies.append(currency)
        if s == before:
            break
    return s, negative, currencies


def _grouped(whole: str, sep: str) -> bool:
    return re.fullmatch(r"[0-9]{1,3}(" + re.escape(sep) + r"[0-9]{3})+", whole) is not None


def _ambiguous(whole: str, frac: str) -> bool:
    """``1,234`` or ``12.500``: a decimal mark or a thousands separator, by the file's habit."""
    return len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0"


def read_number(digits: str, decimal: str) -> Decimal | None:
    """The number ``digits`` writes, or None.

    Spaces of every kind and apostrophes group thousands. With both ``.`` and ``,`` the last one
    is the decimal mark; one mark used more than once groups thousands; a single mark is the
    decimal mark unless it is followed by exactly three digits (``1,234``), which the file's
    ``decimal`` mark decides.
    """
    s = _GROUPING.sub("", digits)
    if not re.fullmatch(r"[0-9.,]*[0-9]", s):
        return None
    if s[0] in ".,":
        s = "0" + s
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        mark = "." if s.rfind(".") > s.rfind(",") else ","
        other = "," if mark == "." else "."
        whole, _, frac = s.rpartition(mark)
        if mark in whole or not _grouped(whole, other):
            return None
        return Decimal(whole.replace(other, "") + "." + frac)
    if not dots and not commas:
        return Decimal(s)
    sep = "." if dots else ","
    if s.count(sep) > 1:
        return Decimal(s.replace(sep, "")) if _grouped(s, sep) else None
    whole, frac = s.split(sep)
    if _ambiguous(whole, frac) and decimal != sep:
        return Decimal(whole + frac)
    return Decimal(whole + "." + frac)


def file_decimal(cells: list[str]) -> str:
    """',' when the amounts that say so use a decimal comma, else '.'."""
    votes: Counter[str] = Counter()
    for cell in cells:
        s = _GROUPING.sub("", split_amount(cell)[0])
        dots, commas = s.count("."), s.count(",")
        if dots and commas:
            votes["." if s.rfind(".") > s.rfind(",") else ","] += 1
        elif dots + commas == 1:
            sep = "." if dots else ","
            whole, frac = s.split(sep)
            if not _ambiguous(whole, frac):
                votes[sep] += 1
        elif dots > 1:
            votes[","] += 1
        elif commas > 1:
            votes["."] += 1
    return "," if votes[","] > votes["."] else "."


def currency_code(text: str) -> str | None:
    """A currency cell as its ISO code (``тг``, ``₸`` and ``kzt`` are KZT), or None."""
    s = text.strip(SPACES)
    if s.lower() in MARKS:
        return MARKS[s.lower()]
    if re.fullmatch(r"[A-Za-z]{3}", s):
        return s.upper()
    return None


def header_currency(text: str) -> str | None:
    """The one currency an amount column's header names (``Сумма, тг``, ``Amount (EUR)``)."""
    words = re.findall(r"[^\W\d_]+\.?|[" + _SYMBOLS + "]", text.lower())
    found = {MARKS.get(w) or MARKS.get(w.rstrip(".")) for w in words} - {None}
    return found.pop() if len(found) == 1 else None
