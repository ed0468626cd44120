"""Programme (officers): the campaign registry edited as tables, the set-up workbook exported
and imported, and the Google Sheets sources with their last sync and a "sync now".

The registry is the set-up workbook's five tables, with their columns titled in the reader's
language; every edit is checked row by row at once (``programme_admin.row_problems``) and what
is wrong is listed under its table, with "Save" held back until it is fixed. "Check" writes
the edited tables as a set-up workbook and makes a dry-run programme load of it
(``dashboard.programme_admin``); "Save" loads it as one batch (source ``dashboard``), so every
change is in the load log and can be undone on the Loads page. A set-up load restates each
campaign it lists whole and leaves alone what is unchanged; a campaign or organisation missing
from the tables is not deleted (close it with its status).
Everything shown is read through the page look-ups (``dashboard.metrics.lookups``, within the
reader's scope); writes check the permission again right before they run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, components, uploads
from dashboard import programme_admin as admin
from dashboard.components import plain
from dashboard.i18n import LANGUAGES, column_datetime_format, current_language, t
from dashboard.issue_text import issue_text, summary_text
from dashboard.metrics import lookups
from etl.kinds import CAMPAIGN_STATUSES
from etl.load import LoadResult
from etl.templates import PROGRAMME_ORDER
from etl.warehouse import WarehouseBusy

user = auth.require("manage")
wh = st.session_state["warehouse"]
lang = current_language()

st.title(t("page.programme"))

FLASH = "programme_flash"
GENERATION = "programme_editors"  # bumped after a save, so the editors start from the warehouse
SYNCED = "programme_synced"
# (file id, warehouse version) -> its check, or why the check was stopped
IMPORT_CHECKED = "programme_import_checked"

flash = st.session_state.pop(FLASH, None)
if flash:
    (st.success if flash[0] == "success" else st.error)(flash[1])


@st.cache_data(show_spinner=False, max_entries=64)
def _checked(kind: str, frame: pd.DataFrame, known: tuple) -> list[admin.Problem]:
    return admin.row_problems(kind, frame, {sheet: set(codes) for sheet, codes in known})


def _row_problems(
    kind: str, frame: pd.DataFrame, known: dict[str, set[str]]
) -> list[admin.Problem]:
    """``admin.row_problems``, kept for the tables as edited: a rerun that changed no cell
    (a click elsewhere on the page) does not check every row again."""
    return _checked(kind, frame, tuple(sorted((k, tuple(sorted(v))) for k, v in known.items())))


def _editor_key(kind: str, generation: int) -> str:
    """The session key of the editor of the set-up table ``kind`` (a new one after a save)."""
    return f"programme_edit_{kind}_{generation}"


def _edits(state: object) -> bool:
    """Whether an editor's state (``st.data_editor``'s, in the session) holds any edit."""
    return isinstance(state, dict) and any(
        state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows")
    )


def _translated_status(frame: pd.DataFrame) -> pd.DataFrame:
    """The last sync's status in the page's language (blank before any sync)."""
    return frame.assign(
        status=frame["status"].map(lambda s: uploads.label("loads.status", s) if s else "")
    )


def _write_check() -> bool:
    """The signed-in user may still manage the programme (checked right before a write)."""
    if not auth.current_user().can_manage:
        st.error(t("programme.refused"))
        return False
    return True


def _load(content: bytes, name: str, *, dry_run: bool, source: str) -> LoadResult | None:
    """A programme load of the workbook ``content``, in a worker within the upload limits
    (``dashboard.uploads.run_load``); None (with a message) when the warehouse is busy or the
    worker was stopped."""
    try:
        return admin.load_setup(
            wh, content, name, dry_run=dry_run, source=source, loaded_by=user.username
        )
    except WarehouseBusy:
        st.error(t("programme.busy"))
    except uploads.STOPPED as exc:
        st.error(uploads.stopped_text(name, exc), icon=":material/block:")
    return None


def _show_result(result: LoadResult, key: str) -> None:
    """What a (dry-run) set-up load found: a summary, then every error and warning."""
    if result.status == "dry_run" and result.would_load:
        if result.records_written == 0 and result.rows_replaced == 0:
            st.info(t("programme.check.unchanged"))
        else:
            st.success(
                t(
                    "programme.check.ok",
                    written=result.records_written,
                    replaced=result.rows_replaced,
                )
            )
    elif result.status == "loaded":
        st.success(
            t(
                "programme.saved",
                batch=result.batch_id,
                written=result.records_written,
                replaced=result.rows_replaced,
            )
        )
    else:
        st.error(t("programme.check.errors", count=result.errors_total))
    issues = uploads.issues_frame(result)
    issues["severity"] = issues["severity"].map(lambda s: t(f"programme.severity.{s}"))
    if not issues.empty:
        components.table(
            issues,
            key=key,
            name="setup-issues",
            definition_text=t("programme.check.where"),
            column_config=components.issue_columns(),
        )


def _saved(result: LoadResult) -> None:
    """After a set-up load: say so on the next run, and start the editors afresh."""
    st.session_state[FLASH] = (
        "success",
        t(
            "programme.saved",
            batch=result.batch_id,
            written=result.records_written,
            replaced=result.rows_replaced,
        ),
    )
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.rerun()


def _import(content: bytes, name: str, file_id: str) -> None:
    """An uploaded set-up workbook: checked first (once for the warehouse as it is: the page's
    reruns show the same check), loaded once confirmed."""
    seen = st.session_state.setdefault(IMPORT_CHECKED, {})
    key = (file_id, wh.version())
    if key not in seen:
        seen.clear()
        try:
            seen[key] = admin.load_setup(wh, content, name, dry_run=True, loaded_by=user.username)
        except WarehouseBusy:
            st.error(t("programme.busy"))  # not kept: the next run tries again
            return
        except uploads.STOPPED as exc:
            seen[key] = uploads.stopped_text(name, exc)  # refused once, refused again
    checked = seen[key]
    if isinstance(checked, str):
        st.error(checked, icon=":material/block:")
        return
    _show_result(checked, "programme_import_issues")
    if not checked.would_load or not admin.changes_anything(checked):
        return
    confirmed = st.button(
        t("programme.files.confirm"), key="programme_import_confirm", type="primary"
    )
    if not confirmed or not _write_check():
        return
    loaded = _load(content, name, dry_run=False, source="upload")
    if loaded is not None and loaded.status == "loaded":
        _saved(loaded)
    if loaded is not None:
        _show_result(loaded, "programme_import_result")


def _column_config(kind: str) -> dict:
    """The editor's columns: the template's headers in the reader's language, typed, amounts
    with thousands separators."""
    config = {}
    for c in admin.columns(kind, lang):
        name, header = c.name, _title(c.header)
        common = {"help": c.help, "required": c.required}
        if c.type == "date":
            config[name] = st.column_config.DateColumn(header, format="YYYY-MM-DD", **common)
        elif c.type in ("amount", "number"):
            config[name] = st.column_config.NumberColumn(header, format="localized", **common)
        elif c.type in ("count", "heading"):
            config[name] = st.column_config.NumberColumn(header, format="%d", step=1, **common)
        elif c.type == "status":
            config[name] = st.column_config.SelectboxColumn(
                header, options=list(CAMPAIGN_STATUSES), **common
            )
        elif c.type == "yes_no":
            config[name] = st.column_config.CheckboxColumn(header, help=c.help)
        else:
            config[name] = st.column_config.TextColumn(header, **common)
    return config


def _title(header: str) -> str:
    """A template header as a column title: ``дата начала`` as ``Дата начала``, and the
    English template's ``end_date`` as ``End date``."""
    words = header.replace("_", " ")
    return words[:1].upper() + words[1:]


