"""Form responses (Google Forms, from its CSV or the linked Sheet) read as feedback.

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

    [keep]               # personal data: stored only when listed here
    respondent_email = "Адрес электронной почты"

A header matches a question when it reads the same or starts with it (case and spaces aside).
When the form was edited and a question appears in two columns, each response takes the column it
answered. Worded answers (``Отлично``, ``Өте пайдалы``, ``Strongly agree``, ``Скорее да``) become
numbers and yes/no using ``forms.toml``. Columns holding names, e-mails or phones are not stored
unless ``[keep]`` lists them; the free-text comment is masked on the way in (see ``privacy``).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from etl.headers import HeaderMatch, normalise
from etl.kinds import FEEDBACK, PERSONAL_FIELDS

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

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@cache
def words() -> dict:
    return tomllib.loads(resources.files("etl").joinpath("forms.toml").read_text("utf-8"))


def _key(text: object) -> str:
    return normalise(text).rstrip(".!").strip()


@cache
def _likert() -> dict[str, int]:
    return {_key(w): int(n) for n, ws in words()["likert"].items() for w in ws}


@cache
def _recommend() -> dict[str, str]:
    return {_key(w): answer for answer, ws in words()["recommend"].items() for w in ws}


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
    bad = set(form) - {"event", "language"}
    if bad:
        raise MappingError(f"{source}: [form] takes event and language; got {', '.join(bad)}")
    if not questions:
        raise MappingError(f"{source}: [questions] is empty; say which question is which field")
    return Mapping(questions, scales, form.get("event"), form.get("language"), keep, text, source)


def looks_like_form(header: list[str | None]) -> bool:
    """A form's responses: the first column is the response time, the others long questions."""
    first = next((c for c in header if c and str(c).strip()), None)
    stamps = {_key(w) for w in words()["timestamp"]["words"]}
    return first is not None and _key(first) in stamps


def is_personal(header: str) -> bool:
    key = _key(header)
    return any(piece in key for piece in words()["personal"]["contains"])


@dataclass
class Rewritten:
    header: list[str]
    rows: list[tuple[int, list[str | None]]]
    match: HeaderMatch
    warnings: list[tuple[int | None, str, str | None, str]]


def _columns_for(texts: tuple[str, ...], header: list[str]) -> list[int]:
    wanted = [_key(t) for t in texts]
    return [
        i
        for i, h in enumerate(header)
        if h and any(_key(h) == w or _key(h).startswith(w) for w in wanted)
    ]


def rewrite(
    mapping: Mapping, header: list[str], rows: list[tuple[int, list[str | None]]], name: str
) -> Rewritten:
    """The responses as feedback rows: one column per field, answers in our terms.

    Raises ``MappingError`` when the mapping names no question of this file.
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
            + "; ".join(h for h in header if h)
        )
    used = {i for cols in found.values() for i in cols}
    personal = [h for i, h in enumerate(header) if h and i not in used and is_personal(h)]
    other = [h for i, h in enumerate(header) if h and i not in used and not is_personal(h)]
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
                v = cells[i] if i < len(cells) else None
                if v is not None and str(v).strip():
                    value = str(v).strip()
                    break
            if value is not None:
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
    return Rewritten(out_header, out_rows, match, warnings)


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
    return value
