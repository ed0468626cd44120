"""Forgetting a respondent on request (``campaigns forget``): their responses, the rows and kept
files that hold them and their mentions in the load log go; the erasure is logged without the
identifier."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from etl.batches import kept_files, stored_path
from etl.privacy import file_texts, phone_digits
from etl.warehouse import Warehouse

# Runs of digits as phone numbers are written: "+7 (701) 123-45-67", "87011234567".
_NUMBERISH = re.compile(r"\+?[0-9][0-9 ()\-.]{8,}[0-9]")


class Identifier:
    """What ``campaigns forget`` looks for: an e-mail address, a phone number or a name."""

    def __init__(self, kind: str, value: str) -> None:
        self.kind = kind
        self.value = phone_digits(value) if kind == "phone" else value.strip().casefold()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` mentions the identifier: (start, end) of each mention."""
        if not text:
            return []
        if self.kind == "phone":
            return [
                m.span()
                for m in _NUMBERISH.finditer(text)
                if len(digits := re.sub(r"[^0-9]", "", m.group())) in (10, 11, 12)
                and digits[-10:] == self.value
            ]
        folded = text.casefold()
        if len(folded) != len(text):  # a letter whose case changes its length: find it anyhow
            return [(0, len(text))] if self.value in folded else []
        found, start = [], folded.find(self.value)
        while start >= 0:
            found.append((start, start + len(self.value)))
            start = folded.find(self.value, start + len(self.value))
        return found

    def found_in(self, texts: Iterator[str] | list[str]) -> bool:
        return any(self.spans(t) for t in texts if t)

    def blacked_out(self, text: str | None) -> str | None:
        """``text`` with every mention replaced by ``[email]``, ``[phone]`` or ``[name]``."""
        if text is None:
            return None
        for start, end in reversed(self.spans(text)):
            text = f"{text[:start]}[{self.kind}]{text[end:]}"
        return text


@dataclass(frozen=True)
class _Search:
    """The SQL conditions that find one identifier within the campaign asked for (all when
    ``campaign`` is None), with their parameters."""

    ident: Identifier
    campaign: str | None
    scope: str  # responses of the campaign
    who: str  # responses of the respondent
    mention: str  # a text column ({col}) that may mention them: a first sieve
    in_batch: str  # load-log rows of the campaign's batches
    params: dict


def _identifier(email: str | None, phone: str | None, name: str | None) -> Identifier:
    """The one identifier given, checked; ValueError when it is missing, doubled or too short."""
    given = [(k, v.strip()) for k, v in (("email", email), ("phone", phone), ("name", name)) if v]
    if len(given) != 1:
        raise ValueError(
            "give exactly one of --email, --phone or --name (or --older-than DAYS to remove "
            "kept files by age)"
        )
    kind, value = given[0]
    if kind == "phone" and len(phone_digits(value)) < 10:
        raise ValueError(
            f"'{value}' is not a phone number: write all ten digits, e.g. +7 701 123 45 67"
        )
    if kind == "name" and len(value) < 3:
        raise ValueError("a name to forget must have at least three letters")
    return Identifier(kind, value)


def _search(ident: Identifier, campaign: str | None) -> _Search:
    params: dict = {"v": ident.value}
    if campaign is not None:
        params["campaign"] = campaign
    if ident.kind == "phone":
        who = "right(regexp_replace(coalesce(respondent_phone, ''), '[^0-9]', '', 'g'), 10) = $v"
        # A first sieve in SQL; each candidate is then checked cell by cell in Python.
        mention = "regexp_replace({col}, '[^0-9]', '', 'g') LIKE '%' || $v || '%'"
    elif ident.kind == "email":
        who = "lower(trim(respondent_email)) = $v"
        mention = "lower({col}) LIKE '%' || $v || '%'"
    else:
        who = "lower(trim(respondent_name)) = $v"
        mention = "lower({col}) LIKE '%' || $v || '%'"
    return _Search(
        ident=ident,
        campaign=campaign,
        scope="TRUE" if campaign is None else "campaign_code = $campaign",
        who=who,
        mention=mention,
        in_batch=(
            "TRUE"
            if campaign is None
            else "batch_id IN (SELECT batch_id FROM core.batch WHERE campaign_code = $campaign)"
        ),
        params=params,
    )


