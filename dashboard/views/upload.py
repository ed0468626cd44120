"""Upload: send a campaign's data (or, for officers, exchange rates and the programme set-up),
see what was detected and every error before anything is written, confirm, and keep track of
the campaign's uploads (download the kept file and the rejected rows, undo). The work is done
in ``dashboard.uploads``; this page draws it."""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboard import auth, components, reader, uploads
from dashboard.components import plain
from dashboard.i18n import current_language, fmt_date, t
from dashboard.issue_text import issue_text, summary_text
from dashboard.metrics import lookups

wh = st.session_state["warehouse"]
user = auth.require("upload")
RECEIVED = "_upload_received"  # file id -> Received, kept while the uploader holds the file
CHECKED = "_upload_checked"  # (file id, campaign, kind, version) -> dry-run result
DONE = "_upload_done"  # file id -> result of its load
STOPPED = "_upload_stopped"  # (file id, campaign, kind, version) -> why its check was stopped
FLASH = "_upload_flash"  # a message to show once after an undo
FORM_SAVED = "_upload_form_saved"  # file id -> id of the form mapping saved from it
TABLES = "_upload_tables"  # file checksum -> its rows as the loader reads them, to fix
ORIGINALS = "_upload_originals"  # file id -> the file as sent, while a corrected copy is held
BAD_CELL = "rgba(255, 75, 75, 0.25)"  # the background of a cell holding an error

st.title(t("page.upload"))
st.caption(t("upload.intro"))

# --- what and for which campaign -----------------------------------------------------------------
kinds = uploads.upload_kinds(user)
kind = st.selectbox(
    t("upload.kind"), kinds, key="upload_kind", format_func=lambda k: t(f"upload.kinds.{k}")
)
campaign: str | None = None
if uploads.needs_campaign(kind):
    names = lookups.campaign_names(
        wh, current_language()
    )  # the user's campaigns only, as every read
    codes = list(names)
    if not codes:
        components.empty(t("upload.no_campaigns"))
        st.stop()
    # A link naming one of the user's campaigns (?campaign=CODE, as a stale-data warning
    # links it) preselects it once; the picker decides from then on.
    asked = st.query_params.get("campaign")
    if asked in names and st.session_state.get("_upload_campaign_asked") != asked:
        st.session_state["upload_campaign"] = asked
        st.session_state["_upload_campaign_asked"] = asked
    campaign = st.selectbox(
        t("upload.campaign"),
        codes,
        key="upload_campaign",
        format_func=lambda code: f"{code} · {names[code]}",
    )

# --- templates -----------------------------------------------------------------------------------
with st.expander(t("upload.templates"), icon=":material/description:"):
    st.caption(t("upload.templates_help"))
    lang_names = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
    default = list(lang_names).index(current_language())
    lang = st.radio(
        t("upload.template_language"),
        list(lang_names),
        index=default,
        key="upload_template_lang",
        format_func=lang_names.get,
        horizontal=True,
    )
    cols = st.columns(3)
    for i, (file_name, content, mime) in enumerate(uploads.template_files(kind, lang)):
        cols[i].download_button(
            file_name,
            data=content,
            file_name=file_name,
            mime=mime,
            key=f"upload_template_{i}",
            icon=":material/download:",
            on_click="ignore",
        )

# --- files ---------------------------------------------------------------------------------------
limit = uploads.size_text(uploads.load.max_bytes())
# Streamlit writes the picker's button, limit and drop texts in English only: each is hidden
# and the page's own text shown in its place.
st.html(
    uploads.picker_style(
        button=t("upload.picker.button"),
        limit=t("upload.picker.limit", limit=limit),
        drop=t("upload.picker.drop"),
    )
)
files = st.file_uploader(
    t("upload.files", limit=limit),
    type=["csv", "txt", "tsv", "xlsx"],
    accept_multiple_files=True,
    key="upload_files",
    help=t("upload.files_help"),
)
received: dict = st.session_state.setdefault(RECEIVED, {})
checked: dict = st.session_state.setdefault(CHECKED, {})
done: dict = st.session_state.setdefault(DONE, {})
stopped: dict = st.session_state.setdefault(STOPPED, {})
present = {f.file_id for f in files or []}
for gone in [fid for fid in received if fid not in present]:
    received.pop(gone).discard()
    st.session_state.get(ORIGINALS, {}).pop(gone, None)
