"""The dashboard's languages: one label catalogue, and numbers and dates written per language.

Labels live in ``dashboard/locales/{en,ru,kk}.toml`` (and a page's own in
``dashboard/locales/<page>/{en,ru,kk}.toml``), one file per language with the same keys;
tables nest, so ``[portfolio.col] code = "Code"`` is the key ``portfolio.col.code``. A label may
hold ``{name}`` placeholders filled from ``t(key, name=...)``, and may come in plural forms (an
inline table with CLDR categories ``one``, ``few``, ``many``, ``other``) chosen by ``count``.

The language is the sidebar picker's choice (``st.session_state["lang"]``), else the URL's
``?lang=``, else English. ``t()`` never raises: a key missing from a language falls back to
English, a key missing everywhere is shown as the key itself, and both are logged once.

Formats, through Babel's CLDR data (no network needed; ``kk`` ships with Babel):

==========  ====================  ==========================  ======================
language    fmt_number(1234.5, 1)  fmt_date(2024-12-31)        fmt_money(1234, KZT)
==========  ====================  ==========================  ======================
en          ``1,234.5``            ``31 Dec 2024``             ``KZT 1,234``
ru          ``1 234,5``            ``31.12.2024``              ``1 234 ₸``
kk          ``1 234,5``            ``31.12.2024``              ``1 234 ₸``
==========  ====================  ==========================  ======================

English dates are written day, short month, year (``31 Dec 2024``): unambiguous for European and
Central Asian readers alike, where ``12/31/24`` is not. Russian and Kazakh group thousands with a
no-break space (U+00A0) and use the decimal comma; Russian puts a no-break space before ``%``
(``4,31 %``), Kazakh does not (``4,31%``), as CLDR has it. Tenge is written ``₸`` in Russian and
Kazakh (the ``ru_KZ``/``kk_KZ`` locales) and ``KZT`` in English, where the sign is less known.

Figures: every figure the dashboard shows is of a kind in :data:`FIGURES` (``count``, ``share``,
``rate``, ``money``, ``unit_cost``, ``rating``...), which fixes its style and decimals whatever the
value: ``fmt_figure(313787.0, "count")`` is ``313,787``, never ``313,787.00``. Tiles call
``fmt_figure``, table columns ``components.figure_column`` (``figure_formatter``), charts
``plotly_figure`` (a d3 format with the language's prefix and suffix, percentages drawn times
100 so that Russian reads ``3,07 %`` on charts too), so one figure reads the same everywhere.

Plotly: ``plotly_separators()`` gives ``layout.separators`` (decimal mark then group separator),
so d3 formats such as ``",.0f"`` come out right in every language; ``localize_figure()`` applies
them and numeric date formats to a figure. Dates on charts are numeric in Russian and Kazakh
(``31.12.2024``) because plotly's month names are English unless a locale bundle is loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_skeleton
from babel.numbers import (
    format_currency,
    format_percent,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from etl.messages import flatten, plural_form

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).parent / "locales"

# Language code -> its own name, as the picker shows it.
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
DEFAULT_LANGUAGE = "en"
# Session-state key of the picker, and the URL parameter; the same name on purpose.
LANG_KEY = "lang"

# Babel locale for each language: Russian and Kazakh as used in Kazakhstan (tenge sign).
_BABEL_LOCALES = {"en": "en", "ru": "ru_KZ", "kk": "kk_KZ"}
_DATE_PATTERNS = {"en": "d MMM y", "ru": "dd.MM.y", "kk": "dd.MM.y"}
# Streamlit column_config / date_input formats (moment.js tokens) in the same spirit.
_COLUMN_DATE = {"en": "D MMM YYYY", "ru": "DD.MM.YYYY", "kk": "DD.MM.YYYY"}
_COLUMN_DATETIME = {"en": "D MMM YYYY, HH:mm", "ru": "DD.MM.YYYY HH:mm", "kk": "DD.MM.YYYY HH:mm"}
_INPUT_DATE = {"en": "YYYY-MM-DD", "ru": "DD.MM.YYYY", "kk": "DD.MM.YYYY"}
# Plotly (d3 time format) ticks and hover labels.
_PLOTLY_DATE_TICK = {"en": "%d %b\n%Y", "ru": "%d.%m\n%Y", "kk": "%d.%m\n%Y"}
_PLOTLY_DATE_HOVER = {"en": "%d %b %Y", "ru": "%d.%m.%Y", "kk": "%d.%m.%Y"}

MISSING = "—"  # what an absent figure is shown as, in every language
_reported: set[tuple[str, str]] = set()


# --- the catalogue ---------------------------------------------------------------------------


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str | dict[str, str]]:
    """Dotted keys of a catalogue file; the loader's messages use the same format."""
    return flatten(table, prefix)


