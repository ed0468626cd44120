"""What every page draws the same way: tables and charts with their data downloadable (CSV and
XLSX) and a short definition under them, empty states, and the date statuses are computed at.

Tables write their figures in the reader's language: a number column of a figure kind
(:func:`figure_column`, ``i18n.FIGURES``) or given a Streamlit format (``localized``, ``euro``,
``percent``, or a printf ``%d`` / ``%.1f``) is shown through ``i18n.figure_formatter``
(``1 234`` and ``3,07 %`` in Russian) while the cells keep their numeric values, so the table
still sorts by value; an absent text shows ``—``, never ``None``. Streamlit's own formats follow
the browser's locale, not the language chosen in the dashboard, so English tables are written
the same way.

Downloads are written by ``dashboard.table_files`` (:func:`csv_bytes`, :func:`xlsx_bytes`, pure
and without Streamlit): text cells that a spreadsheet would read as a formula get a leading
apostrophe (``etl.cells.neutral``, the rule of every file that leaves the system), so a post
title or a comment can never run as a formula when a download is opened in Excel or LibreOffice.

Text that comes from a link or from the data (campaign names, file names, codes typed into a
URL) is shown as text, never as Markdown or HTML: :func:`plain` escapes it for every Streamlit
element that renders Markdown (messages, captions, labels, tooltips), and the charts' data
labels are escaped for plotly's HTML-like text in :func:`figure` and :func:`chart`.

Downloads are built only when clicked (Streamlit runs the callable then), so a page run does not
pay for files nobody asks for. The frame behind each download is kept in
``st.session_state["_downloads"][key]`` for the run, so tests can check what a download serves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from plotly.basedatatypes import BaseFigure

from dashboard.i18n import (
    LANG_KEY,
    MISSING,
    column_date_format,
    column_datetime_format,
    current_language,
    figure_formatter,
    figure_kind,
    fmt_date,
    literal,
    localize_figure,
    number_formatter,
    t,
)
from dashboard.table_files import CSV_MIME, XLSX_MIME, csv_bytes, xlsx_bytes
from dashboard.table_files import neutralise as neutralise

DOWNLOADS_KEY = "_downloads"


# --- text from links and data, shown as text -------------------------------------------------

# Text from links and data as Markdown that shows it as it is (see ``i18n.literal``).
plain = literal


_BARE_CODE = re.compile(r"(?i)(?!.*www\.)[a-z0-9][a-z0-9.\-]*")


def plain_code(code: Any) -> str:
    """A code from the data (a campaign code) for a message that shows it both in a sentence and
    inside a command between backticks: as it is when it is letters, digits, hyphens and dots
    only (codes as the templates write them: nothing there Markdown reads, in a sentence or a
    code span), else :func:`plain` (never markup; the command then shows the backslashes)."""
    text = "" if code is None else str(code)
    return text if _BARE_CODE.fullmatch(text) else plain(text)


def chart_text(value: Any) -> Any:
    """A data label of a chart (a category, a trace's name, a hover text) as plotly shows text:
    its HTML-like tags (``<a href>``, ``<b>``, ``<br>``) and entities written as characters.
    Anything but text is unchanged."""
    if not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# The parts of a plotly trace that hold data text; titles, templates and axis texts are the
# page's own (catalogue texts) and keep their markup (``<br>``, ``<extra>``).
_TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "ids", "name", "legendgrouptitle")


def _escaped_figure(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (a figure's dict) with the text that comes from the data escaped for plotly:
    categories, trace names, text and hover text, and the category tick labels."""
    for trace in spec.get("data", []):
        for key in _TRACE_TEXT:
            value = trace.get(key)
            if isinstance(value, str):
                trace[key] = chart_text(value)
            elif isinstance(value, list | tuple):
                trace[key] = [chart_text(v) for v in value]
            elif getattr(value, "ndim", 0) == 1 and value.dtype == object:
                trace[key] = [chart_text(v) for v in value.tolist()]
        custom = trace.get("customdata")
        if getattr(getattr(custom, "dtype", None), "kind", "") == "O" or isinstance(
            custom, list | tuple
        ):
            trace["customdata"] = _escaped_custom(custom)
    for key, axis in spec.get("layout", {}).items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            for part in ("ticktext", "categoryarray"):
                if isinstance(axis.get(part), list | tuple):
                    axis[part] = [chart_text(v) for v in axis[part]]
    return spec


def _escaped_custom(custom: Any) -> list:
    rows = custom.tolist() if hasattr(custom, "tolist") else list(custom)
    return [
        [chart_text(v) for v in row] if isinstance(row, list | tuple) else chart_text(row)
        for row in rows
    ]


def _lazy(build: Callable[[pd.DataFrame], bytes], df: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: build(df)


def downloads(df: pd.DataFrame, *, key: str, name: str, what: str = "table") -> None:
    """Two buttons side by side, "Download CSV" and "Download Excel", for the frame; ``name``
    is the file name without extension."""
    st.session_state.setdefault(DOWNLOADS_KEY, {})[key] = df
    help_text = t("common.download_help", what=t(f"common.{what}"), rows=len(df))
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        t("common.download_csv"),
        data=_lazy(csv_bytes, df),
        file_name=f"{name}.csv",
        mime=CSV_MIME,
        key=f"{key}_csv",
        help=help_text,
        icon=":material/download:",
        on_click="ignore",
        width="content",
    )
    row.download_button(
        t("common.download_xlsx"),
        data=_lazy(lambda d: xlsx_bytes(d, name), df),
        file_name=f"{name}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        help=help_text,
        icon=":material/download:",
        on_click="ignore",
        width="content",
    )


def definition(text: str) -> None:
    """The short definition of what a chart or table shows, under it."""
    st.caption(text)


# Streamlit's own format nearest to each figure kind (what the configuration says; the cells
# are written by ``i18n.figure_formatter`` in :func:`localized`).
_STREAMLIT_FORMATS = {"number": "localized", "percent": "percent", "money": "euro"}
FIGURE_KEY = "figure"  # the figure kind of a column, in its configuration until it is drawn
CURRENCY_KEY = "figure_currency"


def figure_column(label: str, kind: str, *, currency: str | None = None, **kwargs: Any) -> Any:
    """A number column of figures of ``kind`` (a key of ``i18n.FIGURES``; money in
    ``currency``, EUR unless told), written as every tile and chart writes them: a ``count``
    column never shows decimals, an amount has the decimals of its kind whatever its value."""
    spec = st.column_config.NumberColumn(
        label, format=_STREAMLIT_FORMATS[figure_kind(kind).style], **kwargs
    )
    return {**spec, FIGURE_KEY: kind, CURRENCY_KEY: currency}


def number_column(label: str, **kwargs: Any) -> Any:
    """A number column written in the reader's language (``1 234``, ``1 234,57``)."""
    return st.column_config.NumberColumn(label, format="localized", **kwargs)


def count_column(label: str, **kwargs: Any) -> Any:
    """A count (impressions, posts, rows): ``313 787``, never with decimals."""
    return figure_column(label, "count", **kwargs)


def percent_column(label: str, **kwargs: Any) -> Any:
    """A share (0.0307) shown as a percentage in the reader's language."""
    return st.column_config.NumberColumn(label, format="percent", **kwargs)


def euro_column(label: str, **kwargs: Any) -> Any:
    """An amount in euros, in the reader's language."""
    return st.column_config.NumberColumn(label, format="euro", **kwargs)


def date_column(label: str, **kwargs: Any) -> Any:
    """A date column written as the reader's language writes dates."""
    return st.column_config.DateColumn(label, format=column_date_format(), **kwargs)


_PRINTF = re.compile(r"%[,']?(?:\.(\d))?[dif]")


def column_writer(
    fmt: str | None, values: pd.Series, kind: str | None = None, currency: str | None = None
) -> Callable[[Any], str] | None:
    """How a number column with Streamlit format ``fmt`` (or of figure ``kind``, which wins,
    money in ``currency``) is written in the current language, or None to leave it to
    Streamlit (no format, ``plain``, or a format it alone knows)."""
    if kind is not None:
        return figure_formatter(kind, currency=currency)
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    whole = bool(((numbers % 1) == 0).all())
    if fmt == "localized":
        return figure_formatter("count") if whole else number_formatter(2)
    if fmt == "euro":
        return figure_formatter("money" if whole else "unit_cost")
    if fmt == "percent":
        small = numbers.empty or numbers.abs().max() < 0.1
        return figure_formatter("rate" if small else "share")
    match = _PRINTF.fullmatch(fmt or "")
    if match:
        return number_formatter(int(match.group(1) or 0))
    return None


def _text_with_gaps(values: pd.Series) -> bool:
    """Whether a column of text has absent cells (which Streamlit would show as ``None``)."""
    text = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
    if not (text and values.isna().any()):
        return False
    return not any(isinstance(v, list | tuple | dict | set) for v in values)


def _plain_text(config: Mapping[str, Any] | None, column: str) -> bool:
    """Whether ``column`` is shown as plain text (no configuration, or a text column), not a
    link, a list or a picture, whose cells Streamlit draws from their values."""
    spec = (config or {}).get(column)
    if not isinstance(spec, Mapping):
        return True
    return (spec.get("type_config") or {}).get("type") in (None, "text")


def localized(df: pd.DataFrame, column_config: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """``df`` and its column configuration, with every formatted number column written in the
    reader's language (English too: Streamlit's own formats follow the browser's locale, and
    their decimals the values), and absent values of any column shown as ``i18n.MISSING``,
    never ``None``: a Styler whose display text carries the format, and the format taken out of
    the configuration so Streamlit shows that text (and still sorts by the values)."""
    writers: dict[str, Callable[[Any], str]] = {}
    # What, with the frame and the language, decides each written column's text.
    written: list[tuple[Any, ...]] = []
    config = dict(column_config) if column_config else column_config
    for column, spec in (column_config or {}).items():
        if not isinstance(spec, Mapping):
            continue
        if FIGURE_KEY in spec:
            spec = {k: v for k, v in spec.items() if k not in (FIGURE_KEY, CURRENCY_KEY)}
            config[column] = spec
        if column not in df.columns:
            continue
        type_config = spec.get("type_config") or {}
        if type_config.get("type") != "number":
            continue
        kind = column_config[column].get(FIGURE_KEY)
        currency = column_config[column].get(CURRENCY_KEY)
        writer = column_writer(type_config.get("format"), df[column], kind, currency)
        if writer is not None and not df.empty:
            writers[column] = writer
            written.append((column, type_config.get("format"), kind, currency))
            config[column] = {**spec, "type_config": {**type_config, "format": None}}
    texts = [
        c
        for c in df.columns
        if c not in writers and _plain_text(config, c) and _text_with_gaps(df[c])
    ]
    if df.empty or not (writers or texts):
        return df, config
    key = _content_key(df, written, texts, current_language())
    if key is None:  # a frame with no pickle: written again on every run
        return _styled(*_shown_cells(df, writers, texts)), config
    return _styled(*_kept_cells(key, df, writers, texts)), config


def _content_key(*parts: Any) -> bytes | None:
    """A digest of ``parts`` (frames among them) by their pickle: the same pickle means the
    same content, and a frame's pickle costs a tenth of hashing its rows. None when they have
    no pickle."""
    try:
        data = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


@st.cache_resource(show_spinner=False, max_entries=256)
def _kept_cells(
    key: bytes,
    _df: pd.DataFrame,
    _writers: Mapping[str, Callable[[Any], str]],
    _texts: Iterable[str],
) -> tuple[pd.DataFrame, dict[int, list[tuple[int, str]]]]:
    """:func:`_shown_cells` of a table, kept by its content (``key``) and language: a rerun
    shows the same frame again without writing a cell. The frame kept is only ever read."""
    return _shown_cells(_df, _writers, _texts)


class _Shown:
    """A number that a table sends as its value and shows as ``text`` (``str`` and ``format``
    give the text): see :func:`_shown_cells`. Mixed into ``float`` and ``int``."""

    __slots__ = ()
    text: str

    def __new__(cls, value: Any, text: str) -> Any:
        number = super().__new__(cls, value)  # type: ignore[call-arg]
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return self.text


class _ShownFloat(_Shown, float):
    __slots__ = ("text",)


class _ShownInt(_Shown, int):
    """A whole number, sent as one (an ``int`` keeps a dict for its text)."""


def _shown_numbers(values: pd.Series, write: Callable[[Any], str]) -> tuple[list[Any], list[int]]:
    """Each value of a number column as a number carrying its text (None where absent), and
    the rows where it is absent."""
    number = _ShownInt if pd.api.types.is_integer_dtype(values.dtype) else _ShownFloat
    gaps = values.isna().to_numpy()
    values_gaps = zip(values.tolist(), gaps, strict=True)
    out = [None if gap else number(v, write(v)) for v, gap in values_gaps]
    return out, gaps.nonzero()[0].tolist()


def _shown_cells(
    df: pd.DataFrame, writers: Mapping[str, Callable[[Any], str]], texts: Iterable[str]
) -> tuple[pd.DataFrame, dict[int, list[tuple[int, str]]]]:
    """The frame a table of ``df`` sends, showing the text ``writers[column]`` writes for each
    value of those number columns, and the text of its absent cells (``{column position:
    [(row, text)]}``: the writer's for a number column, ``i18n.MISSING`` for a ``texts`` column).

    Streamlit shows each cell of a Styler as its value's ``str``, unless ``Styler._translate``
    lays out another text for it, which Streamlit then matches to its cell one by one on every
    rerun. Here the written columns' numbers carry their own text (``str`` of such a number is
    what the table shows; its value is what the table sends and sorts by), so only the absent
    cells are laid out: a table costs a third of what laying out every cell does."""
    data = df.copy(deep=False)
    absent: dict[int, list[tuple[int, str]]] = {}
    for position, column in enumerate(df.columns):
        values = df.iloc[:, position]
        if column in writers:
            shown, rows = _shown_numbers(values, writers[column])
            data.isetitem(position, pd.Series(shown, index=df.index, dtype=object))
            gap = writers[column](None)
        elif column in texts:
            rows, gap = values.isna().to_numpy().nonzero()[0].tolist(), MISSING
        else:
            continue
        if rows:
            absent[position] = [(row, gap) for row in rows]
    return data, absent


def _styled(data: pd.DataFrame, absent: Mapping[int, list[tuple[int, str]]]) -> Styler:
    """A Styler of ``data`` laying out only the ``absent`` cells' text: a pandas Styler is the
    form Streamlit takes a cell's shown text in, and the table still sorts by the values."""
    styler = Styler(data)

    def translate(*args: Any, **kwargs: Any) -> dict[str, Any]:
        body = [
            [{"id": f"row{row}_col{col}", "display_value": text} for row, text in cells]
            for col, cells in absent.items()
        ]
        return {"body": body, "cellstyle": [], "table_styles": []}

    styler._translate = translate  # type: ignore[method-assign]
    return styler


def table(
    df: pd.DataFrame,
    *,
    key: str,
    name: str,
    definition_text: str,
    download: pd.DataFrame | None = None,
    **dataframe_kwargs: Any,
) -> Any:
    """A table with its downloads and definition. ``download`` is the frame offered for
    download when it differs from the one shown (raw values rather than formatted labels,
    say). Returns what ``st.dataframe`` returns (the selection, with ``on_select``)."""
    dataframe_kwargs.setdefault("hide_index", True)
    shown, config = localized(df, dataframe_kwargs.pop("column_config", None))
    event = st.dataframe(shown, key=key, column_config=config, **dataframe_kwargs)
    definition(definition_text)
    downloads(df if download is None else download, key=key, name=name, what="table")
    return event


_BUILDERS: dict[str, Callable[..., Any]] = {}


def _function_name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _frame_key(frame: pd.DataFrame) -> Any:
    """What a chart's frame is known by in the figure cache: a digest of its pickle (columns,
    types, index and every cell), a twentieth of what Streamlit's own hash of a frame costs (a
    warm rerun hashes every chart's frame); its rows' hash when it has no pickle."""
    key = _content_key(frame)
    if key is not None:
        return key
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), rows)


