"""Reporting: the reporting cycle of each campaign, period by period.

Officers see a grid of every campaign (grouped by organisation) by reporting period, each cell
the period's submission state and one sign per kind of file owed (received, late, missing, not
yet due); below it one period in detail (each kind's state, due and received days, the loads
behind it, the narrative, the officer's comment, the audit trail) and the steps an officer
takes on it: approve, return with a comment, reopen with a reason. A grantee sees its own
campaigns only (every read is within the signed-in user's scope): what each period still
owes, the officer's comment on a returned period, and the form that submits a period with its
narrative. A link may name the campaign and the period (``?campaign=CODE&period=YYYY-MM``).

What is owed and the period's details are read through ``dashboard.metrics.reporting``; the
steps are ``etl.reporting.take_step``, whose refusals (coded messages) are shown in the page's
language. A step publishes a new copy of the warehouse, which the cached reads are keyed by:
the page shows the new state on the rerun.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, components
from dashboard.i18n import MISSING, column_datetime_format, fmt_date, fmt_month, literal, t
from dashboard.issue_text import issue_text
from dashboard.metrics import lookups
from dashboard.metrics import reporting as cycle
from etl.load.result import UsageError
from etl.reporting import NARRATIVE_PARTS, Actor, ReportingRefused, load_settings, take_step
from etl.warehouse import WarehouseBusy

user = auth.require("upload")  # officers and grantees
wh = st.session_state["warehouse"]
officer = user.role == "officer"

FLASH = "reporting_flash"
NOT_SUBMITTED = cycle.NOT_SUBMITTED
SUBMISSIONS = (NOT_SUBMITTED, "submitted", "returned", "approved", "reopened")
# The submission state's colour (green: approved; amber: waiting for a step; red: returned).
SUBMISSION_ICONS = {
    NOT_SUBMITTED: "⚪",
    "submitted": "🟠",
    "returned": "🔴",
    "approved": "🟢",
    "reopened": "🟠",
}
# One sign per kind of file in a cell, in the settings' order of kinds.
KIND_SIGNS = {
    cycle.RECEIVED: "✓",
    cycle.LATE: "!",
    cycle.MISSING: "✗",
    cycle.NOT_DUE: "·",
    cycle.NONE: "–",
}

st.title(t("page.reporting"))
st.caption(t("reporting_page.intro_officer" if officer else "reporting_page.intro_grantee"))

flash = st.session_state.pop(FLASH, None)
if flash:
    kind, text = flash
    (st.success if kind == "success" else st.error)(text)

try:
    settings = load_settings()
except UsageError as exc:
    st.error(literal(str(exc)))
    st.stop()

day = components.as_of()
grid = cycle.grid(wh, day, settings=settings)
if grid.empty:
    components.empty(t("reporting_page.no_periods"))
    st.stop()
organisations = lookups.organisations(wh)


def submission_label(state: str) -> str:
    return f"{SUBMISSION_ICONS.get(state, '')} {t('reporting_page.submission.' + state)}"


def owed_label(state: str) -> str:
    return f"{KIND_SIGNS[state]} {t('reporting_page.owed.' + state)}"


def kind_label(kind: str) -> str:
    return t(f"reporting_page.kind.{kind}")


def period_label(start: object, end: object) -> str:
    first, last = fmt_month(start), fmt_month(end)
    return first if first == last else f"{first} – {last}"


def cell_text(submission: str, kinds: dict[str, str]) -> str:
    """A grid cell: the submission state, then one sign per kind of file owed."""
    signs = "".join(KIND_SIGNS[kinds[k]] for k in settings.kinds if k in kinds)
    return f"{submission_label(submission)} {signs}"


components.as_of_caption(day)

# --- the grid ---------------------------------------------------------------------------------

shown = grid
if officer:
    with st.container(border=True):
        left, middle, right = st.columns(3)
        orgs = left.multiselect(
            t("reporting_page.filter.organisation"),
            sorted(grid["organisation"].dropna().unique()),
            format_func=lambda code: organisations.get(code, code),
            placeholder=t("filters.all"),
            key="reporting_orgs",
        )
        codes = middle.multiselect(
            t("reporting_page.filter.campaign"),
            sorted(grid["campaign"].unique()),
            placeholder=t("filters.all"),
            key="reporting_campaigns",
        )
        periods = sorted(grid["period"].unique())
        if len(periods) > 1:
            first, last = right.select_slider(
                t("reporting_page.filter.periods"),
                options=periods,
                value=(periods[0], periods[-1]),
                key="reporting_range",
            )
        else:
            first = last = periods[0]
    if orgs:
        shown = shown[shown["organisation"].isin(orgs)]
    if codes:
        shown = shown[shown["campaign"].isin(codes)]
    shown = shown[(shown["period"] >= first) & (shown["period"] <= last)]
    if shown.empty:
        components.empty(t("reporting_page.none_match"))
        st.stop()

wide = shown.assign(
    text=[
        cell_text(s, k)
        for s, k in zip(shown["submission"].tolist(), shown["kinds"].tolist(), strict=True)
    ]
).pivot(index=["organisation", "campaign"], columns="period", values="text")
wide = wide[sorted(wide.columns, reverse=True)].reset_index()  # the latest period first
wide.insert(0, "organisation_name", [organisations.get(o, o) for o in wide["organisation"]])
wide = wide.drop(columns=["organisation"]).sort_values(["organisation_name", "campaign"])
wide.columns = [str(c) for c in wide.columns]

st.subheader(t("reporting_page.grid_title"))
picked = components.table(
    wide,
    on_select="rerun",
    selection_mode="single-cell",
    key="reporting_grid",
    name="reporting-grid",
    definition_text=t(
        "reporting_page.legend",
        kinds=", ".join(kind_label(k) for k in settings.kinds),
        received=KIND_SIGNS[cycle.RECEIVED],
        late=KIND_SIGNS[cycle.LATE],
        missing=KIND_SIGNS[cycle.MISSING],
        not_due=KIND_SIGNS[cycle.NOT_DUE],
        none=KIND_SIGNS[cycle.NONE],
    ),
    download=shown.drop(columns=["kinds"]),
    column_config={
        "organisation_name": st.column_config.TextColumn(
            t("reporting_page.col.organisation"), width=220
        ),
        "campaign": st.column_config.TextColumn(
            t("reporting_page.col.campaign"), pinned=True, width=90
        ),
        **{p: st.column_config.TextColumn(p, width=200) for p in wide.columns[2:]},
    },
)

# A click on a period's cell opens that period below (once: the pickers decide after it).
cells = picked.selection.cells if picked is not None else []
if cells and cells[0][1] not in ("organisation_name", "campaign"):
    row, column = cells[0]
    chosen = (str(wide.iloc[row]["campaign"]), str(column))
    if st.session_state.get("_reporting_cell") != chosen:
        st.session_state["_reporting_cell"] = chosen
        st.session_state["reporting_campaign"], st.session_state["reporting_period"] = chosen

# --- what a grantee still owes ----------------------------------------------------------------

if not officer:
    returned = shown[shown["submission"] == "returned"]
    for r in returned.itertuples():
        st.warning(
            t(
                "reporting_page.returned_notice",
                campaign=literal(r.campaign),
                period=period_label(r.period_start, r.period_end),
                comment=literal(r.comment or ""),
            ),
            icon=":material/undo:",
        )
    todo = []
    for r in shown.sort_values(["campaign", "period"], ascending=[True, False]).itertuples():
        missing = [k for k, s in r.kinds.items() if s == cycle.MISSING]
        late = [k for k, s in r.kinds.items() if s == cycle.LATE]
        due = [k for k, s in r.kinds.items() if s == cycle.NOT_DUE]
        if r.submission == "approved" or (r.submission == "submitted" and not missing):
            continue
        todo.append(
            {
                "campaign": r.campaign,
                "period": r.period,
                "submission": submission_label(r.submission),
                "missing": ", ".join(kind_label(k) for k in missing),
                "late": ", ".join(kind_label(k) for k in late),
                "not_due": ", ".join(kind_label(k) for k in due),
                "due": r.due,
            }
        )
    st.subheader(t("reporting_page.owes_title"))
    if not todo:
        components.empty(t("reporting_page.owes_nothing"))
    else:
        components.table(
            pd.DataFrame(todo),
            key="reporting_owes",
            name="reporting-owed",
            definition_text=t("reporting_page.owes_definition"),
            column_config={
                "campaign": st.column_config.TextColumn(t("reporting_page.col.campaign")),
                "period": st.column_config.TextColumn(t("reporting_page.col.period")),
                "submission": st.column_config.TextColumn(t("reporting_page.col.submission")),
                "missing": st.column_config.TextColumn(t("reporting_page.col.missing")),
                "late": st.column_config.TextColumn(t("reporting_page.col.late")),
                "not_due": st.column_config.TextColumn(t("reporting_page.col.not_due")),
                "due": components.date_column(t("reporting_page.col.due")),
            },
        )

# --- one period -------------------------------------------------------------------------------

st.subheader(t("reporting_page.detail_title"))
campaigns = sorted(shown["campaign"].unique())
asked = st.query_params.get("campaign")
if asked in campaigns and st.session_state.get("_reporting_asked") != asked:
    st.session_state["reporting_campaign"] = asked
    st.session_state["_reporting_asked"] = asked
if st.session_state.get("reporting_campaign") not in campaigns:
    # an officer starts on the first campaign with a period waiting for approval
    waiting = sorted(shown.loc[shown["submission"] == "submitted", "campaign"].unique())
    st.session_state["reporting_campaign"] = waiting[0] if officer and waiting else campaigns[0]
left, right = st.columns(2)
code = left.selectbox(t("reporting_page.pick_campaign"), campaigns, key="reporting_campaign")
mine = shown[shown["campaign"] == code].sort_values("period", ascending=False)
periods = list(mine["period"])
# A link naming a period of the campaign (?period=YYYY-MM) picks it, once.
asked = st.query_params.get("period")
if asked in periods and st.session_state.get("_reporting_asked_period") != (code, asked):
    st.session_state["reporting_period"] = asked
    st.session_state["_reporting_asked_period"] = (code, asked)
if st.session_state.get("reporting_period") not in periods:
    # the latest period waiting for a step: an officer's to approve; a grantee's to submit
    # again after a return or a reopening, else to submit
    waiting = ("submitted",) if officer else ("returned", "reopened", NOT_SUBMITTED)
    by_state = dict(zip(mine["period"], mine["submission"], strict=True))
    pending = [p for w in waiting for p in periods if by_state[p] == w]
    st.session_state["reporting_period"] = pending[0] if pending else periods[0]
period = right.selectbox(t("reporting_page.pick_period"), periods, key="reporting_period")
cell = mine.set_index("period").loc[period]
sub = cycle.submission(wh, code, period)
state = sub["state"] if sub else NOT_SUBMITTED

st.markdown(
    f"**{literal(code)} · {period_label(cell['period_start'], cell['period_end'])}** — "
    f"{submission_label(state)}"
)
st.caption(t("reporting_page.due", date=fmt_date(cell["due"])))
if sub and sub["comment"]:
    if state == "returned":
        st.warning(
            t("reporting_page.returned_comment", comment=literal(sub["comment"])),
            icon=":material/undo:",
        )
    elif state == "reopened":
        st.info(t("reporting_page.reopened_reason", reason=literal(sub["comment"])))
if state == "approved" and sub:
    st.success(
        t(
            "reporting_page.approved_by",
            user=literal(sub["approved_by"] or ""),
            date=fmt_date(sub["approved_at"]),
        ),
        icon=":material/lock:",
    )

rows = cycle.owed(wh, day, campaign=code, period=period, settings=settings)
kinds = pd.DataFrame(
    {
        "kind": [kind_label(k) for k in rows["kind"]],
        "state": [owed_label(s) for s in rows["state"]],
        "due": [fmt_date(d) for d in rows["due"]],
        "received": [MISSING if pd.isna(d) else fmt_date(d) for d in rows["received_at"]],
        "loads": [", ".join(f"#{b}" for b in bs) for bs in rows["batches"]],
    }
)
components.table(
    kinds,
    key="reporting_kinds",
    name=f"reporting-{code}-{period}",
    definition_text=t("reporting_page.kinds_definition"),
    column_config={
        "kind": st.column_config.TextColumn(t("reporting_page.col.kind")),
        "state": st.column_config.TextColumn(t("reporting_page.col.state")),
        "due": st.column_config.TextColumn(t("reporting_page.col.due")),
        "received": st.column_config.TextColumn(t("reporting_page.col.received")),
        "loads": st.column_config.TextColumn(t("reporting_page.col.loads")),
    },
)
missing_kinds = [k for k, s in zip(rows["kind"], rows["state"], strict=True) if s != cycle.RECEIVED]
if not officer and missing_kinds and state != "approved":
    st.page_link(
        "views/upload.py",
        label=t("reporting_page.upload_link", campaign=code),
        icon=":material/upload:",
        query_params={"campaign": code},
    )

batch_ids = sorted({int(b) for bs in rows["batches"] for b in bs})
with st.expander(t("reporting_page.loads_title", count=len(batch_ids)), expanded=bool(batch_ids)):
    loads = cycle.period_loads(wh, batch_ids)
    if loads.empty:
        st.caption(t("reporting_page.no_loads"))
    else:
        loads = loads.assign(kind=[kind_label(k) for k in loads["kind"]])
        config = {
            "batch_id": st.column_config.NumberColumn(t("reporting_page.col.batch"), format="%d"),
            "file": st.column_config.TextColumn(t("reporting_page.col.file")),
            "kind": st.column_config.TextColumn(t("reporting_page.col.kind")),
            "loaded_at": st.column_config.DatetimeColumn(
                t("reporting_page.col.when"), format=column_datetime_format()
            ),
            "loaded_by": st.column_config.TextColumn(t("reporting_page.col.by")),
            "rows": st.column_config.NumberColumn(t("reporting_page.col.rows"), format="%d"),
        }
        columns = ["batch_id", "file", "kind", "loaded_at", "loaded_by", "rows"]
        if officer:
            loads["open"] = components.page_urls("loads", "batch", loads["batch_id"].astype(str))
            config["open"] = st.column_config.LinkColumn(
                t("reporting_page.col.open"), display_text=t("reporting_page.open_load")
            )
            columns.append("open")
        components.table(
            loads[columns],
            key="reporting_loads",
            name=f"reporting-{code}-{period}-loads",
            definition_text=t("reporting_page.loads_definition"),
            column_config=config,
        )

st.markdown(f"**{t('reporting_page.narrative_title')}**")
narrative = (sub or {}).get("narrative") or {}
if not narrative:
    st.caption(t("reporting_page.no_narrative"))
for part in NARRATIVE_PARTS:
    if narrative.get(part):
        st.markdown(f"*{t('reporting_page.narrative.' + part)}*")
        st.text(narrative[part])

trail = cycle.period_history(wh, code, period)
with st.expander(t("reporting_page.history_title", count=len(trail))):
    if trail.empty:
        st.caption(t("reporting_page.no_history"))
    else:
        components.table(
            pd.DataFrame(
                {
                    "taken_at": trail["taken_at"],
                    "username": trail["username"],
                    "role": [t(f"reporting_page.role.{r}") for r in trail["role"]],
                    "action": [t(f"reporting_page.action.{a}") for a in trail["action"]],
                    "state": [submission_label(s) for s in trail["state_after"]],
                    "comment": trail["comment"],
                }
            ),
            key="reporting_history",
            name=f"reporting-{code}-{period}-history",
            definition_text=t("reporting_page.history_definition"),
            column_config={
                "taken_at": st.column_config.DatetimeColumn(
                    t("reporting_page.col.when"), format=column_datetime_format()
                ),
                "username": st.column_config.TextColumn(t("reporting_page.col.who")),
                "role": st.column_config.TextColumn(t("reporting_page.col.role")),
                "action": st.column_config.TextColumn(t("reporting_page.col.action")),
                "state": st.column_config.TextColumn(t("reporting_page.col.state")),
                "comment": st.column_config.TextColumn(
                    t("reporting_page.col.comment"), width="large"
                ),
            },
        )

# --- the steps --------------------------------------------------------------------------------


def step(action: str, **kwargs: object) -> None:
    """Take ``action`` on the chosen period as the signed-in user, then show the outcome on
    the rerun (the step publishes a new copy: every read of the page comes out new)."""
    actor = Actor(user.username, user.role, user.organisation)
    try:
        take_step(wh, action, code, period, actor, settings=settings, **kwargs)  # type: ignore[arg-type]
    except ReportingRefused as exc:
        st.session_state[FLASH] = ("error", literal(issue_text(exc.args[0])))
    except WarehouseBusy:
        st.session_state[FLASH] = ("error", t("reporting_page.busy"))
    else:
        st.session_state[FLASH] = (
            "success",
            t(f"reporting_page.done.{action}", campaign=literal(code), period=period),
        )
    st.rerun()


st.markdown(f"**{t('reporting_page.actions_title')}**")
if officer:
    if state == "submitted":
        if st.button(t("reporting_page.approve"), key="reporting_approve", type="primary"):
            step("approve")
        comment = st.text_area(t("reporting_page.return_comment"), key="reporting_return_comment")
        if st.button(t("reporting_page.return"), key="reporting_return"):
            step("return", comment=comment)
    elif state == "approved":
        reason = st.text_area(t("reporting_page.reopen_reason"), key="reporting_reopen_reason")
        if st.button(t("reporting_page.reopen"), key="reporting_reopen"):
            step("reopen", comment=reason)
    else:
        st.caption(t(f"reporting_page.officer_waits.{state}"))
elif state in (NOT_SUBMITTED, "returned", "reopened"):
    with st.form("reporting_submit_form"):
        st.caption(t("reporting_page.submit_intro"))
        previous = (sub or {}).get("narrative") or {}
        parts = {
            part: st.text_area(
                t(f"reporting_page.narrative.{part}"),
                value=previous.get(part, ""),
                key=f"reporting_{part}",
            )
            for part in NARRATIVE_PARTS
        }
        label = "reporting_page.resubmit" if state != NOT_SUBMITTED else "reporting_page.submit"
        if st.form_submit_button(t(label), type="primary"):
            step("submit", narrative=parts)
else:
    st.caption(t(f"reporting_page.grantee_waits.{state}"))
