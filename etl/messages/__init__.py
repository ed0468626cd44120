"""The loader's messages as codes and parameters, written in English, Russian or Kazakh.

Every error, warning and summary the loader reports is a *code* (``stage.reach_above_impressions``)
and *parameters* (the row, the column, the value, numbers and names). The texts live in
catalogues ``etl/messages/<area>/{en,ru,kk}.toml`` with full dotted keys, one file per language
with the same keys; a text holds ``{name}`` placeholders and may come in plural forms (an inline
table with CLDR categories ``one``, ``few``, ``many``, ``other``) chosen by the ``count``
parameter. ``message(code, **params)`` gives a ``Message``: the English text (a ``str``, so it
goes wherever a message went before) that also carries its code and parameters, so a page or the
command line can ``render`` it in another language.

The catalogue format (nesting, plural tables) is the dashboard's too: ``flatten`` and
``plural_form`` are shared with ``dashboard.i18n``.
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale

log = logging.getLogger(__name__)

CATALOGUE_DIR = Path(__file__).parent
LANGUAGES = ("en", "ru", "kk")
DEFAULT_LANGUAGE = "en"
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
# Parameters whose value is itself a label (a kind of file, a load's status): written through
# the catalogue's ``label.<name>.<value>`` where the language has one.
LABEL_PARAMS = {
    "kind": "label.kind",
    "status": "label.status",
    "field_help": "",  # kind.field: the field's description, as the templates give it
    "export": "label.export",  # a platform export's name (etl/exports.toml, other_exports.toml)
    "instead": "label.instead",  # what to upload instead of an export we do not store
}

Entry = str | dict[str, str]
# How a caller writes a parameter that is a label: (name, value, lang) -> text, or None.
Labels = Callable[[str, Any, str], str | None]


# --- the catalogue format (shared with dashboard.i18n) ----------------------------------------


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Entry]:
    """A TOML table as dotted keys; an inline table of plural forms stays one entry."""
    out: dict[str, Entry] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            if value and set(value) <= PLURAL_FORMS and "other" in value:
                out[key] = {form: str(text) for form, text in value.items()}
            else:
                out.update(flatten(value, f"{key}."))
        else:
            out[key] = str(value)
    return out


@cache
def _plural_locale(lang: str) -> Locale:
    return Locale.parse(lang)


def plural_form(lang: str, count: float) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (``one``, ``few``, ``many``, ``other``)."""
    try:
        return _plural_locale(lang.split("_")[0]).plural_form(abs(count))
    except Exception:
        return "other"


def choose_form(entry: Entry, lang: str, count: Any) -> str:
    """The text of an entry: itself, or the plural form ``count`` takes in ``lang``."""
    if not isinstance(entry, dict):
        return entry
    try:
        number = float(count)
    except (TypeError, ValueError):
        number = 0
    return entry.get(plural_form(lang, number)) or entry["other"]


def placeholders(entry: Entry) -> set[str]:
    """The ``{names}`` a text (every plural form of it) uses."""
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {
        name.split(".")[0].split("[")[0]
        for text in texts
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }


# --- the loader's catalogue ------------------------------------------------------------------


@cache
def catalogue(lang: str) -> dict[str, Entry]:
    """Every message text of one language, by code (read once per process). A code defined in
    two files is an error, not an override."""
    merged: dict[str, Entry] = {}
    for path in sorted(CATALOGUE_DIR.glob(f"*/{lang}.toml")):
        with path.open("rb") as f:
            texts = flatten(tomllib.load(f))
        twice = sorted(set(texts) & set(merged))
        if twice:
            raise ValueError(f"{path}: codes already defined in another catalogue file: {twice}")
        merged.update(texts)
    return merged


def text_of(code: str, lang: str = DEFAULT_LANGUAGE) -> Entry:
    """The catalogue entry of ``code`` in ``lang`` (English when the language lacks it)."""
    entry = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(code)
    if entry is None:
        entry = catalogue(DEFAULT_LANGUAGE).get(code)
    if entry is None:
        raise KeyError(f"no loader message {code!r}")
    return entry