def _dict_key(value: dict) -> Any:
    """What a chart's dict argument (campaign names, colours) is known by in the figure cache:
    its pickle, a hundredth of what Streamlit's item-by-item hash costs; the same pickle means
    the same dict (a dict pickled otherwise only misses the cache). Its items when it has no
    pickle."""
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return tuple(value.items())


@st.cache_data(
    show_spinner=False,
    max_entries=256,
    hash_funcs={types.FunctionType: _function_name, pd.DataFrame: _frame_key, dict: _dict_key},
)
def _cached_figure(name: str, lang: str, args: tuple, kwargs: tuple) -> dict[str, Any]:
    spec = _escaped_figure(
        localize_figure(_BUILDERS[name](*args, **dict(kwargs)), lang=lang).to_dict()
    )
    # Streamlit draws every chart in its own theme; plotly's default template would only cost
    # its validation (a fifth of a chart's time) on every rerun.
    spec["layout"].pop("template", None)
    return spec


class BuiltFigure(BaseFigure):
    """A figure plotly has already built and checked, kept as its dict. Streamlit checks a dict
    by building the whole figure again (most of a chart's time on a rerun) but takes a plotly
    figure's ``to_dict()`` as it is; this is a figure whose ``to_dict()`` is the kept dict."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self._spec


def figure(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> BuiltFigure:
    """``builder(*args, **kwargs)``, a chart builder, as a figure in the reader's language,
    cached like a query: plotly spends more time checking a figure it builds than DuckDB
    spends on the figures, so a rerun with the same data reuses the one built before. The
    arguments are what ``st.cache_data`` hashes (frames, text, numbers, dicts), and functions,
    known by name (``month_labels=fmt_month``: the language is part of the key)."""
    name = _function_name(builder)
    _BUILDERS[name] = builder
    return BuiltFigure(
        _cached_figure(name, current_language(), args, tuple(sorted(kwargs.items())))
    )


def chart(
    fig: Any,
    data: pd.DataFrame,
    *,
    key: str,
    name: str,
    definition_text: str,
) -> None:
    """A plotly chart with the data it plots downloadable and its definition. ``fig`` is a
    plotly figure, or what :func:`figure` returns (already in the reader's language)."""
    if not isinstance(fig, BuiltFigure):
        fig = BuiltFigure(_escaped_figure(localize_figure(fig).to_dict()))
    st.plotly_chart(fig, key=key)
    definition(definition_text)
    downloads(data, key=key, name=name, what="chart")


def empty(message: str) -> None:
    """An empty state: what is missing and what to load, never an error."""
    st.info(message, icon=":material/info:")


def as_of(selection: Any = None, today: dt.date | None = None) -> dt.date:
    """The day statuses and pace are computed at: today, or the end of the selected period when
    it ends earlier."""
    today = today or dt.date.today()
    end = getattr(selection, "end", None)
    return min(today, end) if end else today


def as_of_caption(day: dt.date) -> None:
    st.caption(t("common.as_of", date=fmt_date(day)))


def page_urls(page: str, name: str, values: Iterable[str]) -> list[str]:
    """Relative links to another page, one per value of the parameter ``name``, each keeping
    the current filters and language (``page_urls("campaign", "campaign", codes)``)."""
    # dashboard.filters imports this module (``plain``): imported when called, not at the
    # top, so neither module needs the other half-loaded.
    from dashboard.filters import PARAMS

    keep = urlencode({k: st.query_params[k] for k in (*PARAMS, LANG_KEY) if k in st.query_params})
    tail = f"&{keep}" if keep else ""
    return [f"{page}?{urlencode({name: value})}{tail}" for value in values]


def load_log_columns() -> dict[str, Any]:
    """The column types of the load log (``loads`` view columns) as the Upload and Loads pages
    show it."""
    count = {"format": "%d"}
    return {
        "batch_id": st.column_config.NumberColumn(t("loads.col.batch"), **count),
        "started_at": st.column_config.DatetimeColumn(
            t("loads.col.when"), format=column_datetime_format()
        ),
        "status": st.column_config.TextColumn(t("loads.col.status")),
        "kind": st.column_config.TextColumn(t("loads.col.kind")),
        "platform": st.column_config.TextColumn(t("loads.col.platform")),
        "campaign_code": st.column_config.TextColumn(t("loads.col.campaign")),
        "source": st.column_config.TextColumn(t("loads.col.source")),
        "source_name": st.column_config.TextColumn(t("loads.col.file")),
        "loaded_by": st.column_config.TextColumn(t("loads.col.who")),
        "rows_read": st.column_config.NumberColumn(t("loads.col.rows_read"), **count),
        "rows_loaded": st.column_config.NumberColumn(t("loads.col.loaded"), **count),
        "rows_rejected": st.column_config.NumberColumn(t("loads.col.rejected"), **count),
        "rows_replaced": st.column_config.NumberColumn(t("loads.col.replaced"), **count),
        "undone_by": st.column_config.TextColumn(t("loads.col.undone_by")),
    }


def issue_columns() -> dict[str, Any]:
    """The column types of a table of a load's errors and warnings (``severity``, ``row``,
    ``column``, ``value``, ``message``: what to fix)."""
    return {
        "severity": st.column_config.TextColumn(t("loads.col.severity")),
        "row": st.column_config.NumberColumn(t("loads.col.row"), format="%d"),
        "column": st.column_config.TextColumn(t("loads.col.column")),
        "value": st.column_config.TextColumn(t("loads.col.value")),
        "message": st.column_config.TextColumn(t("loads.col.message"), width="large"),
    }


# The pages' lazy tabs (:func:`lazy_tabs`): the key of each set of tabs and where its labels
# are in the catalogue (``t(f"{labels}.{name}")`` labels the tab ``name``).
TAB_LABELS = {
    "campaign_tab": "screens.campaign_tab",
    "content_group": "content.by",
    "feedback_breakdown": "feedback.breakdown",
}


def lazy_tabs(key: str, names: Iterable[str]) -> dict[str, Any]:
    """Tabs ``key`` named ``names`` (labelled from ``TAB_LABELS[key]``), of which only the open
    one is returned, by name: its section alone runs, and a click on another tab reruns the
    page to draw that one. The first tab opens first; the open tab stays open through a change
    of language (the tabs' own state is the open tab's label, so its name is kept beside it)."""
    names = tuple(names)
    labels = [t(f"{TAB_LABELS[key]}.{name}") for name in names]
    shown = st.session_state.get(key)
    if shown in labels:
        st.session_state[f"{key}.open"] = names[labels.index(shown)]
    kept = st.session_state.get(f"{key}.open", names[0])
    containers = st.tabs(
        labels,
        key=key,
        default=labels[names.index(kept)] if kept in names else labels[0],
        on_change="rerun",
    )
    return {name: tab for name, tab in zip(names, containers, strict=True) if tab.open}


def kept_choice(key: str, default: Any) -> dict[str, Any]:
    """The arguments that give a widget ``key`` in a tab that is not always drawn the value it
    had when last drawn (else ``default``): Streamlit forgets the state of a widget a run does
    not draw, so its value is kept beside it when it changes."""
    return {
        "key": key,
        "default": st.session_state.get(f"{key}.kept", default),
        "on_change": _keep_choice,
        "args": (key,),
    }


def _keep_choice(key: str) -> None:
    st.session_state[f"{key}.kept"] = st.session_state.get(key)