@cache
def catalogue(lang: str) -> dict[str, str | dict[str, str]]:
    """Every label of one language, by dotted key (read once per process).

    The labels shared by every page are in ``locales/<lang>.toml``; a page may keep its own in
    ``locales/<page>/<lang>.toml``. A key defined in two files is an error, not an override.
    """
    paths = [LOCALES_DIR / f"{lang}.toml", *sorted(LOCALES_DIR.glob(f"*/{lang}.toml"))]
    merged: dict[str, str | dict[str, str]] = {}
    for path in paths:
        with path.open("rb") as f:
            labels = _flatten(tomllib.load(f))
        twice = sorted(set(labels) & set(merged))
        if twice:
            raise ValueError(f"{path}: keys already defined in another catalogue file: {twice}")
        merged.update(labels)
    return merged


def current_language() -> str:
    """The picker's language, else the URL's ``lang``, else English; never raises."""
    try:
        # Streamlit only where the session is read: the formats serve files written without it.
        import streamlit as st

        chosen = st.session_state.get(LANG_KEY)
        if chosen in LANGUAGES:
            return chosen
        asked = st.query_params.get(LANG_KEY)
        if asked in LANGUAGES:
            return asked
    except Exception:  # outside a Streamlit run, or no session yet
        pass
    return DEFAULT_LANGUAGE


def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else current_language()


def _report_missing(lang: str, key: str) -> None:
    if (lang, key) not in _reported:
        _reported.add((lang, key))
        log.warning("label %r missing from the %s catalogue", key, lang)


def t(key: str, *, lang: str | None = None, count: float | None = None, **params: Any) -> str:
    """The label ``key`` in the current language (or ``lang``), with ``{placeholders}`` filled.

    ``count`` picks the plural form where the label has them and is also available to the text
    as ``{count}``, written as a number of that language. Falls back to English, then to the key.
    """
    lang = _language(lang)
    entry = catalogue(lang).get(key)
    used = lang
    if entry is None:
        _report_missing(lang, key)
        entry = catalogue(DEFAULT_LANGUAGE).get(key) if lang != DEFAULT_LANGUAGE else None
        used = DEFAULT_LANGUAGE
        if entry is None:
            if lang != DEFAULT_LANGUAGE:
                _report_missing(DEFAULT_LANGUAGE, key)
            return key
    if isinstance(entry, dict):
        form = _plural_form(used, count if count is not None else 0)
        entry = entry.get(form) or entry["other"]
    if count is not None:
        params.setdefault("count", fmt_number(count, lang=lang))
    if not params:
        return entry
    try:
        return entry.format(**params)
    except (KeyError, IndexError, ValueError) as error:
        log.warning("label %r (%s) could not be filled: %s", key, used, error)
        return entry


def _plural_form(lang: str, count: float) -> str:
    return plural_form(_BABEL_LOCALES.get(lang, lang), count)


# --- numbers and dates -----------------------------------------------------------------------


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(_BABEL_LOCALES[lang])


def _absent(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(x))
    except TypeError:
        # pandas NaT and NA are not floats; anything else is a value
        return str(x) in {"NaT", "<NA>", "nan"}


def _decimals(decimals: int) -> str:
    return "." + "0" * decimals if decimals > 0 else ""