def _show_problems(kind: str, problems: list[admin.Problem]) -> None:
    """What is wrong in the edited table, row by row, under it."""
    if not problems:
        return
    headers = {c.name: _title(c.header) for c in admin.columns(kind, lang)}
    st.error(t("screens.programme.problems", count=len(problems)), icon=":material/error:")
    st.dataframe(
        pd.DataFrame(
            {
                "row": [p.row for p in problems],
                "column": [headers.get(p.column, p.column) for p in problems],
                "value": [p.value for p in problems],
                "problem": [t(f"screens.programme.problem.{p.code}") for p in problems],
            }
        ),
        key=f"programme_problems_{kind}",
        hide_index=True,
        column_config={
            "row": st.column_config.NumberColumn(t("screens.programme.col.row"), format="%d"),
            "column": st.column_config.TextColumn(t("screens.programme.col.column")),
            "value": st.column_config.TextColumn(t("screens.programme.col.value")),
            "problem": st.column_config.TextColumn(
                t("screens.programme.col.problem"), width="large"
            ),
        },
    )


def _sync(configured: list[admin.Source], which: str | None, info: dict) -> None:
    """Sync the chosen sources (None: all), showing progress; the results are kept for the
    rerun that shows them."""
    with st.status(t("programme.sources.syncing"), expanded=True) as status:
        try:
            results = admin.sync(
                wh, configured, which, info, progress=lambda message: status.write(plain(message))
            )
        except WarehouseBusy:
            results = None
            st.error(t("programme.busy"))
        except admin.ConfigError as exc:
            results = None
            st.error(plain(exc))
        status.update(label=t("programme.sources.done"), state="complete")
    if results is not None:
        st.session_state[SYNCED] = results
        st.rerun()


