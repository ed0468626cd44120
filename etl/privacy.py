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


def phone_digits(text: str) -> str:
    """The ten digits that identify a Kazakh number, whatever prefix it was written with."""
    digits = re.sub(r"[^0-9]", "", text)
    return digits[-10:]


def forget(
    warehouse,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    campaign: str | None = None,
    user: str | None = None,
) -> dict:
    """Remove one respondent's data: their responses (every version), rows kept aside for
    correction that mention them, and kept copies of files that still hold them. A name is also
    blacked out where other responses' comments mention it. The erasure is logged without the
    identifier.
    """
    import datetime as dt
    import getpass
    import os

    given = [(k, v.strip()) for k, v in (("email", email), ("phone", phone), ("name", name)) if v]
    if len(given) != 1:
        raise ValueError("give exactly one of --email, --phone or --name")
    kind, value = given[0]
    if kind == "phone" and len(phone_digits(value)) < 10:
        raise ValueError(
            f"'{value}' is not a phone number: write all ten digits, e.g. +7 701 123 45 67"
        )
    if kind == "name" and len(value) < 3:
        raise ValueError("a name to forget must have at least three letters")
    scope = "TRUE" if campaign is None else "campaign_code = $campaign"
    params: dict = {"v": value.casefold()}
    if campaign is not None:
        params["campaign"] = campaign
    if kind == "phone":
        params["v"] = phone_digits(value)
        who = "right(regexp_replace(coalesce(respondent_phone, ''), '[^0-9]', '', 'g'), 10) = $v"
        mention = "regexp_replace(lower(cells), '[^0-9]', '', 'g') LIKE '%' || $v || '%'"
    elif kind == "email":
        who = "lower(trim(respondent_email)) = $v"
        mention = "lower(cells) LIKE '%' || $v || '%'"
    else:
        who = "lower(trim(respondent_name)) = $v"
        mention = "lower(cells) LIKE '%' || $v || '%'"
    with warehouse.writer() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            batches = {
                b
                for (b,) in con.execute(
                    f"SELECT DISTINCT batch_id FROM core.feedback_response WHERE {scope} AND {who}",
                    params,
                ).fetchall()
            }
            removed = con.execute(
                f"DELETE FROM core.feedback_response WHERE {scope} AND {who}", params
            ).fetchone()[0]
            redacted = 0
            if kind == "name":
                redacted = con.execute(
                    f"UPDATE core.feedback_response SET comment = regexp_replace(comment, "
                    f"'(?i)' || regexp_escape($v), '[name]', 'g') WHERE {scope} AND "
                    f"lower(comment) LIKE '%' || $v || '%'",
                    params,
                ).fetchone()[0]
            in_batch = (
                "TRUE"
                if campaign is None
                else "batch_id IN (SELECT batch_id FROM core.batch WHERE campaign_code = $campaign)"
            )
            rejected = con.execute(
                f"DELETE FROM core.rejected_row WHERE {in_batch} AND {mention}", params
            ).fetchone()[0]
            files = con.execute(
                "SELECT batch_id, stored_file FROM core.batch WHERE kind = 'feedback' AND "
                f"stored_file IS NOT NULL AND {in_batch}",
                params if campaign is not None else {},
            ).fetchall()
            doomed = []
            needle = params["v"]
            for batch_id, stored in files:
                path = warehouse.files_dir / stored
                if not path.exists():
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                hay = re.sub(r"[^0-9]", "", text) if kind == "phone" else text.casefold()
                if batch_id in batches or needle in hay:
                    doomed.append((batch_id, path))
            for batch_id, _ in doomed:
                con.execute(
                    "UPDATE core.batch SET stored_file = NULL, message = message || "
                    "'; kept copy removed on a request to forget a respondent' WHERE batch_id = ?",
                    [batch_id],
                )
            con.execute(
                "INSERT INTO core.erasure VALUES (nextval('core.erasure_id_seq'), ?, ?, ?, ?, ?, "
                "?, ?)",
                [
                    dt.datetime.now(),
                    user or os.environ.get("CAMPAIGNS_USER") or getpass.getuser(),
                    campaign,
                    kind,
                    removed,
                    rejected,
                    len(doomed),
                ],
            )
            # The copies go before the commit: a failure after it must not leave them behind.
            paths = {p for _, p in doomed}
            for p in paths:
                p.unlink(missing_ok=True)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {
        "identifier": kind,
        "campaign": campaign,
        "responses_removed": removed,
        "comments_redacted": redacted,
        "rejected_rows_removed": rejected,
        "files_removed": len(paths),
    }