@cache
def _number_template(lang: str, kind: str, currency: str) -> tuple[str, dict[int, str]]:
    """The CLDR pattern of ``kind`` in ``lang`` as a ``str.format`` template around the
    digits, and the translation of Python's ``,`` and ``.`` to the language's marks."""
    locale = _locale(lang)
    marks = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})
    if kind == "number":
        return "{}", marks
    if kind == "percent":
        sample = format_percent(0.07, format=locale.percent_formats[None].pattern, locale=locale)
    elif kind == "money":
        pattern = locale.currency_formats["standard"].pattern.split(";")[0]
        symbol = get_currency_symbol(currency, locale)
        if pattern.startswith("¤") and symbol[-1:].isalpha():
            # CLDR's currency spacing, which Babel leaves out: "KZT 1,234", not "KZT1,234"
            pattern = "¤\u00a0" + pattern[1:]
        sample = format_currency(7, currency, format=pattern.replace("#,##0.00", "0"),
                                 locale=locale, currency_digits=False)  # fmt: skip
    else:
        raise ValueError(f"unknown number kind: {kind!r}")
    return sample.replace("7", "{}", 1), marks


def number_formatter(
    decimals: int = 0, *, kind: str = "number", currency: str = "EUR", lang: str | None = None
) -> Callable[[Any], str]:
    """A function writing one figure as ``kind`` (``number``, ``percent`` of a share, or
    ``money`` in ``currency``) with exactly ``decimals`` in the language: what ``fmt_number``,
    ``fmt_percent`` and ``fmt_money`` do, made once for a whole column of a table."""
    template, marks = _number_template(_language(lang), kind, currency)
    scale = 100.0 if kind == "percent" else 1.0
    spec = f",.{decimals}f"

    def write(x: Any) -> str:
        if _absent(x):
            return MISSING
        value = float(x) * scale
        digits = format(abs(value), spec)
        sign = "-" if value < 0 and digits.strip("0.,") else ""
        return sign + template.format(digits.translate(marks))

    return write


def fmt_number(x: float | int | None, decimals: int = 0, *, lang: str | None = None) -> str:
    """``1,234.5`` (en) or ``1 234,5`` (ru, kk; no-break space), with exactly ``decimals``."""
    return number_formatter(decimals, lang=lang)(x)


def fmt_percent(x: float | None, decimals: int = 1, *, lang: str | None = None) -> str:
    """A share (0.0431) as a percentage: ``4.31%`` (en), ``4,31 %`` (ru), ``4,31%`` (kk)."""
    return number_formatter(decimals, kind="percent", lang=lang)(x)


def fmt_money(
    x: float | None, currency: str = "EUR", decimals: int = 0, *, lang: str | None = None
) -> str:
    """An amount with its currency: ``€1,234`` / ``KZT 1,234`` (en), ``1 234 €`` (ru, kk)."""
    return number_formatter(decimals, kind="money", currency=currency, lang=lang)(x)


# --- figures: one way to write each kind of figure, everywhere --------------------------------


@dataclass(frozen=True)
class FigureKind:
    """How a kind of figure is written: as a ``number``, a ``percent`` of a share, or ``money``,
    with a fixed number of decimals, whatever the value (a count is never ``313 787,00``)."""

    style: str
    decimals: int
    currency: str = "EUR"


# Every kind of figure the dashboard shows. Tiles, table columns and chart labels and hovers all
# write a figure through its kind, so one figure reads the same on every page.
FIGURES: dict[str, FigureKind] = {
    "count": FigureKind("number", 0),  # impressions, posts, participants, days, rows
    "level": FigureKind("number", 1),  # a KPI's target or actual in its own unit (91.5)
    "rating": FigureKind("number", 1),  # an average rating on a scale (4.3 of 5)
    "share": FigureKind("percent", 1),  # a part of a whole: execution, elapsed, positive share
    "round_share": FigureKind("percent", 0),  # a share quoted in a sentence: a band of 15%
    "rate": FigureKind("percent", 2),  # a small ratio of counts: engagement or click rate
    "money": FigureKind("money", 0),  # an amount in euros
    "unit_cost": FigureKind("money", 2),  # a cost per thousand impressions, per engagement
    "exchange_rate": FigureKind("number", 2),  # units of a currency per euro: 603.50
}


def figure_kind(kind: str) -> FigureKind:
    """The kind ``kind`` of :data:`FIGURES`; ``ValueError`` naming the known ones."""
    try:
        return FIGURES[kind]
    except KeyError:
        known = ", ".join(FIGURES)
        raise ValueError(f"unknown figure kind {kind!r}; use one of: {known}") from None


