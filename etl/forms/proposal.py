"""A mapping proposed for a form's responses, from the words of its questions and its answers.

Each question is scored for each field it could be: the words of the question (``forms.toml``,
in Russian, Kazakh and English) and what its answers look like (numbers 1-5 or 1-10 and worded
scales for a rating, yes/no, sexes, age groups, places, free text). The best-scoring question
takes each field; a question reworded mid-collection adds its second column.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from etl.forms.mapping import SCALED, Mapping, mapping_text
from etl.forms.recognition import answers_personal, form_questions, is_personal, is_service
from etl.forms.vocabulary import (
    LEADING_NUMBER,
    age_group_of,
    age_group_of_years,
    event_lookup,
    field_words,
    folded,
    likert_words,
    recommend_words,
    sex_of,
    text_key,
    word_pattern,
    words,
    words_hit,
)
from etl.messages import Message, message

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
    """One expression finding any of ``patterns`` in folded text, as :func:`holds_words` would."""
    alternatives = []
    for word in patterns:
        parts = [re.escape(w) + (r"\w*" if prefix else "") for w, prefix in word_pattern(word)]
        if parts:
            alternatives.append(r"\W+".join(parts))
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def _profile(values: list[str], events: dict[str, str]) -> _Answers:
    """What the answers look like; each distinct answer is looked at once."""
    counts = Counter(values)
    numbers: list[int] = []
    scaled = worded = yes_no = useful = sexes = ages = years = places = in_events = 0
    useful_words = _finder(field_words("usefulness"))
    place_words = _finder(tuple(words()["answers"]["region"]["names"]))
    lookup = event_lookup(events)
    keys = set()
    for v, n in counts.items():
        key = text_key(v)
        keys.add(key)
        m = LEADING_NUMBER.match(v)
        if m:
            numbers.extend([int(m.group(1))] * n)
            if 1 <= int(m.group(1)) <= 10:
                scaled += n
        elif key in likert_words():
            scaled += n
            worded += n
        text = folded(v)
        yes_no += n if key in recommend_words() else 0
        useful += n if useful_words.search(text) else 0
        sexes += n if sex_of(v) else 0
        ages += n if age_group_of(v) else 0
        years += n if age_group_of_years(v) else 0
        places += n if place_words.search(text) else 0
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


def _fit(fname: str, a: _Answers, named: bool) -> tuple[float, Message] | None:
    """How well the answers fit ``fname``: (points, what the answers are), or None when they
    cannot be that field. ``named``: the question's words name the field."""
    if not a.values:
        return (0, message("forms.why.no_answers")) if named else None
    if fname in SCALED:
        if a.share(a.scaled) >= 0.8 and all(n <= 10 for n in a.numbers):
            if any(n < 1 for n in a.numbers):
                return None
            what = (
                message("forms.why.answers_range", low=min(a.numbers), high=max(a.numbers))
                if a.numbers
                else message("forms.why.worded_scale")
            )
            if a.worded and a.numbers:
                what = message("forms.why.numbers_and_words")
            useful = fname == "usefulness" and a.share(a.useful) >= 0.5
            if fname == "usefulness" and useful:
                return 3, message("forms.why.usefulness", what=what.as_dict())
            if fname == "usefulness" and not named:
                return None  # a rating-like question that does not say it is usefulness
            return 2, what
        if named and a.share(a.scaled) >= 0.5:
            return 0, message("forms.why.mostly_rating")
        return None
    if fname == "would_recommend":
        if a.share(a.yes_no) >= 0.8:
            return 2, message("forms.why.yes_no")
        if named and a.numbers and len(a.numbers) == len(a.values) and max(a.numbers) <= 10:
            if set(a.numbers) <= {0, 1}:
                return 1, message("forms.why.one_zero")
            return 1, message("forms.why.nps", low=min(a.numbers), high=max(a.numbers))
        return None
    if fname == "sex":
        if a.share(a.sexes) >= 0.8:
            return 3, message("forms.why.sex")
        if named and a.share(a.sexes) >= 0.5:
            return 1, message("forms.why.mostly_sex")
        return None
    if fname == "age_group":
        if a.share(a.ages) >= 0.8:
            return 3, message("forms.why.age_groups")
        if named and a.share(a.years) >= 0.8:
            return 1, message("forms.why.ages")
        return None
    if fname == "region":
        if a.share(a.places) >= 0.5 and a.mean_length < 40:
            return 3, message("forms.why.places")
        if named and a.mean_length < 60 and a.share(a.scaled) < 0.5:
            return 0, message("forms.why.short")
        return None
    if fname == "comment":
        if a.share(a.scaled) >= 0.5 or a.share(a.yes_no) >= 0.5 or a.checkboxes:
            return None
        texty = a.mean_length >= 15 and (len(a.values) < 3 or a.distinct >= 0.6 * len(a.values))
        if texty:
            return 2 + min(a.mean_length, 200) / 1000, message("forms.why.free_text")
        return (0, message("forms.why.text")) if named else None
    if fname == "event_code":
        if a.share(a.events) >= 0.8:
            return 3, message("forms.why.events")
        if named and a.share(a.scaled) < 0.8 and a.distinct <= 20 and a.mean_length <= 80:
            return 0, message("forms.why.few_events")
        return None
    return None


