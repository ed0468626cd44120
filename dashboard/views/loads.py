"""Loads (officers): every load batch with filters, one batch's errors, warnings and rejected
rows, its kept file, and undo with a confirmation. A link may pick the batch (``?batch=ID``).

Everything shown is read through the page look-ups (``dashboard.metrics.lookups``, within the
reader's scope); undo goes through
``etl.batches.undo`` with the signed-in officer as ``undone_by``, the permission checked again
right before it runs.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from dashboard import auth, components, reader, uploads
from dashboard.components import plain
from dashboard.i18n import fmt_date, input_date_format, t
from dashboard.issue_text import issue_text, issues_in_language
from dashboard.metrics import lookups
from etl import batches
from etl.warehouse import WarehouseBusy

user = auth.require("manage")
wh = st.session_state["warehouse"]

st.title(t("page.loads"))
st.caption(t("loads.intro"))

FLASH = "loads_flash"
CONFIRM = "loads_confirm_undo"
NO_CAMPAIGN = ""  # the set-up workbook and exchange rates belong to no campaign

flash = st.session_state.pop(FLASH, None)
if flash:
    kind, text = flash
    (st.success if kind == "success" else st.error)(text)

log = lookups.load_log(wh)
if log.empty:
    components.empty(t("loads.nothing_loaded"))
    st.stop()


def _choices(column: str) -> list[str]:
    return sorted({str(v) for v in log[column].dropna()})


def _campaign_label(code: str) -> str:
    return code or t("loads.no_campaign")


def _status_label(status: str) -> str:
    return uploads.label("loads.status", status)


def _kind_label(kind: str) -> str:
    return uploads.label("upload.kinds", kind)


days = pd.to_datetime(log["started_at"]).dt.date
first_day, last_day = min(days), max(days)

with st.container(border=True):
    left, middle, right = st.columns(3)
    campaigns = left.multiselect(
        t("loads.filter.campaign"),
        _choices("campaign_code"),
        key="loads_campaign",
        format_func=_campaign_label,
        placeholder=t("filters.all"),
    )
    kinds = middle.multiselect(
        t("loads.filter.kind"),
        _choices("kind"),
        key="loads_kind",
        format_func=_kind_label,
        placeholder=t("filters.all"),
    )
    statuses = right.multiselect(
        t("loads.filter.status"),
        _choices("status"),
        key="loads_status",
        format_func=_status_label,
        placeholder=t("filters.all"),
    )
    left, middle, right = st.columns(3)
    people = left.multiselect(
        t("loads.filter.who"), _choices("loaded_by"), key="loads_who", placeholder=t("filters.all")
    )
    sources = middle.multiselect(
        t("loads.filter.source"),
        _choices("source"),
        key="loads_source",
        format_func=lambda s: uploads.label("loads.source", s),
        placeholder=t("filters.all"),
    )
    period = right.date_input(
        t("loads.filter.period"),
        value=(first_day, last_day),
        max_value=max(last_day, dt.date.today()),
        format=input_date_format(),
        key="loads_period",
    )

shown = log
for column, chosen in (
    ("campaign_code", campaigns),
    ("kind", kinds),
    ("status", statuses),
    ("loaded_by", people),
    ("source", sources),
):
    if chosen:
        shown = shown[shown[column].astype(str).isin(chosen)]
if isinstance(period, tuple | list) and period:
    start, end = period[0], period[-1]
    picked = pd.to_datetime(shown["started_at"]).dt.date
    shown = shown[(picked >= start) & (picked <= end)]

if shown.empty:
    components.empty(t("loads.none_match"))
    st.stop()

components.table(
    uploads.history_frame(shown.drop(columns=["message", "undone_at"])),
    key="loads_batches",
    name="loads",
    definition_text=t(
        "loads.shown",
        shown=len(shown),
        total=len(log),
        first=fmt_date(first_day),
        last=fmt_date(last_day),
    ),
    download=shown,
    column_config=components.load_log_columns(),
)

# --- one batch ---------------------------------------------------------------------------------

st.subheader(t("loads.batch_title"))
records = {int(r["batch_id"]): r for r in shown.to_dict("records")}
# A link naming one batch (?batch=ID, as the Reporting page gives) picks it, once.
asked = st.query_params.get("batch", "")
if asked.isdigit() and int(asked) in records and st.session_state.get("_loads_asked") != asked:
    st.session_state["loads_batch"] = int(asked)
    st.session_state["_loads_asked"] = asked
batch_id = st.selectbox(
    t("loads.pick_batch"),
    list(records),
    key="loads_batch",
    format_func=lambda b: t(
        "loads.batch_option",
        batch=b,
        file=records[b]["source_name"] or "",
        status=_status_label(records[b]["status"]),
    ),
)
batch = records[batch_id]
st.text(uploads.batch_summary(wh, batch_id))
if batch["status"] == "undone":
    st.caption(
        t(
            "loads.undone_by",
            who=plain(batch["undone_by"] or ""),
            when=fmt_date(batch["undone_at"]),
        )
    )

# Each stored issue as the page's language says it; "—" where it names no row or column.
found = issues_in_language(lookups.batch_issues(wh, batch_id))
found = found.assign(
    row=found["row"].map(lambda r: uploads.MISSING if uploads.is_empty(r) else str(int(r))),
    column=found["column"].map(lambda c: uploads.MISSING if uploads.is_empty(c) else str(c)),
    value=found["value"].map(lambda v: uploads.MISSING if uploads.is_empty(v) else str(v)),
    severity=found["severity"].map(lambda s: uploads.label("upload.severity", s)),
)
rejected = lookups.batch_rejected_rows(wh, batch_id)
# the row as text: "—" for an issue of the file as a whole
issue_config = {
    **components.issue_columns(),
    "row": st.column_config.TextColumn(t("loads.col.row")),
}
errors = found[found["severity"] == uploads.label("upload.severity", "error")]
warnings = found[found["severity"] != uploads.label("upload.severity", "error")]
tab_errors, tab_warnings, tab_rejected = st.tabs(
    [
        t("loads.tab.errors", count=len(errors)),
        t("loads.tab.warnings", count=len(warnings)),
        t("loads.tab.rejected", count=len(rejected)),
    ]
)
for tab, severity, frame in (
    (tab_errors, "errors", errors),
    (tab_warnings, "warnings", warnings),
):
    with tab:
        if frame.empty:
            st.caption(t(f"loads.no_{severity}"))
        else:
            components.table(
                frame,
                key=f"loads_{severity}",
                name=f"batch-{batch_id}-{severity}",
                definition_text=t("loads.issues_note"),
                column_config=issue_config,
            )
with tab_rejected:
    if rejected.empty:
        st.caption(t("loads.no_rejected"))
    else:
        cells = pd.DataFrame([json.loads(c) for c in rejected["cells"]])
        cells.insert(0, t("loads.col.row"), rejected["row_number"].astype(int).to_numpy())
        st.dataframe(
            cells.map(lambda v: uploads.MISSING if uploads.is_empty(v) else str(v)),
            hide_index=True,
            key="loads_rejected",
        )
        st.download_button(
            t("loads.download_rejected"),
            data=uploads.rejected_rows(
                wh, batch_id, row_label=t("loads.col.row"), errors_label=t("loads.col.errors")
            ),
            file_name=f"batch-{batch_id}-rejected.csv",
            mime=components.CSV_MIME,
            key="loads_rejected_csv",
            icon=":material/download:",
            on_click="ignore",
        )

kept = uploads.original_file(wh, batch_id)
if kept is not None:
    st.download_button(
        t("loads.download_file"),
        data=kept[1].read_bytes,
        file_name=kept[0],
        key="loads_kept_file",
        icon=":material/download:",
        on_click="ignore",
    )

# --- undo --------------------------------------------------------------------------------------

if batch["status"] != "loaded":
    st.caption(t("loads.cannot_undo", status=_status_label(batch["status"])))
    st.stop()
if not user.can_undo(batch["loaded_by"]):
    st.caption(t("loads.not_yours"))
    st.stop()

if st.session_state.get(CONFIRM) != batch_id:
    if st.button(t("loads.undo", batch=batch_id), key="loads_undo", icon=":material/undo:"):
        st.session_state[CONFIRM] = batch_id
        st.rerun()
    st.stop()

st.warning(t("loads.confirm_text", batch=batch_id, file=plain(batch["source_name"] or "")))
yes, no, _ = st.columns([2, 1, 5])
if no.button(t("loads.cancel"), key="loads_undo_cancel"):
    st.session_state.pop(CONFIRM, None)
    st.rerun()
if yes.button(t("loads.confirm_undo", batch=batch_id), key="loads_undo_confirm", type="primary"):
    st.session_state.pop(CONFIRM, None)
    try:
        # checks again, right before writing, that the batch is one this officer may undo
        summary = uploads.undo(wh, user, batch_id)
    except uploads.UploadRefused:
        st.session_state[FLASH] = ("error", t("loads.not_yours"))
    except batches.UndoRefused as exc:
        st.session_state[FLASH] = ("error", plain(issue_text(exc.args[0])))
    except WarehouseBusy:
        st.session_state[FLASH] = ("error", t("loads.busy"))
    else:
        # every list and picker of the page is drawn from the new state on the rerun
        st.cache_data.clear()
        reader.clear_cache()
        st.session_state[FLASH] = (
            "success",
            t(
                "loads.undone",
                batch=batch_id,
                removed=summary["rows_removed"],
                restored=summary["rows_restored"],
            ),
        )
    st.rerun()
