"""A form's responses rewritten, through a mapping, into feedback rows in our terms.

Each field takes the column(s) of its question; when the form was edited and a question appears
in two columns, each response takes the column it answered. Worded answers become numbers and
yes/no, response times ISO timestamps; columns the mapping does not name are not stored, and
the user is told which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.forms.mapping import SCALED, Mapping, MappingError
from etl.forms.recognition import answers_personal, form_questions, is_personal, is_service
from etl.forms.times import moments
from etl.forms.vocabulary import (
    LEADING_NUMBER,
    age_group_of,
    age_group_of_years,
    answer_words,
    event_lookup,
    likert_words,
    recommend_words,
    sex_of,
    text_key,
    words,
)
from etl.headers import HeaderMatch
from etl.kinds import FEEDBACK
from etl.messages import message

Note = tuple[int | None, str, str | None, str]  # row, column, value, message
Rows = list[tuple[int, list[str | None]]]  # (row number in the file, cells)


@dataclass
class Rewritten:
    """A form's responses as feedback rows, and what was decided on the way."""

    header: list[str]
    rows: Rows
    match: HeaderMatch
    warnings: list[Note]
    fields: dict[str, list[str]] = field(default_factory=dict)  # field -> the questions used
    dates_assumed: bool = False


def columns_for(texts: tuple[str, ...], header: list[str]) -> list[int]:
    """Columns whose header reads as one of ``texts``: the same, else starting with it (at a
    word's end if any does), so that ``Пол`` is not ``Полезно ли...``."""
    keys = [text_key(h) if h else "" for h in header]
    found: set[int] = set()
    for text in texts:
        want = text_key(text)
        if not want:
            continue
        same = [i for i, k in enumerate(keys) if k == want]
        starts = [i for i, k in enumerate(keys) if k.startswith(want) and k != want]
        whole = [i for i in starts if not keys[i][len(want)].isalnum()]
        found.update(same or whole or starts)
    return sorted(found)


def rewrite(
    mapping: Mapping,
    header: list[str],
    rows: Rows,
    name: str,
    *,
    events: dict[str, str] | None = None,
    date_order: str | None = None,
) -> Rewritten:
    """The responses as feedback rows: one column per field, answers in our terms.

    ``events`` (code -> name, the campaign's) turns an event question's answers naming an
    event into its code. ``date_order`` ("dmy" or "mdy") reads response times that all read
    either way, where the mapping does not say. Raises ``MappingError`` when the mapping names
    no question of this file.
    """
    found, warnings = _find_questions(mapping, header, name)
    warnings += _not_stored(header, rows, found)
    stamps, dates_assumed, notes = _response_times(mapping, header, rows, found, date_order)
    warnings += notes
    fields = [f.name for f in FEEDBACK.fields]
    out_header = [" / ".join(header[i] for i in found[f]) if f in found else f for f in fields]
    values = _Values(mapping, found, stamps, _binary_fields(rows, found), event_lookup(events))
    out_rows = [(number, [values.of(f, number, cells) for f in fields]) for number, cells in rows]
    match = _feedback_match(mapping, found, fields)
    used_fields = {f: [header[i] for i in cols] for f, cols in found.items()}
    return Rewritten(out_header, out_rows, match, warnings, used_fields, dates_assumed)


def _cell(cells: list[str | None], i: int) -> str | None:
    """The answer in column ``i``, trimmed; None when there is none."""
    v = cells[i] if i < len(cells) else None
    return str(v).strip() if v is not None and str(v).strip() else None


def _find_questions(
    mapping: Mapping, header: list[str], name: str
) -> tuple[dict[str, list[int]], list[Note]]:
    """Field -> the columns of its question, and a warning for each question not found."""
    warnings: list[Note] = []
    questions = dict(mapping.questions)
    questions.setdefault("submitted_at", tuple(words()["timestamp"]["words"]))
    found: dict[str, list[int]] = {}
    for fname, texts in {**questions, **mapping.keep}.items():
        cols = columns_for(texts, header)
        if cols:
            found[fname] = cols
        elif fname in mapping.questions or fname in mapping.keep:
            warnings.append(
                (
                    None,
                    fname,
                    None,
                    message(
                        "forms.question_missing", field=fname, texts=" / ".join(texts), name=name
                    ),
                )
            )
    if not any(f in found for f in mapping.questions if f != "submitted_at"):
        raise MappingError(
            message(
                "forms.no_question_found", name=name, questions="; ".join(form_questions(header))
            )
        )
    return found, warnings


def _not_stored(header: list[str], rows: Rows, found: dict[str, list[int]]) -> list[Note]:
    """Warnings naming the columns the mapping leaves out: personal data, other questions."""
    warnings: list[Note] = []
    used = {i for cols in found.values() for i in cols}
    unused = [i for i, h in enumerate(header) if h and i not in used and not is_service(h)]
    personal = [
        header[i]
        for i in unused
        if is_personal(header[i])
        or answers_personal([v for _, c in rows if (v := _cell(c, i)) is not None])
    ]
    other = [header[i] for i in unused if header[i] not in personal]
    if personal:
        warnings.append(
            (
                None,
                "",
                None,
                message("forms.personal_not_stored", columns=", ".join(personal)),
            )
        )
    if other:
        warnings.append(
            (None, "", None, message("forms.questions_not_stored", questions="; ".join(other)))
        )
    return warnings