@dataclass
class Choice:
    """One field of a proposal: the question(s) it takes and why."""

    field: str
    questions: tuple[str, ...]
    reasons: tuple[Message, ...]
    scale: int | None = None

    @property
    def why(self) -> str:
        """Why, in English: the reasons joined by "; " (each carries its code to translate)."""
        return "; ".join(self.reasons)

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
                f: {
                    "questions": list(c.questions),
                    "why": c.why,
                    "reasons": [r.as_dict() for r in c.reasons],
                }
                for f, c in self.choices.items()
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
    if sum(1 for q in questions if _TWO_LANGUAGES.search(folded(q))) * 2 >= max(len(questions), 1):
        return None, ""
    kazakh = sum(1 for q in questions if re.search(r"[әғқңөұүһі]", folded(q)))
    cyrillic = sum(1 for q in questions if re.search(r"[а-я]", folded(q)))
    latin = sum(
        1
        for q in questions
        if re.search(r"[a-z]", folded(q)) and not re.search(r"[а-яәғқңөұүһі]", folded(q))
    )
    if kazakh and kazakh * 2 >= cyrillic:
        return "kk", "the questions are in Kazakh"
    if cyrillic and cyrillic >= latin:
        return "ru", "the questions are in Russian"
    if latin:
        return "en", "the questions are in English"
    return None, ""


Cells = Sequence[str | None]
# (points, named by the question's words, -priority, -column, field, column, reasons, answers):
# sorted highest first, the best candidate for a field comes first.
_Candidate = tuple[float, bool, int, int, str, int, list[str], _Answers]


