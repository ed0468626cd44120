"""The selection a page shows (period, campaigns, platforms, regions, thematic areas), in the URL.

A ``Selection`` (the metrics layer's, ``dashboard.metrics.Selection``) is what the filters say;
its defaults (no dates, empty lists) mean the whole programme over the whole period, so a
selection left alone stays "everything" as campaigns are added. It is written to the URL's
query string in a compact form, so a copied link reopens the same view::

    ?from=2026-03-01&to=2026-06-30&c=PDP-01,FOE-02&p=instagram&r=Almaty&t=digital%20security

``from``/``to`` are ISO dates (left out when they are the programme's first or last day), and
``c`` (campaign codes), ``p`` (platforms), ``r`` (regions) and ``t`` (thematic areas) are
comma-separated lists (left out when empty, meaning all); a comma inside a value is written
``\\,``. ``lang`` (see ``dashboard.i18n``) sits beside them. Reading a link never fails: a value
that is not a date, outside the programme period or not in the warehouse is dropped, with a
``Note`` the sidebar shows.

``encode`` and ``decode`` are pure; ``sidebar_filters(wh)`` draws the widgets, keeps them and the
URL in step, and returns the ``Selection`` for the page's queries (``dashboard.data`` and the
metrics layer take it as it is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard.charts import PLATFORM_NAMES
from dashboard.i18n import current_language, input_date_format, literal, t
from dashboard.metrics import Selection, lookups

# URL parameter -> Selection field, for the list filters.
LIST_PARAMS: dict[str, str] = {"c": "campaigns", "p": "platforms", "r": "regions", "t": "themes"}
DATE_PARAMS: dict[str, str] = {"from": "start", "to": "end"}
PARAMS: tuple[str, ...] = (*DATE_PARAMS, *LIST_PARAMS)

# Session-state keys of the widgets, and of the last query string the sidebar wrote.
WIDGET_KEYS: dict[str, str] = {
    "start": "filter_from",
    "end": "filter_to",
    "campaigns": "filter_campaigns",
    "platforms": "filter_platforms",
    "regions": "filter_regions",
    "themes": "filter_themes",
}
_LAST_QUERY = "_filters_query"
_LAST_NOTES = "_filters_notes"
_SWAPPED = "_filters_swapped"

# Catalogue key of each list filter's name, as notes and widgets show it.
_FILTER_LABELS = {
    "campaigns": "filters.campaigns",
    "platforms": "filters.platforms",
    "regions": "filters.regions",
    "themes": "filters.themes",
}


@dataclass(frozen=True)
class Options:
    """What the filters can choose from: the programme's period and the values in the warehouse.

    ``campaigns`` maps code -> name. An ``Options()`` with nothing in it accepts any value.
    """

    first_day: dt.date | None = None
    last_day: dt.date | None = None
    campaigns: Mapping[str, str] = field(default_factory=dict)
    platforms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    theme_names: Mapping[str, str] = field(default_factory=dict)  # in the page's language

    def choices(self, name: str) -> tuple[str, ...]:
        return tuple(self.campaigns) if name == "campaigns" else getattr(self, name)


@dataclass(frozen=True)
class Note:
    """Something in the link that was not used: a catalogue key and its parameters."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str | None = None) -> str:
        """The note in ``lang``, as Markdown: what came from the link (typed by whoever made
        it) is shown as text, never as a link, an image or formatting."""
        params = dict(self.params)
        for name in ("param", "value"):  # inside a code span in the messages
            if name in params:
                params[name] = literal(params[name], code=True)
        if "values" in params:
            params["values"] = literal(params["values"])
        if "what" in params:
            params["what"] = t(params["what"], lang=lang)
        return t(self.key, lang=lang, **params)


# --- the query string, both ways (pure) -----------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,")