# The rows read to fix are kept for the files held now only.
held = {f.checksum for f in received.values()}
for checksum in [c for c in st.session_state.get(TABLES, {}) if c not in held]:
    del st.session_state[TABLES][checksum]


def _key(file_id: str) -> str:
    return hashlib.sha256(file_id.encode()).hexdigest()[:12]


def _show_result(result: uploads.load.LoadResult) -> None:
    if result.status == "already_loaded":
        st.info(t("upload.already_loaded", batch=result.batch_id), icon=":material/info:")
    elif result.status == "loaded":
        st.success(
            t(
                "upload.loaded",
                batch=result.batch_id,
                loaded=result.rows_loaded,
                read=result.rows_read,
                replaced=result.rows_replaced,
                rejected=result.rows_rejected,
            ),
            icon=":material/check_circle:",
        )
    else:
        st.error(t("upload.rejected", errors=result.errors_total), icon=":material/error:")
    st.text(summary_text(result))


def _form_origin(setup: uploads.FormSetup) -> None:
    """Where the form's mapping comes from: saved (by whom, when), proposed, or none."""
    st.caption(t("upload.form.intro"))
    who = uploads.saved_by(wh, setup.saved_id) if setup.saved_id is not None else None
    if who is not None:
        st.caption(t("upload.form.saved", by=plain(who[0]), date=fmt_date(who[1])))
    elif setup.origin == "proposed":
        st.caption(t("upload.form.proposed"))
    else:
        st.caption(t("upload.form.none"))


def _question_text(question: str) -> str:
    """A form question on one line, cut to 90 characters."""
    if question == uploads.NOT_ASKED:
        return t("upload.form.not_asked")
    one_line = " ".join(question.split())
    return one_line if len(one_line) <= 90 else one_line[:89] + "…"


