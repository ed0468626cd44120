"""Masking personal data in free text before it is stored.

Feedback comments can carry e-mail addresses, Kazakh phone numbers (``+7 701 123 45 67``,
``8 (701) 1234567``) and 12-digit IINs. They are replaced by ``[email]``, ``[phone]`` and
``[IIN]`` on the way into the warehouse; the same patterns serve SQL and Python.
"""

from __future__ import annotations

import re

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE = r"(\+7|8)[\s\-]*\(?\s*[0-9]{3}\s*\)?[\s\-]*[0-9]{3}[\s\-]*[0-9]{2}[\s\-]*[0-9]{2}"
IIN = r"[0-9]{12}"

RULES: tuple[tuple[str, str], ...] = ((EMAIL, "[email]"), (PHONE, "[phone]"), (IIN, "[IIN]"))


def mask(text: str | None) -> str | None:
    """``text`` with e-mails, phone numbers and IINs replaced by placeholders."""
    if text is None:
        return None
    for pattern, placeholder in RULES:
        text = re.sub(rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])", placeholder, text)
    return text


def mask_sql(column: str) -> str:
    """The DuckDB expression masking ``column`` the way ``mask`` does."""
    expr = column
    for pattern, placeholder in RULES:
        # RE2 has no look-around: capture the boundary characters and put them back. A match
        # consumes the character after it, so a second pass catches back-to-back matches.
        for _ in range(2):
            expr = (
                f"regexp_replace({expr}, '(^|[^0-9A-Za-z]){pattern}([^0-9A-Za-z]|$)', "
                f"'\\1{placeholder}\\{3 if pattern == PHONE else 2}', 'g')"
            )
    return expr