def split_list(text: str) -> list[str]:
    """``"a,b\\,c"`` -> ``["a", "b,c"]``: commas separate, ``\\,`` is a comma; blanks dropped."""
    items: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def join_list(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(_escape(v) for v in values)


def encode(selection: Selection, options: Options | None = None) -> dict[str, str]:
    """The query parameters of a selection: only what differs from the default.

    With ``options``, a start on the programme's first day or an end on its last is left out.
    """
    out: dict[str, str] = {}
    first = options.first_day if options else None
    last = options.last_day if options else None
    if selection.start is not None and selection.start != first:
        out["from"] = selection.start.isoformat()
    if selection.end is not None and selection.end != last:
        out["to"] = selection.end.isoformat()
    for param, name in LIST_PARAMS.items():
        values = getattr(selection, name)
        if values:
            out[param] = join_list(values)
    return out


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def decode(
    params: Mapping[str, str | list[str]], options: Options | None = None
) -> tuple[Selection, list[Note]]:
    """The selection a query string asks for, and a note for everything in it that was dropped.

    Never raises. Unknown parameters are left alone (they belong to someone else). With
    ``options``, dates must fall in the programme period and list values must exist (matched
    without regard to case, and written back as the warehouse spells them); a first or last day
    equal to the programme's own is the default. Repeated parameters (``c=A&c=B``) add up.
    """
    options = options or Options()
    notes: list[Note] = []
    values: dict[str, Any] = {}

    def text_of(param: str) -> str | None:
        raw = params.get(param)
        if raw is None:
            return None
        return ",".join(str(v) for v in raw) if isinstance(raw, list | tuple) else str(raw)

    for param, name in DATE_PARAMS.items():
        raw = text_of(param)
        if raw is None or not raw.strip():
            continue
        day = _parse_date(raw)
        if day is None:
            notes.append(Note("filters.bad_date", (("param", param), ("value", raw[:40]))))
            continue
        first, last = options.first_day, options.last_day
        if (first and day < first) or (last and day > last):
            notes.append(
                Note(
                    "filters.outside",
                    (
                        ("param", param),
                        ("value", raw),
                        ("first", _iso(first)),
                        ("last", _iso(last)),
                    ),
                )
            )
            continue
        if (name == "start" and day == first) or (name == "end" and day == last):
            continue
        values[name] = day

    start, end = values.get("start"), values.get("end")
    if start and end and start > end:
        notes.append(Note("filters.reversed", (("start", _iso(start)), ("end", _iso(end)))))
        values.pop("start")
        values.pop("end")

    for param, name in LIST_PARAMS.items():
        raw = text_of(param)
        if raw is None:
            continue
        choices = options.choices(name)
        known = {c.casefold(): c for c in choices}
        kept: list[str] = []
        unknown: list[str] = []
        for item in split_list(raw):
            if choices:
                match = known.get(item.casefold())
                if match is None:
                    unknown.append(item[:60])
                    continue
                item = match
            if item not in kept:
                kept.append(item)
        if unknown:
            notes.append(
                Note(
                    "filters.unknown",
                    (("what", _FILTER_LABELS[name]), ("values", ", ".join(unknown[:10]))),
                )
            )
        if kept:
            values[name] = tuple(kept)

    return Selection(**values), notes


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "…"


def from_widgets(state: Mapping[str, Any], options: Options) -> tuple[Selection, list[Note]]:
    """The selection the widgets show (by their session-state keys); swaps a reversed period."""
    notes: list[Note] = []
    start = state.get(WIDGET_KEYS["start"])
    end = state.get(WIDGET_KEYS["end"])
    start = start if isinstance(start, dt.date) else None
    end = end if isinstance(end, dt.date) else None
    if start and end and start > end:
        start, end = end, start
        notes.append(Note("filters.period_swapped"))
    selection = Selection(
        start=None if start == options.first_day else start,
        end=None if end == options.last_day else end,
        **{
            name: tuple(v for v in state.get(WIDGET_KEYS[name]) or () if v in options.choices(name))
            for name in LIST_PARAMS.values()
        },
    )
    return selection, notes


def period(selection: Selection, options: Options) -> tuple[dt.date | None, dt.date | None]:
    """The selection's period as dates, the programme's first and last day filling open ends."""
    return (selection.start or options.first_day, selection.end or options.last_day)


def widget_values(selection: Selection, options: Options) -> dict[str, Any]:
    """Session-state values that make the widgets show ``selection``."""
    start, end = period(selection, options)
    values: dict[str, Any] = {WIDGET_KEYS["start"]: start, WIDGET_KEYS["end"]: end}
    for name in LIST_PARAMS.values():
        values[WIDGET_KEYS[name]] = list(getattr(selection, name))
    return values


# --- the sidebar (Streamlit) -----------------------------------------------------------------


def options_from(wh: Any) -> Options:
    """The filter choices in a warehouse, from ``dashboard.data``'s cached queries."""
    lang = current_language()
    found = lookups.filter_options(wh, lang)
    return Options(
        first_day=found["first_day"],
        last_day=found["last_day"],
        campaigns=lookups.campaign_names(wh, lang),
        platforms=tuple(found["platforms"]),
        regions=tuple(found["regions"]),
        themes=tuple(found["themes"]),
        theme_names=found["theme_names"],
    )


def _url_query() -> dict[str, str]:
    return {p: ",".join(st.query_params.get_all(p)) for p in PARAMS if p in st.query_params}


def _write_url(query: Mapping[str, str]) -> None:
    for param in PARAMS:
        if param in query:
            if st.query_params.get_all(param) != [query[param]]:
                st.query_params[param] = query[param]
        elif param in st.query_params:
            del st.query_params[param]


def _order_period() -> None:
    """Swap the period's ends when the start was set after the end (a widget callback)."""
    start, end = (
        st.session_state.get(WIDGET_KEYS["start"]),
        st.session_state.get(WIDGET_KEYS["end"]),
    )
    if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
        st.session_state[WIDGET_KEYS["start"]] = end
        st.session_state[WIDGET_KEYS["end"]] = start
        st.session_state[_SWAPPED] = True


def _keep_within(state: Any, options: Options) -> None:
    """Bring widget state kept from earlier runs within today's choices (a load may have
    changed the programme period or removed a campaign): Streamlit refuses a date outside
    ``min_value``/``max_value`` and a selection outside the options."""
    first, last = options.first_day, options.last_day
    for name in ("start", "end"):
        key = WIDGET_KEYS[name]
        day = state.get(key)
        if isinstance(day, dt.date) and first and last and not first <= day <= last:
            state[key] = min(max(day, first), last)
    for name in LIST_PARAMS.values():
        key = WIDGET_KEYS[name]
        chosen = state.get(key)
        if chosen and any(v not in options.choices(name) for v in chosen):
            state[key] = [v for v in chosen if v in options.choices(name)]


def _reset(options: Options) -> None:
    for key, value in widget_values(Selection(), options).items():
        st.session_state[key] = value


def _draw_widgets(options: Options) -> None:
    """The filters' widgets, showing the values their session-state keys hold."""
    st.header(t("filters.title"))
    date_format = input_date_format()
    st.date_input(
        t("filters.from"),
        key=WIDGET_KEYS["start"],
        min_value=options.first_day,
        max_value=options.last_day,
        format=date_format,
        on_change=_order_period,
    )
    st.date_input(
        t("filters.to"),
        key=WIDGET_KEYS["end"],
        min_value=options.first_day,
        max_value=options.last_day,
        format=date_format,
        on_change=_order_period,
    )
    names = options.campaigns
    lists = {
        "campaigns": lambda code: f"{code} · {names.get(code, '')}",
        "platforms": lambda p: PLATFORM_NAMES.get(p, p),
        "regions": str,
        "themes": lambda area: options.theme_names.get(area, area),
    }
    for name, label in lists.items():
        if options.choices(name):
            st.multiselect(
                t(_FILTER_LABELS[name]),
                options=list(options.choices(name)),
                format_func=label,
                key=WIDGET_KEYS[name],
                placeholder=t("filters.all"),
            )


def sidebar_filters(wh: Any, container: Any = None) -> Selection:
    """Draw the filters in the sidebar, keep them in the URL, and return the selection.

    The link rules when it changes (a new session, a pasted link); otherwise the widgets do,
    and their state is written back to the URL. Moving to a page without filters clears the
    URL's parameters (Streamlit's rule): coming back restores them from the session.
    With no campaigns in the warehouse it draws nothing and returns the default selection.
    """
    options = options_from(wh)
    if options.first_day is None or options.last_day is None:
        return Selection()
    state = st.session_state
    last_query = state.get(_LAST_QUERY)

    query = _url_query()
    if not query and last_query:
        query = dict(last_query)  # a page switch cleared the URL: same session, same view
    from_url, notes = decode(query, options)
    url_changed = last_query is None or encode(from_url, options) != last_query
    if url_changed or any(key not in state for key in WIDGET_KEYS.values()):
        for key, value in widget_values(from_url, options).items():
            state[key] = value
    else:
        # Each page draws its own filter widgets, and Streamlit gives a widget first drawn on
        # another page its default value unless the value was set in code: set it again.
        for key in WIDGET_KEYS.values():
            state[key] = state[key]
    if url_changed:
        state[_LAST_NOTES] = notes
    _keep_within(state, options)

    where = container if container is not None else st.sidebar
    with where:
        _draw_widgets(options)
        selection, widget_notes = from_widgets(state, options)
        if state.pop(_SWAPPED, False):
            widget_notes.append(Note("filters.period_swapped"))
        if not selection.is_default():
            st.button(t("filters.reset"), on_click=_reset, args=(options,), key="filter_reset")
        query = encode(selection, options)
        if query != encode(from_url, options):
            state[_LAST_NOTES] = []  # the notes were about the link as it was opened
        for note in [*state.get(_LAST_NOTES, []), *widget_notes]:
            st.warning(note.text(), icon=":material/link_off:")

    state[_LAST_QUERY] = query
    _write_url(query)
    return selection