def figure_formatter(
    kind: str, *, lang: str | None = None, currency: str | None = None
) -> Callable[[Any], str]:
    """A function writing one figure of ``kind`` (a key of :data:`FIGURES`) in the language;
    an absent figure is :data:`MISSING`. Made once for a whole table column."""
    spec = figure_kind(kind)
    return number_formatter(
        spec.decimals, kind=spec.style, currency=currency or spec.currency, lang=lang
    )


def fmt_figure(
    value: Any, kind: str, *, lang: str | None = None, currency: str | None = None
) -> str:
    """``value`` written as a figure of ``kind``: ``fmt_figure(313787, "count", lang="ru")`` is
    ``313 787``, ``fmt_figure(0.0307, "rate", lang="ru")`` is ``3,07 %``."""
    return figure_formatter(kind, lang=lang, currency=currency)(value)


def fmt_count(value: Any, *, lang: str | None = None) -> str:
    """A count, never with decimals: ``313,787`` (en), ``313 787`` (ru, kk)."""
    return fmt_figure(value, "count", lang=lang)


def figure_texts(values: Any, kind: str, *, lang: str | None = None) -> list[str]:
    """Each of ``values`` written as :func:`fmt_figure` writes it: the hover and data labels
    of a chart, so a chart shows a figure exactly as the tiles and tables do."""
    write = figure_formatter(kind, lang=lang)
    return [write(v) for v in values]


@dataclass(frozen=True)
class PlotlyFigure:
    """A figure kind as plotly writes it on an axis: the values multiplied by ``scale`` (100
    for percentages, whose sign plotly's d3 formats cannot space as Russian does), the d3
    number format, and the text before and after the number."""

    scale: float
    d3: str
    prefix: str
    suffix: str

    def axis(self) -> dict[str, str]:
        """``update_xaxes``/``update_yaxes`` settings: ticks in this kind's format (whole
        figures as whole numbers; others without trailing zeros: ``20 %``, ``2,5 %``)."""
        tickformat = self.d3 if self.d3 == ",.0f" else ",~f"
        return {"tickformat": tickformat, "tickprefix": self.prefix, "ticksuffix": self.suffix}

    def template(self, var: str) -> str:
        """A hover or text template part writing ``%{var}`` (already scaled) in this kind."""
        return f"{self.prefix}%{{{var}:{self.d3}}}{self.suffix}"


def plotly_figure(kind: str, *, lang: str | None = None) -> PlotlyFigure:
    """How a chart writes figures of ``kind`` in the language (with ``localize_figure``'s
    separators): ``plotly_figure("share", lang="ru").axis()`` gives ticks such as ``30 %``."""
    spec = figure_kind(kind)
    template, _ = _number_template(_language(lang), spec.style, spec.currency)
    prefix, _, suffix = template.partition("{}")
    scale = 100.0 if spec.style == "percent" else 1.0
    return PlotlyFigure(scale, f",.{spec.decimals}f", prefix, suffix)


def _as_date(d: Any) -> dt.date | None:
    if _absent(d):
        return None
    if isinstance(d, str):
        return dt.date.fromisoformat(d[:10])
    if hasattr(d, "to_pydatetime"):  # pandas Timestamp
        d = d.to_pydatetime()
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    raise TypeError(f"not a date: {d!r}")


def fmt_date(d: Any, *, lang: str | None = None) -> str:
    """``31 Dec 2024`` (en) or ``31.12.2024`` (ru, kk); dates, datetimes, Timestamps, ISO text."""
    day = _as_date(d)
    if day is None:
        return MISSING
    lang = _language(lang)
    return _babel_date(day, format=_DATE_PATTERNS[lang], locale=_locale(lang))


def fmt_month(d: Any, *, lang: str | None = None) -> str:
    """A month on its own, as CLDR writes it: ``December 2024``, ``декабрь 2024 г.``,
    ``2024 ж. желтоқсан``."""
    day = _as_date(d)
    if day is None:
        return MISSING
    return format_skeleton("yMMMM", day, locale=_locale(_language(lang)))