def _response_times(
    mapping: Mapping,
    header: list[str],
    rows: Rows,
    found: dict[str, list[int]],
    date_order: str | None,
) -> tuple[dict[tuple[int, int], str | None], bool, list[Note]]:
    """Response times in ISO form by (row, column), the day-or-month order decided over the
    whole field; whether that order was assumed, and the warnings saying so."""
    if "submitted_at" not in found:
        return {}, False, []
    warnings: list[Note] = []
    dates_assumed = False
    cols = found["submitted_at"]
    cells_at = [(number, i, _cell(cells, i)) for number, cells in rows for i in cols]
    pairs = [(number, v) for number, _, v in cells_at]
    read = moments(pairs, mapping.date_order or date_order)
    stamps = {(n, i): v for (n, i, _), v in zip(cells_at, read.values, strict=True)}
    column = " / ".join(header[i] for i in cols)
    if read.assumed:
        dates_assumed = True
        example = next((v for _, v in pairs if v), "")
        warnings.append(
            (
                None,
                column,
                None,
                message("forms.dates_assumed", column=column, example=example),
            )
        )
    if read.mixed:
        (r1, v1), (r2, v2) = read.mixed
        warnings.append(
            (
                r2,
                column,
                v2,
                message(
                    "forms.dates_mixed_day" if read.order == "dmy" else "forms.dates_mixed_month",
                    column=column,
                    first_row=r1,
                    first=v1,
                    row=r2,
                    value=v2,
                ),
            )
        )
    return stamps, dates_assumed, warnings


def _binary_fields(rows: Rows, found: dict[str, list[int]]) -> set[str]:
    """The yes/no fields answered only 0/1 or true/false."""
    return {
        fname
        for fname in ("would_recommend",)
        if fname in found
        and (
            seen := {
                text_key(v)
                for _, cells in rows
                for i in found[fname]
                if (v := _cell(cells, i)) is not None
            }
        )
        and seen <= {"0", "1", "true", "false"}
    }


@dataclass
class _Values:
    """What each field of a response holds, in our terms."""

    mapping: Mapping
    found: dict[str, list[int]]
    stamps: dict[tuple[int, int], str | None]
    binary: set[str]
    lookup: dict[str, str]  # an answer naming an event -> its code

    def of(self, fname: str, number: int, cells: list[str | None]) -> str | None:
        """The value of ``fname`` in the response on row ``number``: its first answered
        column, else what the mapping gives for every response."""
        for i in self.found.get(fname, ()):
            v = _cell(cells, i)
            if v is not None:
                value = self.stamps.get((number, i), v) if fname == "submitted_at" else v
                return self._answer(fname, value)
        if fname == "event_code":
            return self.mapping.event
        if fname == "language":
            return self.mapping.language
        if fname.endswith("_scale") and fname.removesuffix("_scale") in self.found:
            return str(self.mapping.scales.get(fname.removesuffix("_scale"), 5))
        return None

    def _answer(self, fname: str, value: str | None) -> str | None:
        if value is None:
            return None
        if fname in self.binary:
            return "yes" if text_key(value) in ("1", "true") else "no"
        if fname == "event_code":
            return self.lookup.get(text_key(value), value)
        return _answer(fname, value)


def _feedback_match(
    mapping: Mapping, found: dict[str, list[int]], fields: list[str]
) -> HeaderMatch:
    """Where each feedback field is in the rewritten rows: those found, given by the mapping
    for every response, or the scale of a scaled field found."""
    match = HeaderMatch("feedback")
    given = {"event_code": mapping.event, "language": mapping.language}
    for index, fname in enumerate(fields):
        scaled = fname.endswith("_scale") and fname.removesuffix("_scale") in found
        if fname in found or given.get(fname) or scaled:
            match.columns[fname] = index
    return match


def _answer(fname: str, value: str) -> str | None:
    """An answer in the terms of our fields; unrecognised answers are left for the checks."""
    if fname in SCALED:
        m = LEADING_NUMBER.match(value)
        if m:
            return m.group(1)
        return str(likert_words().get(text_key(value), value))
    if fname == "would_recommend":
        m = LEADING_NUMBER.match(value)
        if m:  # a 0-10 "how likely" question: 9-10 promote, 0-6 do not
            n = int(m.group(1))
            return "yes" if n >= 9 else ("no" if n <= 6 else None)
        answer = recommend_words().get(text_key(value))
        if answer == "unsure":
            return None
        return answer or value
    if fname == "sex":
        return sex_of(value) or value
    if fname == "age_group":
        return age_group_of(value) or age_group_of_years(value) or value
    if fname == "language":
        return answer_words("language").get(text_key(value), value)
    return value