def forget(
    wh: Warehouse,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    campaign: str | None = None,
    user: str | None = None,
) -> dict:
    """Remove one respondent's data: their responses (every version), rows kept aside for
    correction that mention them, every kept file that holds them (originals and masked copies,
    CSV and workbooks, searched cell by cell) and, in the errors and warnings of the load log,
    the identifier itself (blacked out). A name is also blacked out where other responses'
    comments mention it. The erasure is logged without the identifier.
    """
    search = _search(_identifier(email, phone, name), campaign)
    # Folded: the log of commits would otherwise keep the rows removed, as loaded.
    with wh.writer(fold=True) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            batches, removed, redacted = _remove_responses(con, search)
            rejected = _remove_rejected_rows(con, search)
            issues = _black_out_issues(con, search)
            doomed = _files_holding(con, wh, search, batches)
            con.execute(
                "INSERT INTO core.erasure VALUES (nextval('core.erasure_id_seq'), ?, ?, ?, ?, ?, "
                "?, ?)",
                [
                    dt.datetime.now(),
                    user or os.environ.get("CAMPAIGNS_USER") or getpass.getuser(),
                    campaign,
                    search.ident.kind,
                    removed,
                    rejected,
                    len(doomed),
                ],
            )
            # The copies go before the commit: a failure after it must not leave them behind.
            files_removed = 0
            for path in doomed:
                if path.exists():
                    path.unlink()
                    files_removed += 1
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {
        "identifier": search.ident.kind,
        "campaign": campaign,
        "responses_removed": removed,
        "comments_redacted": redacted,
        "rejected_rows_removed": rejected,
        "issues_blacked_out": issues,
        "files_removed": files_removed,
    }


def _remove_responses(con, search: _Search) -> tuple[set[int], int, int]:
    """Delete the respondent's responses; black out a name in other responses' comments.
    Returns the batches the responses came from, the responses removed, the comments changed."""
    scope, who, params = search.scope, search.who, search.params
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
    if search.ident.kind == "name":
        redacted = con.execute(
            f"UPDATE core.feedback_response SET comment = regexp_replace(comment, "
            f"'(?i)' || regexp_escape($v), '[name]', 'g') WHERE {scope} AND "
            f"lower(comment) LIKE '%' || $v || '%'",
            params,
        ).fetchone()[0]
    return batches, removed, redacted


def _remove_rejected_rows(con, search: _Search) -> int:
    """Delete the rows kept aside for correction that mention the respondent."""
    rejected = 0
    for batch_id, row_number, cells in con.execute(
        f"SELECT batch_id, row_number, cells FROM core.rejected_row WHERE {search.in_batch} "
        f"AND {search.mention.format(col='cells')}",
        search.params,
    ).fetchall():
        values = json.loads(cells) if cells else {}
        texts = [str(v) for v in values.values() if v is not None] + list(values)
        if search.ident.found_in(texts):
            rejected += con.execute(
                "DELETE FROM core.rejected_row WHERE batch_id = ? AND row_number = ?",
                [batch_id, row_number],
            ).fetchone()[0]
    return rejected


def _black_out_issues(con, search: _Search) -> int:
    """Black out the identifier in the errors and warnings of the load log that quote it."""
    ident, mention = search.ident, search.mention
    issues = 0
    # the message's parameters (JSON text) quote the same values as the message
    for rowid, issue_value, message, params in con.execute(
        f"SELECT rowid, value, message, params FROM core.batch_issue WHERE {search.in_batch} "
        f"AND ({mention.format(col='value')} OR {mention.format(col='message')} OR "
        f"{mention.format(col='params')})",
        search.params,
    ).fetchall():
        new_value, new_message = ident.blacked_out(issue_value), ident.blacked_out(message)
        new_params = _blacked_out_params(ident, params)
        if (new_value, new_message, new_params) != (issue_value, message, params):
            con.execute(
                "UPDATE core.batch_issue SET value = ?, message = ?, params = ? WHERE rowid = ?",
                [new_value, new_message, new_params, rowid],
            )
            issues += 1
    return issues


def _blacked_out_params(ident, params: str | None) -> str | None:
    """An issue's parameters (JSON text) with the identifier blacked out in every value."""
    if not params:
        return params
    try:
        values = json.loads(params)
    except ValueError:
        return ident.blacked_out(params)
    if not isinstance(values, dict):
        return params
    out = {k: ident.blacked_out(v) if isinstance(v, str) else v for k, v in values.items()}
    return json.dumps(out, ensure_ascii=False)


def _files_holding(con, wh: Warehouse, search: _Search, batches: set[int]) -> list[Path]:
    """Every kept file that holds the respondent (and those of the batches their responses came
    from), whatever its kind; the batches that kept one now say it was removed. Returns the
    files to delete."""
    named: dict[str, set[int]] = {}
    for batch_id, stored in con.execute(
        f"SELECT batch_id, stored_file FROM core.batch WHERE stored_file IS NOT NULL "
        f"AND {search.in_batch}",
        search.params if search.campaign is not None else {},
    ).fetchall():
        named.setdefault(stored, set()).add(batch_id)
    candidates: dict[Path, str | None] = {}
    for stored in named:
        path = stored_path(wh, stored)
        if path is not None:
            candidates[path] = stored
    if search.campaign is None:  # files no batch names any more are searched too
        for path in kept_files(wh):
            candidates.setdefault(path.resolve(), None)
    doomed = [
        (path, stored)
        for path, stored in candidates.items()
        if (stored is not None and named[stored] & batches)
        or search.ident.found_in(file_texts(path))
    ]
    for _, stored in doomed:
        if stored is not None:
            con.execute(
                "UPDATE core.batch SET stored_file = NULL, message = coalesce(message, "
                "'') || '; kept copy removed on a request to forget a respondent' "
                "WHERE stored_file = ?",
                [stored],
            )
    return [path for path, _ in doomed]