def column_date_format(lang: str | None = None) -> str:
    """``st.column_config.DateColumn`` format (moment.js tokens) for the language."""
    return _COLUMN_DATE[_language(lang)]


def column_datetime_format(lang: str | None = None) -> str:
    """``st.column_config.DatetimeColumn`` format for the language."""
    return _COLUMN_DATETIME[_language(lang)]


def input_date_format(lang: str | None = None) -> str:
    """``st.date_input`` format for the language (it has no month names)."""
    return _INPUT_DATE[_language(lang)]


# --- plotly ----------------------------------------------------------------------------------


def plotly_separators(lang: str | None = None) -> str:
    """``layout.separators``: decimal mark, then group separator (``".,"``, ``",\\xa0"``)."""
    locale = _locale(_language(lang))
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def d3_number(decimals: int = 0) -> str:
    """A d3 number format with grouping; the marks come from ``layout.separators``."""
    return f",.{decimals}f"


def d3_percent(decimals: int = 1) -> str:
    """A d3 percentage format for shares (0.0431 -> 4.3%)."""
    return f",.{decimals}%"


def plotly_date_formats(lang: str | None = None) -> dict[str, str]:
    """``{"tickformat": ..., "hoverformat": ...}`` for a date axis in the language."""
    lang = _language(lang)
    return {"tickformat": _PLOTLY_DATE_TICK[lang], "hoverformat": _PLOTLY_DATE_HOVER[lang]}


def localize_figure(fig: Any, *, lang: str | None = None) -> Any:
    """Set a figure's number separators, and its date axes' formats, for the language.

    Number axes keep their d3 formats (``,.0f`` and the like): the separators make them local.
    Returns the same figure, for chaining.
    """
    lang = _language(lang)
    fig.update_layout(separators=plotly_separators(lang))
    fig.update_xaxes(selector={"type": "date"}, **plotly_date_formats(lang))
    fig.update_yaxes(selector={"type": "date"}, **plotly_date_formats(lang))
    return fig


# --- the picker ------------------------------------------------------------------------------


def language_picker(container: Any = None) -> str:
    """Draw the language switch (in the sidebar unless told), keep ``?lang=`` in the URL.

    The first run of a session takes the URL's language; after that the picker rules, and the
    URL follows it (English, the default, leaves no parameter). Returns the language code.
    """
    import streamlit as st  # as in current_language: the module imports without Streamlit

    if st.session_state.get(LANG_KEY) not in LANGUAGES:
        asked = st.query_params.get(LANG_KEY)
        st.session_state[LANG_KEY] = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    where = container if container is not None else st.sidebar
    # the label names itself in all three languages, so anyone finds it; it is one catalogue key
    where.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANG_KEY,
    )
    lang = st.session_state[LANG_KEY]
    if lang == DEFAULT_LANGUAGE:
        if LANG_KEY in st.query_params:
            del st.query_params[LANG_KEY]
    elif st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang
    return lang


# Characters Markdown (CommonMark, GitHub's extensions, Streamlit's directives such as
# ``:red[...]``, ``:material/icon:`` and ``$math$``) gives a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&=\"'^/])")
# Where a link is recognised in bare text (``https://``, ``www.``, ``name@host``), whatever the
# backslashes: a word joiner (invisible, U+2060) there stops the recognition.
_AUTOLINK = re.compile(r"(?=[:@])|(?<=[wW]{3})(?=\.)")
WORD_JOINER = "\u2060"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def literal(value: object, *, code: bool = False) -> str:
    """``value`` (text from a link or the data: a campaign name, a file name, a code typed into
    a URL) as Markdown that Streamlit shows exactly as it is: never a link, an image, HTML,
    formatting, a colour, an icon or a formula. Line breaks become spaces.

    Use it for every such value put into ``st.markdown``, ``st.caption``, ``st.write`` of text,
    ``st.info``/``warning``/``error``/``success``/``toast``, headers, and the labels and
    tooltips (``help``) of widgets and tiles, which Streamlit renders as Markdown too. With
    ``code``, the value goes inside a code span of the message (between backticks), where only a
    backtick means something: it becomes a look-alike (U+02CB).
    """
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    if code:
        return text.replace("`", "\u02cb")
    text = _AUTOLINK.sub(WORD_JOINER, text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
