"""Keyword themes of participants' comments, and their most frequent words, per language.

The lexicon is ``dashboard/locales/feedback/themes.toml``, meant to be edited by the programme
team (no code change needed to add a theme or a keyword)::

    [stopwords]                 # words left out of the most frequent words
    all = ["email", "phone"]    # in every language (the masking placeholders, say)
    ru = ["и", "в", "не"]
    kk = ["және", "мен"]
    en = ["the", "and"]

    [themes.privacy]            # the theme's id: letters, digits and _
    label = { en = "Privacy and personal data", ru = "...", kk = "..." }
    ru = ["персональн", "личн данн", "конфиденциальн"]
    kk = ["дербес дерек", "құпиял"]
    en = ["personal data", "privacy"]

Each theme has its name in English, Russian and Kazakh (``label``, all three) and a list of
keywords per comment language (``ru``, ``kk``, ``en``; a language may be left out, but a theme
needs at least one keyword). A keyword is the start of a word, a stem: ``персональн`` finds
``персональных``, ``персональные`` and ``персональным``; ``дерек`` finds ``деректер``,
``деректерді``; ``password`` finds ``passwords``. A keyword of several words finds them one
after the other, each as the start of a word: ``персональн данн`` finds ``персональных
данных`` and ``персональные данные``, but not ``данные персональные``. Matching ignores case
and treats ``ё`` as ``е``; words are runs of letters and digits (:data:`WORD_CHARACTERS`: the
Latin and Cyrillic alphabets, Kazakh letters included, and 0-9), so punctuation and hyphens
separate them (``fact-check`` is the words ``fact`` and ``check``); text is read in Unicode's
composed form (NFC), so a ``й`` typed as ``и`` and a combining breve is still one letter.
Keep stems long enough to mean one thing: ``зал`` finds ``зале`` and ``залы``, and would find
any word starting so.

A comment is tagged with a theme when one of the theme's keywords for the comment's language
is in it; a comment in no language, or in another one, is matched against the keywords of every
language. A comment may have several themes, or none.

The same rules exist twice: as pure Python functions (:func:`tag`, :func:`theme_counts`,
:func:`top_words`), and as DuckDB SQL (:func:`theme_condition`, :func:`themes_sql`,
:func:`theme_counts_sql`, :func:`top_words_sql`) so the page counts every comment of the
selection in the warehouse without loading them. Both give the same answer (the tests check
it). A mistake in the lexicon raises ``ValueError`` naming the file, the theme and the key.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

LEXICON_PATH = Path(__file__).parent / "locales" / "feedback" / "themes.toml"
LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")
UI_LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")  # the names a theme must have
OTHER = "other"  # a comment in no language, or in one the lexicon does not have
MIN_WORD_LENGTH = 3

# The characters words are made of, as one regex character range both Python and DuckDB's RE2
# read alike: digits, Latin letters (with the accented ones of Latin-1 and Latin Extended-A/B,
# so Kazakh in Latin script too, but not × and ÷) and Cyrillic (with the Kazakh letters). An
# explicit range, not \p{L}: RE2 compiles Unicode classes into patterns twenty times slower.
WORD_CHARACTERS = "0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u052f"
_WORD = re.compile(f"[{WORD_CHARACTERS}]+")
_ID = re.compile(r"[a-z][a-z0-9_]*")
_DIGITS = re.compile(r"[0-9]+")
# RE2 (DuckDB) patterns: a word character, and anything else.
_SQL_WORD = f"[{WORD_CHARACTERS}]"
_SQL_GAP = f"[^{WORD_CHARACTERS}]"


@dataclass(frozen=True)
class Theme:
    """One theme: its id, its name per UI language, and keywords (tuples of stems) per
    comment language."""

    id: str
    labels: Mapping[str, str]
    keywords: Mapping[str, tuple[tuple[str, ...], ...]]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id

    def stems(self, language: str) -> tuple[tuple[str, ...], ...]:
        """The keywords a comment in ``language`` is matched against."""
        if language in LANGUAGES:
            return tuple(self.keywords.get(language, ()))
        return tuple(dict.fromkeys(k for lang in LANGUAGES for k in self.keywords.get(lang, ())))


@dataclass(frozen=True)
class Lexicon:
    themes: tuple[Theme, ...]
    stopwords: frozenset[str]

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"no theme '{theme_id}' in the lexicon")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)


# --- text ------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Composed (NFC), lower case, with ``ё`` read as ``е``. ``İ`` lowers to ``i`` as in
    DuckDB (Python's own ``lower`` adds a combining dot, which would split the word)."""
    return unicodedata.normalize("NFC", text).replace("İ", "I").lower().replace("ё", "е")