def propose(
    header: Sequence[str | None],
    rows: Sequence[Cells | tuple[int, Cells]],
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
    header = [str(h) if h is not None else "" for h in header]
    columns, personal, candidates = _candidates(header, cells_of, events)
    candidates.sort(reverse=True)
    chosen, taken = _best_columns(candidates)
    extra = _reworded_columns(candidates, chosen, taken, columns, cells_of)
    choices, scales = _choices(header, chosen, extra, columns, events)
    questions = form_questions(header)
    language, notes, warnings = _assumptions([q for q in questions if q not in personal], choices)
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


def _candidates(
    header: list[str], cells_of: list[Cells], events: dict[str, str]
) -> tuple[dict[int, list[str]], list[str], list[_Candidate]]:
    """Each question's answers, the questions holding personal data, and every (question,
    field) pair the question's words or answers make possible, with its points."""
    columns: dict[int, list[str]] = {}
    personal: list[str] = []
    candidates: list[_Candidate] = []
    for i, h in enumerate(header):
        if not h.strip() or is_service(h):
            continue
        values = [
            str(c[i]).strip()
            for c in cells_of
            if i < len(c) and c[i] is not None and str(c[i]).strip()
        ]
        columns[i] = values
        if is_personal(h) or answers_personal(values):
            personal.append(h)
            continue
        if words_hit(h, field_words("never")):
            continue
        a = _profile(values, events)
        for fname in PROPOSED:
            hits = words_hit(h, field_words(fname))
            fit = _fit(fname, a, bool(hits))
            if fit is None or (not hits and fit[0] < 2):
                continue
            points, what = fit
            reasons = [message("forms.why.words", words=", ".join(hits))] if hits else []
            reasons.append(what)
            total = (_HEADER_POINTS[fname] if hits else 0) + points
            candidates.append(
                (total, bool(hits), -_PRIORITY.index(fname), -i, fname, i, reasons, a)
            )
    return columns, personal, candidates


def _best_columns(
    candidates: list[_Candidate],
) -> tuple[dict[str, tuple[int, list[str], _Answers]], set[int]]:
    """Each field's best question (its column, reasons and answers), no question taking two
    fields; and the columns taken."""
    chosen: dict[str, tuple[int, list[str], _Answers]] = {}
    taken: set[int] = set()
    for _total, _named, _p, _i, fname, i, reasons, a in candidates:
        if fname in chosen or i in taken:
            continue
        chosen[fname] = (i, reasons, a)
        taken.add(i)
    return chosen, taken


def _answered(cells_of: list[Cells], i: int) -> set[int]:
    """The responses that answer column ``i``."""
    return {
        n for n, c in enumerate(cells_of) if i < len(c) and c[i] is not None and str(c[i]).strip()
    }


def _reworded_columns(
    candidates: list[_Candidate],
    chosen: dict[str, tuple[int, list[str], _Answers]],
    taken: set[int],
    columns: dict[int, list[str]],
    cells_of: list[Cells],
) -> dict[str, list[int]]:
    """A question reworded mid-collection sits in a second column answered by the other rows:
    field -> such further columns (added to ``taken``)."""
    extra: dict[str, list[int]] = {}
    for _total, named, _p, _i, fname, i, _reasons, _a in candidates:
        if not named or fname not in chosen or i in taken or not columns.get(i):
            continue
        cols = [chosen[fname][0], *extra.get(fname, [])]
        if all(not (_answered(cells_of, i) & _answered(cells_of, c)) for c in cols):
            extra.setdefault(fname, []).append(i)
            taken.add(i)
    return extra


def _choices(
    header: list[str],
    chosen: dict[str, tuple[int, list[str], _Answers]],
    extra: dict[str, list[int]],
    columns: dict[int, list[str]],
    events: dict[str, str],
) -> tuple[dict[str, Choice], dict[str, int]]:
    """The fields proposed, in their order, and the scale of each scaled one: 10 when an
    answer is above 5 or the question says 10, else 5."""
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
                reasons = [*reasons, message("forms.why.says_ten")]
            else:
                scale = 5
            scales[fname] = scale
        if len(cols) > 1:
            reasons = [
                *reasons,
                message("forms.why.reworded"),
            ]
        choices[fname] = Choice(fname, texts, tuple(reasons), scale)
    return choices, scales


def _assumptions(
    questions: list[str], choices: dict[str, Choice]
) -> tuple[str | None, list[str], list[str]]:
    """The form's language, the note saying how it was found, and the warning when no
    question names the event."""
    language, why_language = _language(questions)
    notes, warnings = [], []
    if language:
        notes.append(f"language {language}: {why_language}")
    else:
        notes.append("no language given: the questions are in more than one language")
    if "event_code" not in choices:
        warnings.append(message("forms.no_event"))
    return language, notes, warnings