SOURCE_COLUMNS = {
    "name": st.column_config.TextColumn(t("programme.col.source")),
    "kind": st.column_config.TextColumn(t("programme.col.kind")),
    "campaign": st.column_config.TextColumn(t("programme.col.campaign")),
    "spreadsheet": st.column_config.TextColumn(t("programme.col.spreadsheet")),
    "worksheet": st.column_config.TextColumn(t("programme.col.worksheet")),
    "last_sync": st.column_config.DatetimeColumn(
        t("programme.col.last_sync"), format=column_datetime_format()
    ),
    "status": st.column_config.TextColumn(t("programme.col.status")),
    "rows": st.column_config.NumberColumn(t("programme.col.rows"), format="%d"),
    "errors": st.column_config.NumberColumn(t("programme.col.errors"), format="%d"),
    "batch": st.column_config.NumberColumn(t("programme.col.batch"), format="%d"),
}
frames = lookups.setup_frames(wh)
generation = st.session_state.setdefault(GENERATION, 0)

tab_registry, tab_files, tab_sources = st.tabs(
    [t("programme.tab.registry"), t("programme.tab.files"), t("programme.tab.sources")]
)

# --- the registry ------------------------------------------------------------------------------

with tab_registry:
    st.caption(t("programme.registry.intro"))
    st.info(t("programme.registry.deleting"), icon=":material/info:")
    names = admin.sheet_names(lang)
    edited: dict[str, pd.DataFrame] = {}
    problems_total = 0
    # While no table is edited (a rerun from a click elsewhere), the tables' problems are
    # those of the set-up as published, worked out once.
    untouched = not any(
        _edits(st.session_state.get(_editor_key(kind, generation))) for kind in PROGRAMME_ORDER
    )
    for kind in PROGRAMME_ORDER:
        st.subheader(t(f"programme.sheet.{kind}"))
        st.caption(t("programme.registry.sheet_name", sheet=names[kind]))
        edited[kind] = st.data_editor(
            admin.editable(kind, frames[kind]),
            key=_editor_key(kind, generation),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config=_column_config(kind),
        )
        # checked as it is edited, against the codes of the tables as edited so far
        problems = (
            admin.setup_problems(wh)[kind]
            if untouched
            else _row_problems(kind, edited[kind], admin.codes_of({**frames, **edited}))
        )
        _show_problems(kind, problems)
        problems_total += len(problems)
    check, save, _ = st.columns([1, 1, 4])
    checking = check.button(
        t("programme.check.button"), key="programme_check", icon=":material/rule:"
    )
    saving = save.button(
        t("programme.save.button"),
        key="programme_save",
        type="primary",
        icon=":material/save:",
        disabled=problems_total > 0,
        help=t("screens.programme.fix_first") if problems_total else None,
    )
    if checking or saving:
        content = admin.setup_workbook(edited, lang)
        result = _load(content, t("programme.save.name"), dry_run=True, source="dashboard")
        if result is not None and saving and result.would_load and _write_check():
            if not admin.changes_anything(result):
                st.info(t("programme.check.unchanged"))
            else:
                saved = _load(content, t("programme.save.name"), dry_run=False, source="dashboard")
                if saved is not None and saved.status == "loaded":
                    _saved(saved)
                result = saved
        if result is not None:
            _show_result(result, "programme_issues")