def words(text: str | None) -> list[str]:
    """The words of a text, normalised: runs of :data:`WORD_CHARACTERS`."""
    return _WORD.findall(normalise(text)) if text else []


def comment_language(value: Any) -> str:
    """``ru``, ``kk`` or ``en`` as stored (any case, spaces around), else ``other``."""
    if isinstance(value, str) and value.strip(" ").lower() in LANGUAGES:
        return value.strip(" ").lower()
    return OTHER


# --- the lexicon -----------------------------------------------------------------------------


def _texts(value: Any, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise ValueError(f'{where} must be a list of texts, e.g. ["word", "two words"]')
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{where} must be a list of texts; {item!r} is not one")
    return value


def parse_lexicon(raw: Mapping[str, Any]) -> Lexicon:
    """A lexicon from the TOML's tables; raises ``ValueError`` naming what is wrong."""
    unknown = set(raw) - {"themes", "stopwords"}
    if unknown:
        raise ValueError(f"unknown table(s) {sorted(unknown)}; use [stopwords] and [themes.<id>]")
    tables = raw.get("themes")
    if not isinstance(tables, Mapping) or not tables:
        raise ValueError("no themes: add at least one [themes.<id>] table")
    themes = []
    for theme_id, table in tables.items():
        where = f"themes.{theme_id}"
        if not _ID.fullmatch(theme_id):
            raise ValueError(f"{where}: an id takes lower-case letters, digits and _")
        if not isinstance(table, Mapping):
            raise ValueError(f"{where} must be a table")
        unknown = set(table) - {"label", *LANGUAGES}
        if unknown:
            raise ValueError(
                f"{where}: unknown key(s) {sorted(unknown)}; keywords go under "
                f"{', '.join(LANGUAGES)}"
            )
        labels = table.get("label")
        if not isinstance(labels, Mapping):
            raise ValueError(f"{where}: give label = {{ en = ..., ru = ..., kk = ... }}")
        missing = [lang for lang in UI_LANGUAGES if not str(labels.get(lang) or "").strip()]
        if missing:
            raise ValueError(f"{where}.label: no name in {', '.join(missing)}")
        keywords: dict[str, tuple[tuple[str, ...], ...]] = {}
        for lang in LANGUAGES:
            stems = []
            for keyword in _texts(table.get(lang, []), f"{where}.{lang}"):
                if not words(keyword):
                    raise ValueError(f"{where}.{lang}: {keyword!r} has no letters or digits")
                stems.append(tuple(words(keyword)))
            if stems:
                keywords[lang] = tuple(dict.fromkeys(stems))
        if not keywords:
            raise ValueError(f"{where}: no keywords; list some under {', '.join(LANGUAGES)}")
        themes.append(Theme(theme_id, {k: str(v) for k, v in labels.items()}, keywords))
    stop_tables = raw.get("stopwords") or {}
    if not isinstance(stop_tables, Mapping):
        raise ValueError("stopwords must be a table: [stopwords] with all, ru, kk and en lists")
    stop: set[str] = set()
    for lang, listed in stop_tables.items():
        if lang not in ("all", *LANGUAGES):
            raise ValueError(f"stopwords.{lang}: use all, {', '.join(LANGUAGES)}")
        stop.update(w for text in _texts(listed, f"stopwords.{lang}") for w in words(text))
    return Lexicon(tuple(themes), frozenset(stop))


def read_lexicon(path: Path) -> Lexicon:
    with path.open("rb") as f:
        try:
            raw = tomllib.load(f)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path}: {error}") from None
    try:
        return parse_lexicon(raw)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


@cache
def default_lexicon() -> Lexicon:
    """The programme's lexicon (``LEXICON_PATH``), read once per process."""
    return read_lexicon(LEXICON_PATH)


# --- tagging in Python ----------------------------------------------------------------------