def label(name: str, value: Any, lang: str) -> str:
    """A parameter that is a label (``kind``, ``status``) in ``lang``: its catalogue text, or
    the value itself."""
    prefix = LABEL_PARAMS.get(name)
    if prefix is None or value is None:
        return "" if value is None else str(value)
    if name == "field_help":
        return _field_help(str(value), lang)
    if name in ("export", "instead"):
        return _export_text(name, str(value), lang)
    entry = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(f"{prefix}.{value}")
    return entry if isinstance(entry, str) else str(value)


def _export_text(name: str, value: str, lang: str) -> str:
    """A platform export's label (or what to upload instead of it) in ``lang``: the
    catalogue's ``label.export.<name>``, else the English of ``etl/exports.toml`` and
    ``etl/other_exports.toml``."""
    if lang != DEFAULT_LANGUAGE:
        entry = catalogue(lang).get(f"{LABEL_PARAMS[name]}.{value}")
        if isinstance(entry, str):
            return entry
    from etl import platform_exports, recognise  # their settings files hold the English

    if name == "instead":
        return next((e.instead for e in recognise.other_exports() if e.name == value), value)
    labels = {
        x.name: x.label
        for x in (
            *platform_exports.profiles(),
            *platform_exports.breakdowns(),
            *recognise.other_exports(),
        )
    }
    return labels.get(value, value)


def _field_help(value: str, lang: str) -> str:
    """The description of a field (``kind.field``) in ``lang``, as the templates give it."""
    from etl import templates  # the templates' wording; imported here, it is only data

    kind, _, name = value.partition(".")
    try:
        field = next(f for f in templates.spec(kind).fields if f.name == name)
        return templates.field_help(kind, field, lang if lang in LANGUAGES else "en").rstrip(".")
    except (KeyError, StopIteration):
        return value


def render(
    code: str,
    params: Mapping[str, Any] | None,
    lang: str = DEFAULT_LANGUAGE,
    *,
    labels: Labels | None = None,
) -> str:
    """The text of ``code`` in ``lang`` with its parameters filled in.

    A parameter named in ``LABEL_PARAMS`` is written as its label in the language; ``labels``,
    when given, is asked first (``labels(name, value, lang)``; None: not known to it). A
    nested message (a parameter that is a mapping with a ``code``) is rendered in turn.
    """
    params = dict(params or {})
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    entry = text_of(code, lang)
    text = choose_form(entry, lang, params.get("count"))
    filled: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Message):
            value = value.render(lang)
        elif isinstance(value, Mapping) and value.get("code") == "load_summary":
            from etl.load.result import summary_message  # a load's summary, from its figures

            value = summary_message(value.get("params") or {}, lang, labels=labels)
        elif isinstance(value, Mapping) and "code" in value:
            value = render(value["code"], value.get("params"), lang, labels=labels)
        elif name in LABEL_PARAMS:
            given = labels(name, value, lang) if labels else None
            value = given if given is not None else label(name, value, lang)
        elif value is None:
            value = ""
        filled[name] = value
    try:
        return text.format(**filled)
    except (KeyError, IndexError, ValueError) as error:
        log.warning("loader message %r (%s) could not be filled: %s", code, lang, error)
        return text


class Message(str):
    """A loader message: its English text, with the ``code`` and ``params`` it was made from."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, params: Mapping[str, Any] | None = None) -> Message:
        params = dict(params or {})
        self = super().__new__(cls, render(code, params, DEFAULT_LANGUAGE))
        self.code = code
        self.params = params
        return self

    def __reduce__(self):  # pickles (isolate's child processes) as a Message again
        return (Message, (self.code, self.params))

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, self.params, lang)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def message(code: str, **params: Any) -> Message:
    """The message ``code`` with ``params``; its ``str`` is the English text."""
    return Message(code, params)


def english(code: str, **params: Any) -> Message:
    """The same as ``message``: the English text, which carries its code and parameters."""
    return Message(code, params)


def plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON holds them: a nested message as its code and parameters."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Message):
            value = {"code": value.code, "params": plain_params(value.params)}
        out[name] = value
    return out


def code_of(text: Any) -> tuple[str | None, dict[str, Any]]:
    """The code and parameters of a message (None and {} for plain text)."""
    if isinstance(text, Message):
        return text.code, plain_params(text.params)
    return None, {}
