"""Form responses (Google Forms or Typeform, from their CSV or the linked Sheet) read as feedback.

A form's columns are its question texts, in the language of the form and changing when the form is
edited, so a *mapping* says which question is which field:

.. code-block:: toml

    [questions]
    rating = ["Оцените семинар в целом", "Как вы оцениваете семинар?"]  # renamed mid-way
    usefulness = "Насколько полезной была информация?"
    would_recommend = "Порекомендуете ли вы семинар друзьям?"
    comment = "Ваши предложения"
    sex = "Пол"
    age_group = "Возраст"
    region = "Город"

    [scales]
    rating = 10          # a 1-10 question; 5 when not given

    [form]
    event = "PDP-W1"     # every response is about this event (when no question names it)
    language = "ru"      # the responses' language (when no question names it)
    date_order = "dmy"   # slashed dates that all read either way (05/03/2026); "mdy": US

    [keep]               # personal data: stored only when listed here
    respondent_email = "Адрес электронной почты"

A mapping comes from a file (``--mapping``), from the ones saved with a campaign on the Upload
page (``core.form_mapping``), or, when there is neither, is *proposed* by :func:`propose` from
the words of the questions and from their answers (``forms.toml``).

A header matches a question when it reads the same or starts with it (case and spaces aside).
When the form was edited and a question appears in two columns, each response takes the column it
answered. Worded answers (``Отлично``, ``Өте пайдалы``, ``Strongly agree``, ``Скорее да``) become
numbers and yes/no using ``forms.toml``; response times in the forms' own formats become ISO
timestamps. Columns holding names, e-mails or phones are not stored unless ``[keep]`` lists
them; the free-text comment is masked on the way in (see ``privacy``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from etl.dates import moment_at
from etl.headers import HeaderMatch, normalise
from etl.kinds import AGE_GROUPS, FEEDBACK, PERSONAL_FIELDS, SEX_ALIASES
from etl.privacy import EMAIL, IIN, PHONE

if TYPE_CHECKING:
    import duckdb

    from etl.warehouse import Warehouse

QUESTION_FIELDS = (
    "submitted_at",
    "event_code",
    "rating",
    "usefulness",
    "would_recommend",
    "comment",
    "sex",
    "age_group",
    "region",
    "language",
)
SCALED = ("rating", "usefulness")
# The fields a proposal looks for, in the order they are listed.
PROPOSED = (
    "rating",
    "usefulness",
    "would_recommend",
    "comment",
    "sex",
    "age_group",
    "region",
    "event_code",
)
# A proposal is made only when at least one of these is found: without them it is not feedback.
FEEDBACK_FIELDS = ("rating", "usefulness", "would_recommend", "comment")
DATE_ORDERS = ("dmy", "mdy")  # day first, month first


class MappingError(ValueError):
    """The mapping file cannot be used as written."""


@dataclass
class Mapping:
    questions: dict[str, tuple[str, ...]]
    scales: dict[str, int] = field(default_factory=dict)
    event: str | None = None
    language: str | None = None
    keep: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: str = ""  # the mapping as written, kept with the batch
    source: str = ""
    date_order: str | None = None  # "dmy" or "mdy", for slashed dates that read either way
    origin: str = "file"  # file, saved (with a campaign) or proposed
    saved_id: int | None = None

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@cache
def words() -> dict:
    return tomllib.loads(resources.files("etl").joinpath("forms.toml").read_text("utf-8"))


def _key(text: object) -> str:
    return normalise(text).rstrip(".!").strip()


def _fold(text: object) -> str:
    return unicodedata.normalize("NFKC", str(text)).casefold().replace("ё", "е")


def _tokens(text: object) -> list[str]:
    return re.findall(r"\w+", _fold(text))


Pattern = tuple[tuple[str, bool], ...]  # words in a row; True: the start of a word


@cache
def _pattern(word: str) -> Pattern:
    return tuple((t.rstrip("*"), t.endswith("*")) for t in re.findall(r"\w+\*?", _fold(word)))


def _holds(tokens: list[str], pattern: Pattern) -> bool:
    """Whether ``tokens`` hold the words of ``pattern`` one after the other."""
    n = len(pattern)
    if not n:
        return False
    for start in range(len(tokens) - n + 1):
        if all(
            tokens[start + j] == w or (prefix and tokens[start + j].startswith(w))
            for j, (w, prefix) in enumerate(pattern)
        ):
            return True
    return False


def _hits(text: str, patterns: Sequence[str]) -> list[str]:
    """The words of ``patterns`` that ``text`` holds."""
    tokens = _tokens(text)
    return [w for w in patterns if _holds(tokens, _pattern(w))]


@cache
def _field_words(fname: str) -> tuple[str, ...]:
    by_language = words()["questions"].get(fname, {})
    return tuple(w for ws in by_language.values() for w in ws)


@cache
def _likert() -> dict[str, int]:
    return {_key(w): int(n) for n, ws in words()["likert"].items() for w in ws}


@cache
def _recommend() -> dict[str, str]:
    return {_key(w): answer for answer, ws in words()["recommend"].items() for w in ws}


@cache
def _answer_words(section: str) -> dict[str, str]:
    """Answer wording -> stored value, from ``[answers.<section>]``."""
    return {_key(w): value for value, ws in words()["answers"][section].items() for w in ws}


@cache
def _sexes() -> dict[str, str]:
    return {_key(k): v for k, v in SEX_ALIASES.items()} | _answer_words("sex")


def _sex(value: str) -> str | None:
    return _sexes().get(_key(value))


_AGE_UNITS = re.compile(r"\s*\b(years?|yrs|лет|года?|жастан|жас)\b\.?\s*")


@cache
def _age_aliases() -> dict[str, str]:
    from etl.normalise import AGE_ALIASES

    return {_age_key(k): v for k, v in AGE_ALIASES.items()} | {
        _age_key(k): v for k, v in _answer_words("age_group").items()
    }


def _age_key(value: str) -> str:
    s = re.sub(r"[–—−]", "-", _fold(value))
    s = _AGE_UNITS.sub(" ", s)
    return re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", s)).strip(" .")


def _age(value: str) -> str | None:
    """Our age group for an answer naming one (``25–34 лет``, ``65 и старше``)."""
    return _age_aliases().get(_age_key(value))


def _age_of_years(value: str) -> str | None:
    """The age group of an age given in years (``23``)."""
    if not re.fullmatch(r"\s*\d{1,3}\s*", value):
        return None
    years = int(value)
    if not 5 <= years <= 110:
        return None
    if years < 18:
        return "under 18"
    if years >= 65:
        return "65+"
    for group in AGE_GROUPS[1:-1]:
        low, high = (int(x) for x in group.split("-"))
        if low <= years <= high:
            return group
    return None


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every problem names the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML ({exc})") from None
    return mapping_from(data, text=text, source=str(path))


def mapping_from(data: dict, *, text: str = "", source: str = "mapping") -> Mapping:
    """A mapping from its parsed TOML (a file, or a source in the sources file)."""
    unknown = set(data) - {"questions", "scales", "form", "keep"}
    if unknown:
        raise MappingError(
            f"{source}: unknown section {', '.join(sorted(unknown))}; use [questions], "
            "[scales], [form] and [keep]"
        )

    def texts(section: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        out = {}
        for name, value in data.get(section, {}).items():
            if name not in allowed:
                raise MappingError(
                    f"{source}: [{section}] {name} is not a field; use one of: "
                    + ", ".join(allowed)
                )
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise MappingError(
                    f"{source}: [{section}] {name} must be a question text or a list of them"
                )
            out[name] = tuple(values)
        return out

    questions = texts("questions", QUESTION_FIELDS)
    keep = texts("keep", PERSONAL_FIELDS)
    scales = {}
    for name, value in data.get("scales", {}).items():
        if name not in SCALED or value not in (5, 10):
            raise MappingError(
                f"{source}: [scales] takes rating and usefulness, each 5 or 10; got {name} = "
                f"{value!r}"
            )
        scales[name] = value
    form = data.get("form", {})
    bad = set(form) - {"event", "language", "date_order"}
    if bad:
        raise MappingError(
            f"{source}: [form] takes event, language and date_order; got {', '.join(sorted(bad))}"
        )
    for name in ("event", "language"):
        if name in form and not isinstance(form[name], str):
            raise MappingError(f"{source}: [form] {name} must be text, got {form[name]!r}")
    date_order = form.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingError(
            f'{source}: [form] date_order is "dmy" (day first) or "mdy" (month first); got '
            f"{date_order!r}"
        )
    if not questions:
        raise MappingError(f"{source}: [questions] is empty; say which question is which field")
    return Mapping(
        questions,
        scales,
        form.get("event") or None,
        form.get("language") or None,
        keep,
        text,
        source,
        date_order,
    )


def _toml_text(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def mapping_text(
    questions: dict[str, Sequence[str]],
    *,
    scales: dict[str, int] | None = None,
    event: str | None = None,
    language: str | None = None,
    date_order: str | None = None,
    keep: dict[str, Sequence[str]] | None = None,
    title: str = "",
) -> str:
    """A mapping written as TOML, as a mapping file holds it (fields in a fixed order)."""
    lines = [f"# {title}"] if title else []
    lines.append("[questions]")
    for fname in QUESTION_FIELDS:
        texts = [t for t in questions.get(fname, ()) if t]
        if texts:
            value = (
                _toml_text(texts[0])
                if len(texts) == 1
                else "[" + ", ".join(_toml_text(t) for t in texts) + "]"
            )
            lines.append(f"{fname} = {value}")
    scaled = {k: v for k, v in (scales or {}).items() if k in questions and k in SCALED}
    if scaled:
        lines += ["", "[scales]"] + [f"{k} = {scaled[k]}" for k in SCALED if k in scaled]
    form = [("event", event), ("language", language), ("date_order", date_order)]
    if any(v for _, v in form):
        lines += ["", "[form]"] + [f"{k} = {_toml_text(v)}" for k, v in form if v]
    kept = {k: [t for t in v if t] for k, v in (keep or {}).items()}
    if any(kept.values()):
        lines += ["", "[keep]"]
        for name in PERSONAL_FIELDS:
            if kept.get(name):
                lines.append(
                    f"{name} = " + "[" + ", ".join(_toml_text(t) for t in kept[name]) + "]"
                )
    return "\n".join(lines) + "\n"


@cache
def _stamp_keys() -> frozenset[str]:
    return frozenset(_key(w) for w in words()["timestamp"]["words"])


@cache
def _service_keys() -> frozenset[str]:
    return frozenset(_key(w) for w in words()["typeform"]["service"])


def looks_like_form(header: list[str | None]) -> bool:
    """A form's responses: the first column is the response time, the others long questions
    (Google Forms), or a response id first and a ``Submit Date (UTC)`` column (Typeform)."""
    first = next((c for c in header if c and str(c).strip()), None)
    if first is None:
        return False
    if _key(first) in _stamp_keys():
        return True
    ids = {_key(w) for w in words()["typeform"]["id"]}
    return _key(first) in ids and any(_key(c) in _stamp_keys() for c in header if c)


def is_personal(header: str) -> bool:
    """A column whose header says it holds names, e-mails, phones or IINs."""
    tokens = _tokens(header)
    return any(_holds(tokens, _pattern(w)) for w in words()["personal"]["contains"])


def _is_service(header: str | None) -> bool:
    """The response time, or a column a form service adds that is never a question."""
    key = _key(header)
    return not key or key in _stamp_keys() or key in _service_keys()


def form_questions(header: Sequence[str | None]) -> list[str]:
    """The form's questions: every column but the response time and the services' own."""
    return [str(h) for h in header if h and str(h).strip() and not _is_service(h)]


_PERSONAL_ANSWER = re.compile(rf"^\s*(?:{EMAIL}|{PHONE}|{IIN}|\+?[0-9][0-9 ()\-]{{8,}}[0-9])\s*$")


def _answers_personal(values: Sequence[str]) -> bool:
    """Answers that are mostly e-mail addresses, phone numbers or IINs."""
    if not values:
        return False
    return sum(1 for v in values if _PERSONAL_ANSWER.match(v)) >= max(1, len(values) / 2)


# --- response times ------------------------------------------------------------------------------

_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:[ T]+|,\s*)(.*))?$")
_DAY_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:(?:\s+|,\s*)(.*))?$")


def _serial(value: str) -> str | None:
    days = float(value)
    if not 20000 <= days < 80000:  # 1954 to 2119: a number in that range is a date
        return None
    moment = dt.datetime(1899, 12, 30) + dt.timedelta(seconds=round(days * 86400))
    return moment.isoformat(sep=" ")


@dataclass
class Moments:
    """A column of response times in ISO form (or as written where they are no moment)."""

    values: list[str | None]
    order: str | None = None  # dmy / mdy, for the values written D.M.YYYY or M/D/YYYY
    assumed: bool = False  # every such value read either way and no mapping said which
    mixed: tuple[tuple[int, str], tuple[int, str]] | None = None  # a day-first and a month-first


def moments(values: Sequence[tuple[int, str | None]], date_order: str | None = None) -> Moments:
    """Response times as ISO ``YYYY-MM-DD HH:MM:SS``, from (row, cell) pairs of one column.

    Read: ``2021/03/27 3:58:32 PM GMT+8`` (a form's own CSV, in UTC), ``2021-03-27 07:58:32``
    (Typeform), ``27.03.2021 15:58:32``, ``27/03/2021 15:58:32`` and ``3/27/2021 15:58:32``
    (the Sheet's locale), Excel serials (``44282.66``). Whether a column writes the day or the
    month first is decided from all its values: one with a first part above 12 proves day
    first, one with a second part above 12 proves month first. When every value reads either
    way, ``date_order`` ("dmy" or "mdy") says which, else the day comes first (and
    ``assumed`` says so if slashes left it open: dotted dates are day first by custom).
    """
    parsed: list[tuple[int, str, re.Match | None]] = []
    day_proof: tuple[int, str] | None = None
    month_proof: tuple[int, str] | None = None
    slashed = False
    for row, cell in values:
        text = "" if cell is None else str(cell).strip()
        m = _DAY_OR_MONTH_FIRST.match(text) if text else None
        parsed.append((row, text, m))
        if m:
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 >= b and day_proof is None:
                day_proof = (row, text)
            elif b > 12 >= a and month_proof is None:
                month_proof = (row, text)
            slashed = slashed or m.group(2) != "."
    if day_proof and not month_proof:
        order = "dmy"
    elif month_proof and not day_proof:
        order = "mdy"
    else:
        order = date_order or "dmy"
    assumed = not (day_proof or month_proof) and date_order is None and slashed
    out: list[str | None] = []
    for _row, text, m in parsed:
        if not text:
            out.append(None)
            continue
        iso = None
        if m:
            a, b, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
            day_first = a > 12 or (b <= 12 and order == "dmy")
            day, month = (a, b) if day_first else (b, a)
            iso = moment_at(year, month, day, m.group(5) or "")
        elif _SERIAL.match(text):
            iso = _serial(text)
        else:
            y = _YEAR_FIRST.match(text)
            if y:
                iso = moment_at(int(y.group(1)), int(y.group(2)), int(y.group(3)), y.group(4) or "")
        out.append(iso or text)
    mixed = (day_proof, month_proof) if day_proof and month_proof else None
    has_dm = any(m for _, _, m in parsed)
    return Moments(out, order if has_dm else None, assumed, mixed)


# --- rewriting the responses ---------------------------------------------------------------------


@dataclass
class Rewritten:
    header: list[str]
    rows: list[tuple[int, list[str | None]]]
    match: HeaderMatch
    warnings: list[tuple[int | None, str, str | None, str]]
    fields: dict[str, list[str]] = field(default_factory=dict)  # field -> the questions used
    dates_assumed: bool = False


def _columns_for(texts: tuple[str, ...], header: list[str]) -> list[int]:
    """Columns whose header reads as one of ``texts``: the same, else starting with it (at a
    word's end if any does), so that ``Пол`` is not ``Полезно ли...``."""
    keys = [_key(h) if h else "" for h in header]
    found: set[int] = set()
    for text in texts:
        want = _key(text)
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
    rows: list[tuple[int, list[str | None]]],
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
    warnings: list[tuple[int | None, str, str | None, str]] = []
    questions = dict(mapping.questions)
    questions.setdefault("submitted_at", tuple(words()["timestamp"]["words"]))
    found: dict[str, list[int]] = {}
    for fname, texts in {**questions, **mapping.keep}.items():
        cols = _columns_for(texts, header)
        if cols:
            found[fname] = cols
        elif fname in mapping.questions or fname in mapping.keep:
            warnings.append(
                (
                    None,
                    fname,
                    None,
                    f"the mapping's question for {fname} ({' / '.join(texts)}) is not in "
                    f"{name}; check the text against the file's header",
                )
            )
    if not any(f in found for f in mapping.questions if f != "submitted_at"):
        raise MappingError(
            f"{name}: none of the mapping's questions is in the file; its questions are: "
            + "; ".join(form_questions(header))
        )

    def cell(cells: list[str | None], i: int) -> str | None:
        v = cells[i] if i < len(cells) else None
        return str(v).strip() if v is not None and str(v).strip() else None

    used = {i for cols in found.values() for i in cols}
    unused = [i for i, h in enumerate(header) if h and i not in used and not _is_service(h)]
    personal = [
        header[i]
        for i in unused
        if is_personal(header[i])
        or _answers_personal([v for _, c in rows if (v := cell(c, i)) is not None])
    ]
    other = [header[i] for i in unused if header[i] not in personal]
    if personal:
        warnings.append(
            (
                None,
                "",
                None,
                "personal data not stored: " + ", ".join(personal) + " (list a column under "
                "[keep] in the mapping only when the programme needs it)",
            )
        )
    if other:
        warnings.append(
            (None, "", None, "questions not in the mapping, not stored: " + "; ".join(other))
        )

    # Response times in ISO form, the day-or-month order decided over the whole field.
    stamps: dict[int, str | None] = {}
    dates_assumed = False
    if "submitted_at" in found:
        cols = found["submitted_at"]
        cells_at = [(number, i, cell(cells, i)) for number, cells in rows for i in cols]
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
                    f"every date in '{column}' reads either way, day first or month first (as "
                    f"{example}); they were read day first. If the form's Sheet writes the month "
                    "first (English, United States), choose month first on the Upload page, or "
                    'add date_order = "mdy" under [form] in the mapping, or load with '
                    "--date-order mdy",
                )
            )
        if read.mixed:
            (r1, v1), (r2, v2) = read.mixed
            warnings.append(
                (
                    r2,
                    column,
                    v2,
                    f"'{column}' holds dates written day first (row {r1}: {v1}) and month first "
                    f"(row {r2}: {v2}); each was read the way it must be and those that read "
                    f"either way {'day' if read.order == 'dmy' else 'month'} first: check the "
                    "column in the file",
                )
            )

    binary = {
        fname
        for fname in ("would_recommend",)
        if fname in found
        and (
            seen := {
                _key(v)
                for _, cells in rows
                for i in found[fname]
                if (v := cell(cells, i)) is not None
            }
        )
        and seen <= {"0", "1", "true", "false"}
    }
    lookup = _event_lookup(events)

    fields = [f.name for f in FEEDBACK.fields]
    out_header = []
    for fname in fields:
        cols = found.get(fname)
        out_header.append(" / ".join(header[i] for i in cols) if cols else fname)
    out_rows = []
    for number, cells in rows:
        row: list[str | None] = []
        for fname in fields:
            value = None
            for i in found.get(fname, ()):
                v = cell(cells, i)
                if v is not None:
                    value = stamps.get((number, i), v) if fname == "submitted_at" else v
                    break
            if value is not None:
                if fname in binary:
                    value = "yes" if _key(value) in ("1", "true") else "no"
                elif fname == "event_code":
                    value = lookup.get(_key(value), value)
                else:
                    value = _answer(fname, value)
            elif fname == "event_code":
                value = mapping.event
            elif fname == "language":
                value = mapping.language
            elif fname.endswith("_scale") and fname.removesuffix("_scale") in found:
                value = str(mapping.scales.get(fname.removesuffix("_scale"), 5))
            row.append(value)
        out_rows.append((number, row))
    match = HeaderMatch("feedback")
    given = {"event_code": mapping.event, "language": mapping.language}
    for index, fname in enumerate(fields):
        scaled = fname.endswith("_scale") and fname.removesuffix("_scale") in found
        if fname in found or given.get(fname) or scaled:
            match.columns[fname] = index
    used_fields = {f: [header[i] for i in cols] for f, cols in found.items()}
    return Rewritten(out_header, out_rows, match, warnings, used_fields, dates_assumed)


def _event_lookup(events: dict[str, str] | None) -> dict[str, str]:
    """An answer naming an event (its code or its name) -> the event's code."""
    lookup: dict[str, str] = {}
    for code, event_name in (events or {}).items():
        if event_name:
            lookup.setdefault(_key(event_name), code)
        lookup[_key(code)] = code
    return lookup


_LEADING_NUMBER = re.compile(r"^\s*(\d{1,2})(?:\s*[-–—:.)]\s*\S.*|\s*$|\s+\S.*)")


def _answer(fname: str, value: str) -> str | None:
    """An answer in the terms of our fields; unrecognised answers are left for the checks."""
    if fname in SCALED:
        m = _LEADING_NUMBER.match(value)
        if m:
            return m.group(1)
        return str(_likert().get(_key(value), value))
    if fname == "would_recommend":
        m = _LEADING_NUMBER.match(value)
        if m:  # a 0-10 "how likely" question: 9-10 promote, 0-6 do not
            n = int(m.group(1))
            return "yes" if n >= 9 else ("no" if n <= 6 else None)
        answer = _recommend().get(_key(value))
        if answer == "unsure":
            return None
        return answer or value
    if fname == "sex":
        return _sex(value) or value
    if fname == "age_group":
        return _age(value) or _age_of_years(value) or value
    if fname == "language":
        return _answer_words("language").get(_key(value), value)
    return value


# --- proposing a mapping -------------------------------------------------------------------------

# Points for a question whose words name the field: the specific fields outrank the general
# rating and comment, so that "Оцените полезность" is usefulness.
_HEADER_POINTS = {
    "rating": 2,
    "usefulness": 3,
    "would_recommend": 3,
    "comment": 2,
    "sex": 3,
    "age_group": 3,
    "region": 3,
    "event_code": 3,
}
# Among equal scores, the field listed first takes the question.
_PRIORITY = (
    "usefulness",
    "would_recommend",
    "sex",
    "age_group",
    "region",
    "event_code",
    "rating",
    "comment",
)
_TEN = re.compile(r"(?<![\d.,])10(?![\d.,])")


@dataclass
class _Answers:
    """What a question's answers look like."""

    values: list[str]
    numbers: list[int]  # the leading numbers of the answers that have one
    scaled: int  # answers that read as a rating (a number 1-10 or a worded scale)
    worded: int  # answers that are a worded scale (Отлично, Strongly agree)
    yes_no: int
    useful: int  # answers speaking of usefulness (Очень полезно, Өте пайдалы)
    sexes: int
    ages: int
    years: int  # ages given in years
    places: int
    events: int
    mean_length: float
    distinct: int
    checkboxes: bool  # several options joined, from a short list

    def share(self, count: int) -> float:
        return count / len(self.values) if self.values else 0.0


@cache
def _finder(patterns: tuple[str, ...]) -> re.Pattern:
    """One expression finding any of ``patterns`` in folded text, as :func:`_holds` would."""
    alternatives = []
    for word in patterns:
        parts = [re.escape(w) + (r"\w*" if prefix else "") for w, prefix in _pattern(word)]
        if parts:
            alternatives.append(r"\W+".join(parts))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def _profile(values: list[str], events: dict[str, str]) -> _Answers:
    """What the answers look like; each distinct answer is looked at once."""
    counts = Counter(values)
    numbers: list[int] = []
    scaled = worded = yes_no = useful = sexes = ages = years = places = in_events = 0
    useful_words = _finder(_field_words("usefulness"))
    place_words = _finder(tuple(words()["answers"]["region"]["names"]))
    lookup = _event_lookup(events)
    keys = set()
    for v, n in counts.items():
        key = _key(v)
        keys.add(key)
        m = _LEADING_NUMBER.match(v)
        if m:
            numbers.extend([int(m.group(1))] * n)
            if 1 <= int(m.group(1)) <= 10:
                scaled += n
        elif key in _likert():
            scaled += n
            worded += n
        folded = _fold(v)
        yes_no += n if key in _recommend() else 0
        useful += n if useful_words.search(folded) else 0
        sexes += n if _sex(v) else 0
        ages += n if _age(v) else 0
        years += n if _age_of_years(v) else 0
        places += n if place_words.search(folded) else 0
        in_events += n if key in lookup else 0
    parts = [p.strip().casefold() for v in values for p in re.split(r";|, ", v) if p.strip()]
    checkboxes = len(parts) >= 1.5 * max(len(values), 1) and len(set(parts)) <= 0.5 * len(parts)
    return _Answers(
        values=values,
        numbers=numbers,
        scaled=scaled,
        worded=worded,
        yes_no=yes_no,
        useful=useful,
        sexes=sexes,
        ages=ages,
        years=years,
        places=places,
        events=in_events,
        mean_length=sum(len(v) for v in values) / len(values) if values else 0.0,
        distinct=len(keys),
        checkboxes=checkboxes,
    )


def _range(numbers: list[int]) -> str:
    return f"{min(numbers)} to {max(numbers)}"


def _fit(fname: str, a: _Answers, named: bool) -> tuple[float, str] | None:
    """How well the answers fit ``fname``: (points, what the answers are), or None when they
    cannot be that field. ``named``: the question's words name the field."""
    if not a.values:
        return (0, "no answers yet") if named else None
    if fname in SCALED:
        if a.share(a.scaled) >= 0.8 and all(n <= 10 for n in a.numbers):
            if any(n < 1 for n in a.numbers):
                return None
            what = f"answers {_range(a.numbers)}" if a.numbers else "answers on a worded scale"
            if a.worded and a.numbers:
                what = "answers are numbers and scale words"
            useful = fname == "usefulness" and a.share(a.useful) >= 0.5
            if fname == "usefulness" and useful:
                return 3, what + " speaking of usefulness"
            if fname == "usefulness" and not named:
                return None  # a rating-like question that does not say it is usefulness
            return 2, what
        if named and a.share(a.scaled) >= 0.5:
            return 0, "most answers read as a rating"
        return None
    if fname == "would_recommend":
        if a.share(a.yes_no) >= 0.8:
            return 2, "answers yes or no"
        if named and a.numbers and len(a.numbers) == len(a.values) and max(a.numbers) <= 10:
            if set(a.numbers) <= {0, 1}:
                return 1, "answers 1 or 0 (yes or no)"
            return 1, f"answers {_range(a.numbers)}: 9 and 10 are yes, 0 to 6 no"
        return None
    if fname == "sex":
        if a.share(a.sexes) >= 0.8:
            return 3, "answers name a sex"
        if named and a.share(a.sexes) >= 0.5:
            return 1, "most answers name a sex"
        return None
    if fname == "age_group":
        if a.share(a.ages) >= 0.8:
            return 3, "answers are age groups"
        if named and a.share(a.years) >= 0.8:
            return 1, "answers are ages in years, stored as age groups"
        return None
    if fname == "region":
        if a.share(a.places) >= 0.5 and a.mean_length < 40:
            return 3, "answers name places in Kazakhstan"
        if named and a.mean_length < 60 and a.share(a.scaled) < 0.5:
            return 0, "short answers"
        return None
    if fname == "comment":
        if a.share(a.scaled) >= 0.5 or a.share(a.yes_no) >= 0.5 or a.checkboxes:
            return None
        texty = a.mean_length >= 15 and (len(a.values) < 3 or a.distinct >= 0.6 * len(a.values))
        if texty:
            return 2 + min(a.mean_length, 200) / 1000, "answers are free text"
        return (0, "answers are text") if named else None
    if fname == "event_code":
        if a.share(a.events) >= 0.8:
            return 3, "answers name the campaign's events"
        if named and a.share(a.scaled) < 0.8 and a.distinct <= 20 and a.mean_length <= 80:
            return 0, "answers name a few events"
        return None
    return None


@dataclass
class Choice:
    """One field of a proposal: the question(s) it takes and why."""

    field: str
    questions: tuple[str, ...]
    why: str
    scale: int | None = None

    def brief(self) -> str:
        """``rating ← 'Оцените семинар в целом' (1–10)``"""
        shown = " / ".join(f"'{_short(q)}'" for q in self.questions)
        scale = f" (1–{self.scale})" if self.scale else ""
        return f"{self.field} ← {shown}{scale}"

    def line(self) -> str:
        """The brief form and why: ``... (1–10): the question's words (оцен*); answers 1 to 10``"""
        return f"{self.brief()}: {self.why}"


def _short(text: str, width: int = 80) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[: width - 1].rstrip() + "…"


@dataclass
class Proposal:
    """A mapping proposed for a form's responses, with why each field was chosen."""

    mapping: Mapping
    choices: dict[str, Choice]
    questions: list[str]  # the form's questions, in the file's order
    personal: list[str]  # questions holding personal data, never stored
    notes: list[str]  # what else the proposal assumed (the language)
    warnings: list[str] = field(default_factory=list)  # what the user should know (no event)

    @property
    def ok(self) -> bool:
        """Whether anything feedback-like was found (else the file needs a mapping)."""
        return any(f in self.choices for f in FEEDBACK_FIELDS)

    def lines(self) -> list[str]:
        """Each field proposed, with the question(s) it takes and why."""
        return [self.choices[f].line() for f in PROPOSED if f in self.choices]

    def describe(self) -> dict:
        """The proposal as a load records it (``detected``), for the Upload page's form."""
        return {
            "text": self.mapping.text,
            "origin": "proposed",
            "proposed": True,
            "fields": {
                f: {"questions": list(c.questions), "why": c.why} for f, c in self.choices.items()
            },
            "questions": self.questions,
        }

    def summary(self) -> str:
        """The fields proposed in one line: ``rating ← '...' (1–10); sex ← 'Пол'``."""
        return "; ".join(self.choices[f].brief() for f in PROPOSED if f in self.choices)


_TWO_LANGUAGES = re.compile(r"[а-я][^/]*/[^/]*[әғқңөұүһі]|[әғқңөұүһі][^/]*/[^/]*[а-я]")


def _language(questions: list[str]) -> tuple[str | None, str]:
    """The form's language from its questions' letters: Kazakh letters, other Cyrillic, Latin;
    none for a form asking each question in Russian and Kazakh (``Город / Қала``)."""
    if sum(1 for q in questions if _TWO_LANGUAGES.search(_fold(q))) * 2 >= max(len(questions), 1):
        return None, ""
    kazakh = sum(1 for q in questions if re.search(r"[әғқңөұүһі]", _fold(q)))
    cyrillic = sum(1 for q in questions if re.search(r"[а-я]", _fold(q)))
    latin = sum(
        1
        for q in questions
        if re.search(r"[a-z]", _fold(q)) and not re.search(r"[а-яәғқңөұүһі]", _fold(q))
    )
    if kazakh and kazakh * 2 >= cyrillic:
        return "kk", "the questions are in Kazakh"
    if cyrillic and cyrillic >= latin:
        return "ru", "the questions are in Russian"
    if latin:
        return "en", "the questions are in English"
    return None, ""


def propose(
    header: Sequence[str | None],
    rows: Sequence[Sequence[str | None] | tuple[int, Sequence[str | None]]],
    *,
    events: dict[str, str] | None = None,
) -> Proposal:
    """Which question is which field, from the questions' words (``forms.toml``, in Russian,
    Kazakh and English) and from their answers: numbers 1-5 or 1-10 and worded scales for a
    rating (the scale from the highest answer), yes/no for would_recommend, sexes, age groups,
    places in Kazakhstan, free text for the comment. ``rows`` are the data rows' cells, or
    (row number, cells) pairs. Columns of personal data are never proposed."""
    cells_of = [
        r[1] if len(r) == 2 and isinstance(r[0], int) and isinstance(r[1], list | tuple) else r
        for r in rows
    ]
    events = events or {}
    columns: dict[int, list[str]] = {}
    personal: list[str] = []
    candidates = []
    header = [str(h) if h is not None else "" for h in header]
    for i, h in enumerate(header):
        if not h.strip() or _is_service(h):
            continue
        values = [
            str(c[i]).strip()
            for c in cells_of
            if i < len(c) and c[i] is not None and str(c[i]).strip()
        ]
        columns[i] = values
        if is_personal(h) or _answers_personal(values):
            personal.append(h)
            continue
        if _hits(h, _field_words("never")):
            continue
        a = _profile(values, events)
        for fname in PROPOSED:
            hits = _hits(h, _field_words(fname))
            fit = _fit(fname, a, bool(hits))
            if fit is None or (not hits and fit[0] < 2):
                continue
            points, what = fit
            reasons = [f"the question's words ({', '.join(hits)})"] if hits else []
            reasons.append(what)
            total = (_HEADER_POINTS[fname] if hits else 0) + points
            candidates.append(
                (total, bool(hits), -_PRIORITY.index(fname), -i, fname, i, reasons, a)
            )
    candidates.sort(reverse=True)
    chosen: dict[str, tuple[int, list[str], _Answers]] = {}
    taken: set[int] = set()
    for _total, _named, _p, _i, fname, i, reasons, a in candidates:
        if fname in chosen or i in taken:
            continue
        chosen[fname] = (i, reasons, a)
        taken.add(i)

    def answered(i: int) -> set[int]:
        return {
            n
            for n, c in enumerate(cells_of)
            if i < len(c) and c[i] is not None and str(c[i]).strip()
        }

    # A question reworded mid-collection sits in a second column answered by the other rows.
    extra: dict[str, list[int]] = {}
    for _total, named, _p, _i, fname, i, _reasons, _a in candidates:
        if not named or fname not in chosen or i in taken or not columns.get(i):
            continue
        cols = [chosen[fname][0], *extra.get(fname, [])]
        if all(not (answered(i) & answered(c)) for c in cols):
            extra.setdefault(fname, []).append(i)
            taken.add(i)

    choices: dict[str, Choice] = {}
    scales: dict[str, int] = {}
    for fname in PROPOSED:
        if fname not in chosen:
            continue
        i, reasons, a = chosen[fname]
        cols = [i, *extra.get(fname, [])]
        texts = tuple(header[c] for c in cols)
        scale = None
        if fname in SCALED:
            numbers = [n for c in cols for n in _profile(columns[c], events).numbers]
            if numbers and max(numbers) > 5:
                scale = 10
            elif any(_TEN.search(t) for t in texts):
                scale = 10
                reasons = [*reasons, "the question says 10"]
            else:
                scale = 5
            scales[fname] = scale
        if len(cols) > 1:
            reasons = [
                *reasons,
                "the question was reworded: each response takes the column it answered",
            ]
        choices[fname] = Choice(fname, texts, "; ".join(reasons), scale)

    questions = form_questions(header)
    language, why_language = _language([q for q in questions if q not in personal])
    notes, warnings = [], []
    if language:
        notes.append(f"language {language}: {why_language}")
    else:
        notes.append("no language given: the questions are in more than one language")
    if "event_code" not in choices:
        warnings.append(
            "no question names the event: the responses are stored without one, and replace "
            "the campaign's earlier responses loaded without an event; give the event on the "
            'Upload page or as event = "CODE" under [form] in a mapping'
        )
    text = mapping_text(
        {f: c.questions for f, c in choices.items()},
        scales=scales,
        language=language,
        title="Proposed from the form's questions and answers (docs/feedback.md)",
    )
    mapping = Mapping(
        {f: c.questions for f, c in choices.items()},
        scales,
        None,
        language,
        {},
        text,
        "proposed from the form's questions and answers",
        origin="proposed",
    )
    return Proposal(mapping, choices, questions, personal, notes, warnings)


# --- mappings saved with a campaign --------------------------------------------------------------


@dataclass(frozen=True)
class SavedMapping:
    mapping_id: int
    campaign: str
    text: str
    saved_by: str | None
    saved_at: dt.datetime

    def mapping(self) -> Mapping:
        """The saved text as a mapping (``MappingError`` when it no longer reads)."""
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise MappingError(f"saved mapping {self.mapping_id}: not valid TOML ({exc})") from None
        m = mapping_from(
            data,
            text=self.text,
            source=f"saved for {self.campaign} by {self.saved_by or 'unknown'} on "
            f"{self.saved_at:%Y-%m-%d %H:%M}",
        )
        m.origin, m.saved_id = "saved", self.mapping_id
        return m


def saved_mappings(con: duckdb.DuckDBPyConnection, campaign: str) -> list[SavedMapping]:
    """The mappings saved with ``campaign``, newest first (none before the table exists)."""
    import duckdb

    try:
        rows = con.execute(
            "SELECT mapping_id, campaign_code, mapping, saved_by, saved_at FROM core.form_mapping "
            "WHERE campaign_code = ? ORDER BY mapping_id DESC",
            [campaign],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [SavedMapping(*row) for row in rows]


def pick_saved(saved: Sequence[SavedMapping], header: Sequence[str | None]) -> Mapping | None:
    """The newest saved mapping all of whose questions are in ``header``."""
    header = [str(h) if h is not None else "" for h in header]
    for s in saved:
        try:
            m = s.mapping()
        except MappingError:
            continue
        wanted = {f: t for f, t in m.questions.items() if f != "submitted_at"}
        if wanted and all(_columns_for(t, header) for t in wanted.values()):
            return m
    return None


def save_mapping(warehouse: Warehouse, campaign: str, text: str, saved_by: str | None) -> int:
    """Keep ``text`` as the form mapping of ``campaign``; returns its id. Raises
    ``MappingError`` when the text is no mapping or the campaign does not exist."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping is not valid TOML ({exc})") from None
    mapping_from(data, text=text, source="the mapping")
    with warehouse.writer() as con:
        if not con.execute("SELECT 1 FROM campaigns WHERE code = ?", [campaign]).fetchone():
            raise MappingError(
                f"campaign '{campaign}' does not exist; `campaigns list` shows the codes"
            )
        con.execute("BEGIN TRANSACTION")
        mapping_id = con.execute("SELECT nextval('core.form_mapping_id_seq')").fetchone()[0]
        con.execute(
            "INSERT INTO core.form_mapping VALUES (?, ?, ?, ?, ?)",
            [mapping_id, campaign, text, saved_by, dt.datetime.now().replace(microsecond=0)],
        )
        con.execute("COMMIT")
    return mapping_id


def campaign_events(con: duckdb.DuckDBPyConnection, campaign: str | None) -> dict[str, str]:
    """The campaign's events, code -> name (the code when it has no name)."""
    if not campaign:
        return {}
    rows = con.execute(
        "SELECT event_code, coalesce(name, event_code) FROM events WHERE campaign_code = ? "
        "ORDER BY event_code",
        [campaign],
    ).fetchall()
    return dict(rows)


def read_responses(
    path: Path, name: str | None = None, *, kind: str | None = None
) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    """A file's header and its data rows (row number, cells), read as the loader reads them.

    Raises ``reading.FileRejected`` when the file cannot be read as a table."""
    import duckdb

    from etl import reading

    path = Path(path)
    name = name or path.name
    with path.open("rb") as fh:
        data = fh.read(reading.FAST_PATH_BYTES + 1)
    partial = len(data) > reading.FAST_PATH_BYTES
    fmt = reading.sniff_format(data)
    if fmt in ("json", "xls") or (fmt == "xlsx" and partial):
        raise reading.FileRejected(f"{name}: not read as form responses ({fmt})")
    con = duckdb.connect()
    try:
        kinds = (kind,) if kind else None
        if fmt == "xlsx":
            book = reading.read_workbook(data, name)
            first = next(iter(book.sheets))
            raw = reading.read_sheet(con, book.sheets[first], name=name, table="raw_0", kinds=kinds)
        else:
            text, encoding = reading.decode(data, name, partial=partial)
            raw = reading.read_csv_text(
                con, text, name=name, encoding=encoding, table="raw_0", kinds=kinds
            )
        rows = con.execute(f"SELECT * FROM {raw.table} ORDER BY row_number").fetchall()
    finally:
        con.close()
    return list(raw.header), [(r[0], list(r[1:])) for r in rows]


def saved_mapping(
    warehouse: Warehouse,
    campaign: str | None,
    path: Path,
    *,
    name: str | None = None,
    kind: str | None = None,
) -> Mapping | None:
    """The mapping saved with ``campaign`` for the form whose responses ``path`` holds: the
    newest whose questions are all in the file. None when there is none (or the file is no
    form's responses), so that the loader proposes one."""
    if not campaign or kind not in (None, "feedback") or not warehouse.read_path.exists():
        return None
    with warehouse.reader() as con:
        saved = saved_mappings(con, campaign)
    if not saved:
        return None
    from etl import reading

    try:
        header, _rows = read_responses(path, name, kind=kind)
    except (reading.FileRejected, OSError):
        return None
    if not looks_like_form(header):
        return None
    return pick_saved(saved, header)
