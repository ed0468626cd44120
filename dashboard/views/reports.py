"""Reports: the donor's report for a reporting period (workbook, data package, PDF summary),
for the whole programme, one organisation or one campaign, counting approved reporting periods
only unless "Only approved periods" is unticked, with a notice of the periods not approved;
officers mark a report as submitted, which keeps its figures and files frozen; every reader
lists the submitted reports they may see, downloads them exactly as stored and compares them
with the figures now.

Reports are built by ``dashboard.report`` within the reader's scope (``data.read``), so a
grantee's report holds its own campaigns only. A produced report is kept in the session by
reader and request, so reruns (a download, another widget) never build it again. Submitting
checks the account's role again, in the account store, right before it writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import auth, components, data
from dashboard.components import plain, plain_code
from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    catalogue,
    column_datetime_format,
    current_language,
    fmt_date,
    fmt_number,
    input_date_format,
    t,
)
from dashboard.i18n import LANGUAGES as REPORT_LANGUAGES
from dashboard.metrics import lookups
from dashboard.report import (
    FORMATS,
    MEDIA_TYPES,
    Export,
    ReportError,
    Request,
    build,
    export,
    file_name,
    freeze,
    submit,
)
from dashboard.report.approval import statement
from dashboard.report.config import ConfigError, ReportingConfig, load_config
from dashboard.report.model import Report
from etl.accounts import Accounts
from etl.warehouse import WarehouseBusy

log = logging.getLogger(__name__)

wh = st.session_state["warehouse"]
user = auth.current_user()

FROM, TO, QUICK = "reports_from", "reports_to", "reports_quick"
TITLE, SURE = "reports_submit_title", "reports_submit_sure"
STORED = "reports_stored"  # the submitted report chosen in the list
PRODUCED = "_reports_produced"  # (username, Request) -> (warehouse version, Export)
COMPARED = "_reports_compared"  # (username, report id) -> (warehouse version, changes)
FLASH = "_reports_flash"  # the message of a submission, shown once after the rerun
RESET = "_reports_reset"  # the number of a report just submitted: empty the form, pick it
KEEP = 3  # produced reports kept per session (their files are in memory)

st.title(t("page.reports"))
st.caption(t("reports.intro"))

flash = st.session_state.pop(FLASH, None)
just_submitted = st.session_state.pop(RESET, None)
if just_submitted is not None:  # before the widgets exist, so that they show it
    st.session_state[TITLE], st.session_state[SURE] = "", False
    st.session_state[STORED] = just_submitted


# --- helpers -------------------------------------------------------------------------------------


def _quarter_end(year: int, month: int) -> dt.date:
    """The last day of ``month`` (a quarter's last month)."""
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def quick_periods(start: dt.date, end: dt.date) -> dict[str, tuple[str, dt.date, dt.date]]:
    """Calendar quarters, half-years and years that overlap the programme (``start``..``end``),
    cut to it: key -> (name, first day, last day). A period that, cut, is the same days as one
    listed before it (a year with one quarter in the programme) is left out."""
    out: dict[str, tuple[str, dt.date, dt.date]] = {}
    seen: set[tuple[dt.date, dt.date]] = set()
    for year in range(start.year, end.year + 1):
        spans = [
            (f"{year}-Q{q}", t("reports.quick.quarter", n=q, year=year),
             dt.date(year, 3 * q - 2, 1), _quarter_end(year, 3 * q))
            for q in range(1, 5)
        ]  # fmt: skip
        spans += [
            (f"{year}-H{h}", t("reports.quick.half", n=h, year=year),
             dt.date(year, 6 * h - 5, 1), _quarter_end(year, 6 * h))
            for h in (1, 2)
        ]  # fmt: skip
        spans.append((str(year), t("reports.quick.year", year=year), dt.date(year, 1, 1),
                      dt.date(year, 12, 31)))  # fmt: skip
        for key, name, first, last in spans:
            if first > end or last < start:
                continue
            days = (max(first, start), min(last, end))
            if days not in seen:
                seen.add(days)
                out[key] = (name, *days)
    return out


def period_text(start: Any, end: Any) -> str:
    return f"{fmt_date(start)} – {fmt_date(end)}"


def scope_text(meta: dict[str, Any], names: dict[str, str]) -> str:
    """What a report covers, in the reader's language."""
    if meta.get("whole_programme"):
        return t("reports.scope.programme")
    codes = list(meta.get("requested_campaigns") or [])
    if len(codes) == 1:
        code = codes[0]
        return t("reports.scope.campaign", code=plain(code), name=plain(names.get(code, "")))
    if meta.get("requested_organisation"):
        return t(
            "reports.scope.organisation",
            code=plain(meta["requested_organisation"]),
            name=plain(meta.get("organisation_name") or ""),
        )
    if codes:
        return t("reports.scope.campaigns", codes=plain(", ".join(codes)))
    return t("reports.scope.mine", codes=plain(", ".join(meta["campaigns"])))


def data_as_of_text(value: Any) -> str:
    if not value:
        return t("reports.summary.no_loads")
    stamp = pd.Timestamp(value)
    return f"{fmt_date(stamp)} {stamp:%H:%M}"


def request_of(report: Report) -> Request:
    """The request a (submitted) report was made for, to make it again from today's data."""
    m = report.meta
    campaigns = tuple(m.get("requested_campaigns") or ())
    organisation = m.get("requested_organisation")
    if not campaigns and not organisation and not m.get("whole_programme"):
        campaigns = tuple(m["campaigns"])  # a reader limited to some: the campaigns it held
    # A report made before the reporting cycle counted every figure loaded.
    approval = report.meta.approval
    return Request(
        dt.date.fromisoformat(m["period_start"]),
        dt.date.fromisoformat(m["period_end"]),
        campaigns=campaigns,
        organisation=organisation,
        approved_only=approval is not None and approval.approved_only,
    )


def show_error(exc: BaseException) -> None:
    """What went wrong, for the reader; never a traceback."""
    if isinstance(exc, WarehouseBusy):
        st.error(t("reports.busy"), icon=":material/hourglass_top:")
    elif isinstance(exc, ReportError | ConfigError | ValueError):
        st.error(t("reports.cannot", reason=plain(exc)), icon=":material/error:")
    else:
        log.exception("the Reports page failed", exc_info=exc)
        st.error(t("reports.failed"), icon=":material/error:")


def download_buttons(files: dict[str, bytes], report: Report, prefix: str) -> None:
    """One button per file of the report, serving its bytes as they are."""
    for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
        if fmt not in files:
            continue
        column.download_button(
            t(f"reports.download.{fmt}"),
            data=files[fmt],
            file_name=file_name(report, fmt),
            mime=MEDIA_TYPES[fmt],
            key=f"{prefix}_{fmt}",
            icon=":material/download:",
            on_click="ignore",
        )


def columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Column titles in the reader's language (and figures written in it) for the columns of
    report tables the page shows."""
    money = {"budget_eur", "spent_period_eur", "spent_cumulative_eur", "variance_eur"}
    shares = {"achievement", "execution"}
    numbers = {"baseline", "target", "value_period", "value_cumulative", "budget_kzt",
               "spent_period_kzt", "change"}  # fmt: skip
    whole = {"baseline_year", "heading", "report_id"}
    dates = {"period_start", "period_end"}
    times = {"submitted_at", "data_as_of"}
    config: dict[str, Any] = {}
    for name in frame.columns:
        if f"reports.col.{name}" not in catalogue(DEFAULT_LANGUAGE):
            continue  # a column the page has no title for keeps its name
        label = t(f"reports.col.{name}")
        if name in money:
            config[name] = components.euro_column(label)
        elif name in shares:
            config[name] = components.percent_column(label)
        elif name in numbers:
            config[name] = components.number_column(label)
        elif name in whole:
            config[name] = st.column_config.NumberColumn(label, format="%d")
        elif name in dates:
            config[name] = components.date_column(label)
        elif name in times:
            config[name] = st.column_config.DatetimeColumn(label, format=column_datetime_format())
        elif name == "campaign_codes":
            config[name] = st.column_config.ListColumn(label)
        else:
            config[name] = st.column_config.TextColumn(label)
    return config


# The preview's columns in the order a reader looks for them (the rest follow as the report has
# them), and those pinned to the left: the figures sit beside what they measure.
PREVIEW_FIRST = {
    "logframe": ("indicator_code", "indicator", "unit", "baseline", "target", "value_period",
                 "value_cumulative", "achievement", "status"),
    "financial": ("heading", "line_code", "description", "heading_name", "budget_eur",
                  "spent_period_eur", "spent_cumulative_eur", "execution", "variance_eur"),
}  # fmt: skip
PREVIEW_PINNED = {"indicator_code", "indicator", "heading", "line_code"}
# Logframe figures: a count and a percentage in the same column, so each cell is written on its
# own (a count without decimals).
PREVIEW_FIGURES = {"baseline", "target", "value_period", "value_cumulative"}


def preview(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A report table as the page previews it: key columns first and pinned, the logframe's
    figures each written with the decimals it has; the download keeps the table as it is."""
    first = [c for c in PREVIEW_FIRST.get(name, ()) if c in frame.columns]
    shown = frame[first + [c for c in frame.columns if c not in first]]
    config = columns(shown)
    for column in shown.columns:
        if column not in config:
            continue
        spec = dict(config[column])
        if column in PREVIEW_FIGURES and name == "logframe":
            shown = shown.assign(**{column: shown[column].map(preview_figure)})
            spec = dict(st.column_config.TextColumn(spec.get("label"), alignment="right"))
        if column in PREVIEW_PINNED:
            spec["pinned"] = True
        if column in ("indicator", "description"):
            spec["width"] = "medium"
        config[column] = spec
    return shown, config


def preview_figure(value: Any) -> str:
    """A logframe figure in the reader's language: a whole number without decimals, else two."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return figure_text(value) if isinstance(value, int | float) else str(value)


def figure_text(text: Any) -> Any:
    """A figure of the changes table (text, as both reports hold it) written in the reader's
    language when it is a number: ``29534.859999999997`` as ``29,534.86``."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    if not math.isfinite(value):
        return text
    decimals = 0 if value.is_integer() else 2 if abs(value) >= 1 else 4
    return fmt_number(value, decimals)


def changes_table(changes: pd.DataFrame, key: str, name: str) -> None:
    """The changed figures; the download keeps them as both reports hold them."""
    shown = changes.assign(
        submitted=changes["submitted"].map(figure_text),
        current=changes["current"].map(figure_text),
    )
    components.table(
        shown,
        key=key,
        name=name,
        definition_text=t("reports.changes_note"),
        download=changes,
        column_config=columns(changes),
    )


def officer_now() -> bool:
    """Whether the signed-in account is an officer, asked again of the account store (a role
    changed or an account removed since sign-in counts)."""
    if auth.current_user().role != "officer":
        return False
    account = Accounts.for_warehouse(wh).get(user.username)
    return account is not None and account.role == "officer"


# --- what and when -------------------------------------------------------------------------------

try:
    config: ReportingConfig = load_config()
except ConfigError as exc:
    st.error(t("reports.config_error", reason=plain(exc)), icon=":material/error:")
    st.stop()
programme = config.programme
names = lookups.campaign_names(wh, current_language())  # the reader's campaigns only, as every read
if not names:
    components.empty(t("reports.no_campaigns"))
    st.stop()
sees_all = auth.scope_of(user) is data.ALL
organisations: dict[str, str] = {}
if user.role != "grantee":
    organisations = lookups.organisations(wh)

periods = quick_periods(programme.start, programme.end)
today = dt.date.today()
st.session_state.setdefault(FROM, programme.start)
# up to today, or the whole programme before it starts
st.session_state.setdefault(
    TO, programme.end if today < programme.start else min(today, programme.end)
)


def _apply_quick() -> None:
    chosen = st.session_state.get(QUICK)
    if chosen in periods:
        _, st.session_state[FROM], st.session_state[TO] = periods[chosen]


def _typed_dates() -> None:
    st.session_state[QUICK] = None


st.subheader(t("reports.choose"))
with st.container(border=True):
    left, right = st.columns(2)
    kinds = ["all", *(["organisation"] if organisations else []), "campaign"]
    all_label = t("reports.what.programme") if sees_all else t("reports.what.mine")
    what = left.radio(
        t("reports.what.label"),
        kinds,
        key="reports_what",
        format_func=lambda k: all_label if k == "all" else t(f"reports.what.{k}"),
    )
    organisation: str | None = None
    campaign: str | None = None
    if what == "organisation":
        organisation = left.selectbox(
            t("reports.organisation"),
            list(organisations),
            key="reports_organisation",
            format_func=lambda code: f"{code} · {organisations[code]}",
        )
    elif what == "campaign":
        campaign = left.selectbox(
            t("reports.campaign"),
            list(names),
            key="reports_campaign",
            format_func=lambda code: f"{code} · {names[code]}",
        )
    right.selectbox(
        t("reports.quick.label"),
        list(periods),
        index=None,
        key=QUICK,
        format_func=lambda k: f"{periods[k][0]} · {period_text(periods[k][1], periods[k][2])}",
        placeholder=t("reports.quick.placeholder"),
        on_change=_apply_quick,
    )
    start_col, end_col = right.columns(2)
    start = start_col.date_input(
        t("reports.from"), key=FROM, format=input_date_format(), on_change=_typed_dates
    )
    end = end_col.date_input(
        t("reports.to"), key=TO, format=input_date_format(), on_change=_typed_dates
    )
    right.caption(t("reports.programme_period", period=period_text(programme.start, programme.end)))
    report_lang = right.selectbox(
        t("donor_page.language"),
        list(REPORT_LANGUAGES),
        index=0,
        key="reports_lang",
        format_func=REPORT_LANGUAGES.get,
        help=t("donor_page.language_help"),
    )
    approved_only = right.checkbox(
        t("reports.approval.only"),
        value=True,
        key="reports_approved_only",
        help=t("reports.approval.only_help"),
    )

request: Request | None = None
if not isinstance(start, dt.date) or not isinstance(end, dt.date):
    st.warning(t("reports.need_dates"), icon=":material/warning:")
else:
    try:
        request = Request(
            start,
            end,
            campaigns=(campaign,) if campaign else (),
            organisation=organisation,
            approved_only=approved_only,
        )
    except ReportError as exc:
        show_error(exc)


# --- the report ----------------------------------------------------------------------------------


def show_report(produced: Export, version: float) -> None:
    report, meta = produced.report, produced.report.meta
    with st.container(border=True):
        st.subheader(t("reports.result"))
        if version != wh.version():
            st.warning(t("reports.stale"), icon=":material/update:")
        submitted = meta.get("submitted")
        lines = [
            t("reports.summary.scope", scope=scope_text(meta, names)),
            t("reports.summary.period", period=period_text(meta["period_start"],
                                                           meta["period_end"])),
            t("reports.summary.data_as_of", when=data_as_of_text(meta.get("data_as_of"))),
            t("reports.summary.campaigns", count=len(meta["campaigns"]),
              codes=plain(", ".join(meta["campaigns"]))),
        ]  # fmt: skip
        if submitted:
            lines.append(
                t(
                    "reports.summary.submitted",
                    title=plain(submitted.get("title", "")),
                    who=plain(submitted.get("by", "")),
                )
            )
        st.markdown("\n".join(f"- {line}" for line in lines))
        approval = statement(meta, current_language(), plain_code)
        if approval is not None:
            unapproved = meta.approval is not None and bool(meta.approval.not_approved)
            st.info(
                approval,
                icon=":material/pending_actions:" if unapproved else ":material/task_alt:",
            )
        download_buttons(produced.files, report, "reports_file")

    base = file_name(report, "xlsx").removesuffix(".xlsx")
    if produced.compared_with is not None:
        before = produced.compared_with
        found = produced.changes if produced.changes is not None else pd.DataFrame()
        st.info(
            t(
                "reports.compared",
                count=len(found),
                number=before.report_id,
                title=plain(before.title),
                date=fmt_date(before.submitted_at),
            ),
            icon=":material/compare_arrows:",
        )
        if not found.empty:
            changes_table(found, "reports_changes", f"{base}-changes")

    for name, key in (("logframe", "reports.logframe"), ("financial", "reports.financial")):
        table = report.tables.get(name)
        if table is None:
            continue
        st.markdown(f"**{t(key)}**")
        shown, config = preview(name, table.frame)
        components.table(
            shown,
            key=f"reports_{name}",
            name=f"{base}-{name}",
            definition_text=t(f"{key}_note"),
            download=table.frame,
            column_config=config,
        )


def submit_form(request: Request, produced_key: tuple) -> None:
    """Officers: store the report as submitted, after a title and a confirmation."""
    with st.container(border=True):
        st.subheader(t("reports.submit.title"))
        st.caption(t("reports.submit.help"))
        title = st.text_input(
            t("reports.submit.name"),
            key=TITLE,
            max_chars=200,
            placeholder=t("reports.submit.placeholder"),
        )
        sure = st.checkbox(t("reports.submit.confirm"), key=SURE)
        ready = bool(title.strip()) and sure
        if not title.strip():
            st.caption(t("reports.submit.need_title"))
        if not st.button(
            t("reports.submit.button"),
            key="reports_submit",
            type="primary",
            disabled=not ready,
            icon=":material/verified:",
        ):
            return
        if not ready:
            return
        if not officer_now():  # the role again, right before writing
            st.error(t("reports.submit.refused"), icon=":material/block:")
            return
        try:
            with st.spinner(t("reports.submit.working")):
                report_id, stored = submit(
                    wh, request, config, title=title.strip(), submitted_by=user.username
                )
        except Exception as exc:  # shown as a message, never a traceback
            show_error(exc)
            return
        st.session_state[PRODUCED][produced_key] = (wh.version(), stored)
        st.session_state[FLASH] = t(
            "reports.submit.done", number=report_id, title=plain(title.strip())
        )
        st.session_state[RESET] = report_id
        st.rerun()


if request is not None:
    produced_store: dict = st.session_state.setdefault(PRODUCED, {})
    produced_key = (user.username, request, report_lang)
    if st.button(
        t("reports.produce"), key="reports_produce", type="primary", icon=":material/summarize:"
    ):
        kept = produced_store.get(produced_key)
        version = wh.version()
        if kept is None or kept[0] != version:
            try:
                with st.spinner(t("reports.producing")):
                    made = export(wh, request, config, lang=report_lang)
            except Exception as exc:  # shown as a message, never a traceback
                show_error(exc)
            else:
                produced_store.pop(produced_key, None)
                produced_store[produced_key] = (version, made)
                while len(produced_store) > KEEP:
                    produced_store.pop(next(iter(produced_store)))
    kept = produced_store.get(produced_key)
    if kept is not None:
        show_report(kept[1], kept[0])
        if user.role == "officer" and report_lang == "en":
            submit_form(request, produced_key)
        elif user.role == "officer":
            st.caption(t("donor_page.submit_in_english"))


# --- submitted reports ---------------------------------------------------------------------------

st.subheader(t("reports.submitted.title"))
if flash:
    st.success(flash, icon=":material/check_circle:")
listed = freeze.submitted(wh)
if listed.empty:
    components.empty(t("reports.submitted.none"))
    st.stop()
components.table(
    listed.drop(columns=["request_key"]),
    key="reports_submitted",
    name="submitted-reports",
    definition_text=t("reports.submitted.note"),
    column_config=columns(listed),
)
labels = {
    int(r.report_id): f"#{int(r.report_id)} · {r.title} · {fmt_date(r.submitted_at)}"
    for r in listed.itertuples()
}
chosen = st.selectbox(t("reports.submitted.pick"), list(labels), key=STORED, format_func=labels.get)
frozen = freeze.stored(wh, chosen) if chosen is not None else None
if frozen is None:
    st.stop()
st.caption(
    t(
        "reports.submitted.about",
        number=frozen.report_id,
        who=plain(frozen.submitted_by),
        when=fmt_date(frozen.submitted_at),
        period=period_text(frozen.report.meta["period_start"], frozen.report.meta["period_end"]),
    )
)
download_buttons(frozen.files, frozen.report, "reports_stored_file")

compared: dict = st.session_state.setdefault(COMPARED, {})
compare_key = (user.username, frozen.report_id)
if st.button(t("reports.compare.button"), key="reports_compare", icon=":material/compare_arrows:"):
    version = wh.version()
    try:
        with st.spinner(t("reports.producing")):
            now = build(wh, request_of(frozen.report), config)
    except Exception as exc:  # shown as a message, never a traceback
        show_error(exc)
    else:
        compared[compare_key] = (version, freeze.changes(frozen.report, now))
        while len(compared) > KEEP:
            compared.pop(next(iter(compared)))
if compare_key in compared:
    version, found = compared[compare_key]
    if version != wh.version():
        st.warning(t("reports.stale"), icon=":material/update:")
    if found.empty:
        st.success(t("reports.compare.same", number=frozen.report_id))
    else:
        st.info(
            t("reports.compare.changed", count=len(found), number=frozen.report_id),
            icon=":material/compare_arrows:",
        )
        changes_table(found, "reports_compare_changes", f"report-{frozen.report_id}-changes")