# --- import and export -------------------------------------------------------------------------

with tab_files:
    st.subheader(t("programme.files.export_title"))
    st.caption(t("programme.files.export_intro"))
    export_lang = st.selectbox(
        t("programme.files.language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(lang),
        format_func=lambda code: LANGUAGES[code],
        key="programme_export_lang",
    )
    st.download_button(
        t("programme.files.download"),
        data=lambda: admin.setup_workbook(frames, export_lang),
        file_name=f"programme-setup.{export_lang}.xlsx",
        mime=components.XLSX_MIME,
        key="programme_export",
        icon=":material/download:",
        on_click="ignore",
    )
    st.subheader(t("programme.files.import_title"))
    st.caption(t("programme.files.import_intro"))
    sent = st.file_uploader(t("programme.files.upload"), type=["xlsx"], key="programme_upload")
    if sent is not None:
        _import(sent.getvalue(), sent.name, sent.file_id)

# --- Google Sheets sources ---------------------------------------------------------------------

with tab_sources:
    st.caption(t("programme.sources.intro"))
    path = admin.sources_path()
    try:
        configured = admin.configured_sources(path)
    except admin.ConfigError as exc:
        configured = []
        st.warning(t("programme.sources.no_sources"), icon=":material/settings:")
        st.text(str(exc))
    try:
        info = admin.service_account()
    except admin.ConfigError as exc:
        info = None
        st.warning(t("programme.sources.no_credentials"), icon=":material/key:")
        st.text(str(exc))

    if configured:
        components.table(
            _translated_status(
                admin.sources_status(wh, configured, t("programme.sources.detected"))
            ),
            key="programme_sources",
            name="sources",
            definition_text=t("programme.sources.table_note", path=str(path)),
            column_config=SOURCE_COLUMNS,
        )

    if configured and info is not None:
        everything = "*"
        which = st.selectbox(
            t("programme.sources.which"),
            [everything, *(s.name for s in configured)],
            format_func=lambda n: t("programme.sources.all") if n == everything else n,
            key="programme_sync_which",
        )
        syncing = st.button(
            t("programme.sources.sync"), key="programme_sync", icon=":material/sync:"
        )
        if syncing and _write_check():
            _sync(configured, None if which == everything else which, info)
    if st.session_state.get(SYNCED):
        results = st.session_state[SYNCED]
        st.subheader(t("programme.sources.result_title"))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("programme.col.source"): r["name"],
                        t("programme.col.status"): uploads.label("loads.status", r["status"]),
                        t("programme.col.rows"): r["rows_loaded"],
                        t("programme.col.batch"): r["batch_id"],
                        t("programme.col.message"): summary_text(r),
                    }
                    for r in results
                ]
            ),
            hide_index=True,
            key="programme_sync_result",
        )
        errors = [
            {
                t("programme.col.source"): r["name"],
                t("programme.col.row"): e["row"],
                t("programme.col.column"): e["column"] or "",
                t("programme.col.value"): "" if e["value"] is None else str(e["value"]),
                t("programme.col.message"): issue_text(e),
            }
            for r in results
            for e in r["errors"]
        ]
        if errors:
            st.error(t("programme.sources.errors", count=len(errors)))
            st.dataframe(pd.DataFrame(errors), hide_index=True, key="programme_sync_errors")