def _form_questions(
    key: str, setup: uploads.FormSetup
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """A select per field (and the scale of a rating): the questions and scales chosen."""
    options = [uploads.NOT_ASKED, *setup.questions]
    questions: dict[str, list[str]] = {}
    scales: dict[str, int] = {}
    for fname in uploads.FORM_FIELDS:
        chosen = setup.chosen.get(fname) or []
        first = chosen[0] if chosen else uploads.NOT_ASKED
        left, right = st.columns([4, 1]) if fname in ("rating", "usefulness") else (st, None)
        picked = left.selectbox(
            t(f"upload.form.field.{fname}"),
            options,
            index=options.index(first) if first in options else 0,
            format_func=_question_text,
            key=f"upload_form_{fname}_{key}",
            help=plain(setup.why[fname]) if setup.why.get(fname) else None,
        )
        # A question reworded mid-collection keeps its other wording with the one shown.
        questions[fname] = [picked, *chosen[1:]] if picked == first and picked else [picked]
        if right is not None:
            scale = right.selectbox(
                t("upload.form.scale"),
                [5, 10],
                index=1 if setup.scales.get(fname) == 10 else 0,
                format_func=lambda n: f"1–{n}",
                key=f"upload_form_scale_{fname}_{key}",
            )
            if picked:
                scales[fname] = scale
    return questions, scales


def _form_about(key: str, setup: uploads.FormSetup) -> tuple[str, str, str | None]:
    """The event, language and date order the responses are read with."""
    events = uploads.campaign_events(wh, campaign)
    left, right = st.columns(2)
    if events:
        codes = ["", *events]
        event = left.selectbox(
            t("upload.form.event"),
            codes,
            index=codes.index(setup.event) if setup.event in codes else 0,
            format_func=lambda c: f"{c} · {events[c]}" if c else t("upload.form.no_event"),
            key=f"upload_form_about_{key}",
            help=t("upload.form.event_help"),
        )
    else:
        event = left.text_input(
            t("upload.form.event"),
            value=setup.event or "",
            key=f"upload_form_about_{key}",
            help=t("upload.form.event_help"),
        ).strip()
    languages = {
        "": t("upload.form.no_language"),
        "ru": "Русский",
        "kk": "Қазақша",
        "en": "English",
    }
    language = right.selectbox(
        t("upload.form.language"),
        list(languages),
        index=list(languages).index(setup.language) if setup.language in languages else 0,
        format_func=languages.get,
        key=f"upload_form_language_{key}",
    )
    date_order = setup.date_order
    if setup.dates_assumed or setup.date_order:
        date_order = st.radio(
            t("upload.form.date_order"),
            ["dmy", "mdy"],
            index=1 if setup.date_order == "mdy" else 0,
            format_func=lambda o: t(f"upload.form.{o}"),
            horizontal=True,
            key=f"upload_form_dates_{key}",
        )
    return event, language, date_order


def _form_mapping(key: str, file_id: str, file, setup: uploads.FormSetup) -> None:
    """The form's questions as a form: a select per field, the scales, the event, the
    language, a preview of the responses read so, and a button saving the choice with the
    campaign."""
    st.markdown(f"**{t('upload.form.title')}**")
    _form_origin(setup)
    questions, scales = _form_questions(key, setup)
    event, language, date_order = _form_about(key, setup)
    text = uploads.form_mapping_text(
        questions,
        scales=scales,
        event=event,
        language=language,
        date_order=date_order,
        campaign=campaign or "",
    )
    chose = any(q for qs in questions.values() for q in qs)
    preview = uploads.form_preview(wh, file, text, campaign=campaign) if chose else None
    if preview is not None and not preview.empty:
        st.markdown(t("upload.form.preview", rows=len(preview)))
        st.dataframe(
            uploads.preview_text(preview), hide_index=True, key=f"upload_form_preview_{key}"
        )
    if st.button(
        t("upload.form.save"),
        key=f"upload_form_save_{key}",
        icon=":material/save:",
        disabled=not chose,
        help=None if chose else t("upload.form.choose_one"),
    ):
        try:
            saved_id = uploads.save_form_mapping(wh, user, campaign, text)
        except uploads.UploadRefused:
            st.error(t("upload.refused"), icon=":material/block:")
        except uploads.forms.MappingError as exc:
            st.error(t("upload.form.save_failed", reason=plain(exc)), icon=":material/error:")
        else:
            st.session_state.setdefault(FORM_SAVED, {})[file_id] = saved_id
            st.rerun()
    if st.session_state.get(FORM_SAVED, {}).get(file_id) is not None and setup.origin == "saved":
        st.success(t("upload.form.saved_now"), icon=":material/check_circle:")


def _cell_styles(frame, bad: set[tuple[int, str]]):
    """A Styler marking the bad cells of the preview (and writing "—" for an empty one)."""
    style = f"background-color: {BAD_CELL}; font-weight: 600"

    def mark(data):
        out = data.copy().astype(object)
        for column in data.columns:
            out[column] = [style if (int(r), column) in bad else "" for r in data["row"]]
        return out

    return frame.style.apply(mark, axis=None)


def _show_verdict(result: uploads.load.LoadResult) -> uploads.Verdict:
    """The check's verdict, first: rows ready, rows with errors and their errors."""
    found = uploads.verdict(result)
    text = uploads.verdict_text(found)
    if found.file_errors:
        st.error(text, icon=":material/error:")
    elif found.bad_rows:
        st.warning(text, icon=":material/warning:")
    elif found.ready:
        st.success(text, icon=":material/check_circle:")
    else:
        st.info(text, icon=":material/info:")
    for issue in result.errors:
        if issue.row is None:
            where = f"{plain(issue.column)}: " if issue.column else ""
            st.error(where + plain(issue_text(issue)), icon=":material/block:")
    return found


def _fix_rows(key: str, file_id: str, file: uploads.Received, result) -> bool:
    """The rows with errors in an editable grid, and "Check again" with the cells as edited:
    a corrected copy of the file takes the file's place and is checked as an upload is.
    False when the rows cannot be fixed on the page."""
    tables: dict = st.session_state.setdefault(TABLES, {})
    if file.checksum not in tables:
        with st.spinner(t("upload.fix.reading")):
            tables[file.checksum] = uploads.file_table(file, result.kind)
    table = tables[file.checksum]
    if not uploads.fixable(result, table):
        return False
    frame = uploads.fix_frame(result, table)
    st.markdown(f"**{t('upload.fix.title', count=len(frame))}**")
    st.caption(t("upload.fix.help"))
    bad_columns = {i.column for i in result.errors if i.column}
    order = [
        uploads.ROW_COLUMN,
        uploads.ERRORS_COLUMN,
        *[h for h in table.header if h in bad_columns],
        *[h for h in table.header if h not in bad_columns],
    ]
    config = {
        uploads.ROW_COLUMN: st.column_config.NumberColumn(
            t("upload.col.row"), format="%d", disabled=True, pinned=True
        ),
        uploads.ERRORS_COLUMN: st.column_config.TextColumn(
            t("upload.col.fix"), disabled=True, width="large"
        ),
    }
    for header in table.header:
        config[header] = st.column_config.TextColumn(
            f"⚠ {header}" if header in bad_columns else header,
            help=t("upload.fix.bad_column") if header in bad_columns else None,
        )
    edited = st.data_editor(
        frame,
        hide_index=True,
        column_order=order,
        column_config=config,
        num_rows="fixed",
        key=f"upload_fix_{key}_{file.checksum[:12]}",
    )
    left, right = st.columns([1, 3])
    if left.button(
        t("upload.fix.check_again"),
        key=f"upload_recheck_{key}",
        icon=":material/refresh:",
        type="primary",
    ):
        fixed = uploads.corrected(file, table, edited, delimiter=result.detected.get("delimiter"))
        originals: dict = st.session_state.setdefault(ORIGINALS, {})
        originals.setdefault(file_id, file)
        st.session_state[RECEIVED][file_id] = fixed
        st.rerun()
    if file_id in st.session_state.get(ORIGINALS, {}) and right.button(
        t("upload.fix.start_over"), key=f"upload_start_over_{key}", icon=":material/undo:"
    ):
        st.session_state[RECEIVED][file_id] = st.session_state[ORIGINALS].pop(file_id)
        st.rerun()
    return True


def _show_preview(key: str, result) -> None:
    preview = uploads.preview_frame(result)
    if preview.empty:
        return
    st.markdown(f"**{t('upload.preview', rows=len(preview), total=result.rows_read)}**")
    bad = uploads.bad_cells(result)
    shown = uploads.preview_text(preview)
    st.dataframe(
        _cell_styles(shown, bad) if bad else shown,
        hide_index=True,
        key=f"upload_preview_{key}",
        column_order=["row", "errors", *[c for c in preview.columns if c not in ("row", "errors")]],
        column_config={
            **{
                c: st.column_config.TextColumn(uploads.field_label(result.kind, c))
                for c in preview.columns
                if c not in ("row", "errors")
            },
            "row": st.column_config.NumberColumn(t("upload.col.row"), format="%d", pinned=True),
            "errors": st.column_config.TextColumn(t("upload.col.errors"), width="large"),
        },
    )


def _show_warnings(key: str, result) -> None:
    issues = uploads.issues_frame(result)
    warnings = issues[issues["severity"] == "warning"]
    if warnings.empty:
        return
    st.markdown(f"**{t('upload.warnings', count=len(warnings))}**")
    shown = warnings.drop(columns=["severity"]).astype(object)
    shown["row"] = [uploads.MISSING if uploads.is_empty(r) else str(int(r)) for r in shown["row"]]
    for column in ("column", "value"):
        shown[column] = [uploads.MISSING if uploads.is_empty(v) else str(v) for v in shown[column]]
    st.dataframe(
        shown,
        hide_index=True,
        key=f"upload_warnings_{key}",
        column_config={
            "row": st.column_config.TextColumn(t("upload.col.row")),
            "column": st.column_config.TextColumn(t("upload.col.column")),
            "value": st.column_config.TextColumn(t("upload.col.value")),
            "message": st.column_config.TextColumn(t("upload.col.note"), width="large"),
        },
    )


def _show_details(key: str, result) -> None:
    """How the file was read (encoding, delimiter, the kind, the column map), folded away."""
    with st.expander(t("upload.details"), icon=":material/tune:"):
        st.caption(
            t("upload.kind_detected" if result.kind_detected else "upload.kind_chosen",
              kind=uploads.label("upload.kinds", result.kind))
        )  # fmt: skip
        detected = uploads.detected_rows(result)
        st.dataframe(
            {
                t("upload.col.what"): [t(f"upload.detect.{k}") for k, _ in detected],
                t("upload.col.value"): [
                    uploads.label("upload.kinds", v)
                    if k == "kind"
                    else uploads.label("upload.detected_value", v)
                    for k, v in detected
                ],
            },
            hide_index=True,
            key=f"upload_detected_{key}",
        )
        mapping = uploads.mapping_frame(result)
        if not mapping.empty:
            st.markdown(f"**{t('upload.mapping')}**")
            st.dataframe(
                mapping.assign(
                    field=[uploads.field_label(result.kind, f) for f in mapping["field"]]
                ),
                hide_index=True,
                key=f"upload_mapping_{key}",
                column_config={
                    "header": st.column_config.TextColumn(t("upload.col.header")),
                    "field": st.column_config.TextColumn(t("upload.col.field")),
                },
            )


def _after_write() -> None:
    """A load or an undo changed the warehouse: forget what was read before it, so that every
    list and picker of the page is drawn from the new state on the rerun."""
    st.cache_data.clear()
    reader.clear_cache()


for upload in files or []:
    key = _key(upload.file_id)
    with st.container(border=True):
        st.subheader(t("upload.file"))
        st.text(f"{upload.name} · {uploads.size_text(upload.size)}")
        if upload.file_id in done:
            _show_result(done[upload.file_id])
            continue
        if upload.file_id not in received:
            try:
                received[upload.file_id] = uploads.receive(upload.name, upload.getvalue())
            except uploads.TooLarge as exc:
                st.error(
                    t(
                        "upload.too_large",
                        name=plain(exc.name),
                        size=uploads.size_text(exc.size),
                        limit=uploads.size_text(exc.limit),
                    ),
                    icon=":material/error:",
                )
                continue
        file = received[upload.file_id]
        if file.name != upload.name:
            st.caption(t("upload.fix.corrected", name=plain(file.name)))
        check_key = (upload.file_id, file.checksum, campaign, kind, wh.version())
        if check_key not in checked and check_key not in stopped:
            with st.spinner(t("upload.checking")):
                try:
                    checked[check_key] = uploads.check(wh, file, campaign=campaign, kind=kind)
                except uploads.STOPPED as exc:
                    message = uploads.stopped_text(file.name, exc)
                    if isinstance(exc, uploads.WarehouseBusy):
                        st.error(message, icon=":material/block:")
                        continue
                    # Refused once, refused again: a rerun of the page does not check it anew.
                    stopped[check_key] = message
        if check_key in stopped:
            st.error(stopped[check_key], icon=":material/block:")
            continue
        result = checked[check_key]

        found = _show_verdict(result)
        earlier = uploads.earlier_load(
            wh, result, campaign if uploads.needs_campaign(kind) else None
        )
        if earlier is not None:
            st.info(t("upload.duplicate", batch=int(earlier["batch_id"])), icon=":material/info:")
        setup = uploads.form_setup(result) if campaign else None
        if setup is not None:
            with st.container(border=True):
                _form_mapping(key, upload.file_id, file, setup)
        fixing = bool(found.bad_rows and not found.file_errors) and _fix_rows(
            key, upload.file_id, file, result
        )
        _show_preview(key, result)
        _show_warnings(key, result)
        _show_details(key, result)

        file_errors = found.file_errors > 0
        row_errors = result.rows_rejected > 0
        skip = False
        if row_errors and not file_errors:
            skip = st.checkbox(
                t("upload.skip_invalid", count=result.rows_rejected),
                key=f"upload_skip_{key}",
            )
        can_load = not file_errors and (not row_errors or skip) and bool(result.would_load or skip)
        if not can_load:
            st.warning(
                t("upload.fix.or_skip" if fixing else "upload.fix_first"),
                icon=":material/warning:",
            )
        if st.button(
            t("upload.confirm"),
            key=f"upload_confirm_{key}",
            type="primary",
            disabled=not can_load,
        ):
            try:
                with st.status(t("upload.loading"), expanded=False) as status:
                    loaded = uploads.load_received(
                        wh,
                        user,
                        file,
                        campaign=campaign,
                        kind=kind,
                        skip_invalid=skip,
                        progress=lambda step: status.update(label=t(f"upload.step.{step}")),
                    )
                    status.update(label=t("upload.finished"), state="complete")
            except uploads.UploadRefused:
                st.error(t("upload.refused"), icon=":material/block:")
            except uploads.STOPPED as exc:
                st.error(uploads.stopped_text(file.name, exc), icon=":material/block:")
            else:
                done[upload.file_id] = loaded
                received.pop(upload.file_id).discard()
                st.session_state.get(ORIGINALS, {}).pop(upload.file_id, None)
                if loaded.batch_id is not None:  # the history's picker opens on the new batch
                    st.session_state["upload_batch"] = int(loaded.batch_id)
                _after_write()
                st.rerun()

# --- history -------------------------------------------------------------------------------------
st.subheader(
    t("upload.history", campaign=plain(campaign) if campaign else t(f"upload.kinds.{kind}"))
)
flash = st.session_state.pop(FLASH, None)
if flash:
    st.success(flash, icon=":material/undo:")
loads = uploads.history(wh, campaign if uploads.needs_campaign(kind) else None)
if loads.empty:
    components.empty(t("upload.no_history"))
    st.stop()
shown = uploads.history_frame(loads, statuses="upload.status")
components.table(
    shown.drop(columns=["message", "undone_at"]),
    key="upload_history",
    name=f"uploads-{campaign or kind}",
    definition_text=t("upload.history_note"),
    column_config=components.load_log_columns(),
)

labels = {
    int(
        r.batch_id
    ): f"#{int(r.batch_id)} · {r.source_name or ''} · {t(f'upload.status.{r.status}')}"
    for r in loads.itertuples()
}
batch_id = st.selectbox(t("upload.batch"), list(labels), key="upload_batch", format_func=labels.get)
batch = loads[loads["batch_id"] == batch_id].iloc[0]
st.text(uploads.batch_summary(wh, batch_id))
left, middle, right = st.columns(3)
original = uploads.original_file(wh, batch_id)
if original is not None:
    name, path = original
    left.download_button(
        t("upload.download_original"),
        data=lambda p=path: p.read_bytes(),
        file_name=name,
        key="upload_original",
        icon=":material/download:",
        on_click="ignore",
    )
else:
    left.caption(t("upload.no_original"))
rejected = uploads.rejected_rows(
    wh, batch_id, row_label=t("upload.csv.row"), errors_label=t("upload.csv.errors")
)
if rejected is not None:
    middle.download_button(
        t("upload.download_rejected"),
        data=rejected,
        file_name=f"batch-{batch_id}-rejected-rows.csv",
        mime=uploads.CSV_MIME,
        key="upload_rejected",
        icon=":material/download:",
        on_click="ignore",
    )
loaded_by = batch["loaded_by"] if isinstance(batch["loaded_by"], str) else None
if batch["status"] == "loaded" and user.can_undo(loaded_by):
    if right.button(t("upload.undo"), key="upload_undo"):
        st.session_state["upload_undo_pending"] = batch_id
    if st.session_state.get("upload_undo_pending") == batch_id:
        st.warning(t("upload.undo_confirm", batch=batch_id), icon=":material/warning:")
        yes, no = st.columns([1, 4])
        if yes.button(t("upload.undo_yes"), key="upload_undo_yes", type="primary"):
            st.session_state.pop("upload_undo_pending", None)
            try:
                outcome = uploads.undo(wh, user, batch_id)
            except (uploads.UploadRefused, uploads.batches.UndoRefused) as exc:
                st.error(t("upload.undo_refused", reason=plain(exc)), icon=":material/block:")
            else:
                _after_write()
                st.session_state[FLASH] = t(
                    "upload.undone",
                    batch=batch_id,
                    removed=outcome["rows_removed"],
                    restored=outcome["rows_restored"],
                )
                st.rerun()
        if no.button(t("upload.undo_no"), key="upload_undo_no"):
            st.session_state.pop("upload_undo_pending", None)
            st.rerun()
elif batch["status"] == "loaded":
    right.caption(t("upload.undo_not_yours"))