def _has(tokens: list[str], keyword: tuple[str, ...]) -> bool:
    n = len(keyword)
    return any(
        all(tokens[i + j].startswith(stem) for j, stem in enumerate(keyword))
        for i in range(len(tokens) - n + 1)
    )


def tag(text: str | None, language: Any = None, lexicon: Lexicon | None = None) -> list[str]:
    """The ids of the themes a comment is about, in the lexicon's order."""
    lexicon = lexicon or default_lexicon()
    tokens = words(text)
    if not tokens:
        return []
    lang = comment_language(language)
    return [theme.id for theme in lexicon.themes if any(_has(tokens, k) for k in theme.stems(lang))]


def theme_counts(
    comments: Iterable[tuple[Any, str | None]], lexicon: Lexicon | None = None
) -> pd.DataFrame:
    """Comments per theme and language from ``(language, comment)`` pairs: columns
    ``language`` (ru, kk, en, other), ``theme``, ``comments`` (comments with the theme) and
    ``share`` (of the language's comments); every theme and every language present, zeros
    included. Empty comments are not counted."""
    lexicon = lexicon or default_lexicon()
    per_lang: Counter[str] = Counter()
    hits: Counter[tuple[str, str]] = Counter()
    for language, text in comments:
        if not words(text):
            continue
        lang = comment_language(language)
        per_lang[lang] += 1
        for theme_id in tag(text, lang, lexicon):
            hits[(lang, theme_id)] += 1
    rows = [
        {
            "language": lang,
            "theme": theme.id,
            "comments": hits[(lang, theme.id)],
            "share": hits[(lang, theme.id)] / per_lang[lang],
        }
        for lang in _language_order(per_lang)
        for theme in lexicon.themes
    ]
    return pd.DataFrame(rows, columns=["language", "theme", "comments", "share"])


def top_words(
    comments: Iterable[tuple[Any, str | None]], lexicon: Lexicon | None = None, n: int = 10
) -> pd.DataFrame:
    """The ``n`` most frequent words per language: columns ``language``, ``word``,
    ``occurrences``. Stopwords, numbers and words under three letters are left out; ties go
    in alphabetical order."""
    lexicon = lexicon or default_lexicon()
    counts: dict[str, Counter[str]] = {}
    for language, text in comments:
        lang = comment_language(language)
        for word in words(text):
            if _counted(word, lexicon):
                counts.setdefault(lang, Counter())[word] += 1
    rows = [
        {"language": lang, "word": word, "occurrences": count}
        for lang in _language_order(counts)
        for word, count in sorted(counts[lang].items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    ]
    return pd.DataFrame(rows, columns=["language", "word", "occurrences"])


def _counted(word: str, lexicon: Lexicon) -> bool:
    return (
        len(word) >= MIN_WORD_LENGTH
        and not _DIGITS.fullmatch(word)
        and word not in lexicon.stopwords
    )


def _language_order(langs: Iterable[str]) -> list[str]:
    order = {lang: i for i, lang in enumerate((*LANGUAGES, OTHER))}
    return sorted(set(langs), key=lambda lang: order.get(lang, len(order)))


# --- the same in DuckDB SQL -----------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def keyword_pattern(keywords: Iterable[tuple[str, ...]]) -> str | None:
    """The RE2 pattern finding any of the keywords in normalised text (None: no keywords)."""
    return _keyword_pattern(tuple(keywords))


@lru_cache(maxsize=1024)
def _keyword_pattern(keywords: tuple[tuple[str, ...], ...]) -> str | None:
    """:func:`keyword_pattern`, written once per set of keywords (a page writes each theme's
    pattern for every language on every run)."""
    parts = [
        (f"{_SQL_WORD}*{_SQL_GAP}+").join(re.escape(stem) for stem in keyword)
        for keyword in keywords
    ]
    if not parts:
        return None
    return f"(^|{_SQL_GAP})({'|'.join(parts)})"


def normalised_sql(column: str) -> str:
    """The SQL expression :func:`normalise` is for a text column."""
    return f"replace(lower(nfc_normalize({column})), 'ё', 'е')"


def language_sql(column: str) -> str:
    """The SQL expression :func:`comment_language` is for a language column."""
    listed = ", ".join(_literal(lang) for lang in LANGUAGES)
    value = f"lower(trim({column}))"
    return f"CASE WHEN {value} IN ({listed}) THEN {value} ELSE {_literal(OTHER)} END"


def theme_condition(theme_id: str, text: str, language: str, lexicon: Lexicon | None = None) -> str:
    """A SQL condition true when the comment is about the theme. ``text`` is a normalised text
    expression (:func:`normalised_sql`), ``language`` one of ru/kk/en/other
    (:func:`language_sql`)."""
    lexicon = lexicon or default_lexicon()
    theme = lexicon.theme(theme_id)

    def match(lang: str) -> str:
        pattern = keyword_pattern(theme.stems(lang))
        return "FALSE" if pattern is None else f"regexp_matches({text}, {_literal(pattern)})"

    whens = " ".join(f"WHEN {_literal(lang)} THEN {match(lang)}" for lang in LANGUAGES)
    return f"(CASE {language} {whens} ELSE {match(OTHER)} END)"


def themes_sql(text: str, language: str, lexicon: Lexicon | None = None) -> str:
    """A SQL expression giving the list of a comment's theme ids in the lexicon's order, as
    :func:`tag` does (``text`` and ``language`` as for :func:`theme_condition`)."""
    lexicon = lexicon or default_lexicon()
    cases = ", ".join(
        f"CASE WHEN {theme_condition(th.id, text, language, lexicon)} THEN {_literal(th.id)} END"
        for th in lexicon.themes
    )
    return f"[x FOR x IN [{cases}]::VARCHAR[] IF x IS NOT NULL]"


def theme_counts_sql(rows: str, lexicon: Lexicon | None = None) -> str:
    """SQL giving :func:`theme_counts`'s frame over ``rows`` (SQL with ``language`` and
    ``comment`` columns)."""
    lexicon = lexicon or default_lexicon()
    flags = ", ".join(
        f'count(*) FILTER (WHERE {theme_condition(th.id, "txt", "lang", lexicon)}) AS "{th.id}"'
        for th in lexicon.themes
    )
    ids = ", ".join(f'"{th.id}"' for th in lexicon.themes)
    order = " ".join(f"WHEN {_literal(x)} THEN {i}" for i, x in enumerate((*LANGUAGES, OTHER)))
    theme_order = " ".join(f"WHEN {_literal(x)} THEN {i}" for i, x in enumerate(lexicon.ids))
    return f"""
        WITH base AS (
            SELECT {language_sql("language")} AS lang, {normalised_sql("comment")} AS txt
            FROM ({rows}) r
            WHERE regexp_matches(coalesce(comment, ''), '{_SQL_WORD}')
        ), per AS (SELECT lang, count(*) AS total, {flags} FROM base GROUP BY lang)
        SELECT lang AS language, theme, comments, comments / total AS share
        FROM per UNPIVOT (comments FOR theme IN ({ids}))
        ORDER BY CASE lang {order} END, CASE theme {theme_order} END
    """


def top_words_sql(rows: str, lexicon: Lexicon | None = None, n: int = 10) -> str:
    """SQL giving :func:`top_words`'s frame over ``rows`` (SQL with ``language`` and
    ``comment`` columns). The stopwords are in the SQL as a list literal."""
    lexicon = lexicon or default_lexicon()
    stop = ", ".join(_literal(w) for w in sorted(lexicon.stopwords)) or "NULL"
    order = " ".join(f"WHEN {_literal(x)} THEN {i}" for i, x in enumerate((*LANGUAGES, OTHER)))
    return f"""
        WITH w AS (
            SELECT {language_sql("language")} AS lang,
                   unnest(regexp_extract_all({normalised_sql("comment")}, '{_SQL_WORD}+')) AS word
            FROM ({rows}) r WHERE comment IS NOT NULL
        ), c AS (
            SELECT lang, word, count(*) AS occurrences FROM w
            WHERE length(word) >= {MIN_WORD_LENGTH} AND NOT regexp_full_match(word, '[0-9]+')
              AND NOT list_contains([{stop}]::VARCHAR[], word)
            GROUP BY ALL
        )
        SELECT lang AS language, word, occurrences FROM c
        QUALIFY row_number() OVER (PARTITION BY lang ORDER BY occurrences DESC, word) <= {int(n)}
        ORDER BY CASE lang {order} END, occurrences DESC, word
    """
