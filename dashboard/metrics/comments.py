"""What the dashboard reads about feedback besides the measures: participants' comments (masked,
with their keyword themes), the themes and most frequent words per language, and the average
rating per rating scale.

Comments are the ``feedback`` rows the selection counts (``metrics.selected_rows``: the same
campaigns, period and submission dates as the feedback measures). Their text was masked when it
was loaded (``etl.privacy``: e-mails, phone numbers and IINs become ``[email]``, ``[phone]``,
``[IIN]``; a name an officer asked to forget becomes ``[name]``); it is masked again here on
reading, so text stored by an older loader or another tool never shows them either. Nothing
here reads the respondent's contacts, and comments are never listed with the respondent's sex,
age group or region.

Keyword themes and top words follow ``dashboard.themes`` (its SQL versions, so every comment of
the selection is counted in DuckDB without loading them). Each result is kept per published load
and reader (``reader.derived``), so a rerun neither writes the SQL again nor reshapes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard import metrics, reader, themes
from etl.privacy import mask_sql
from etl.warehouse import Warehouse


def _comment_rows(selection: metrics.Selection) -> tuple[str, dict[str, object]]:
    """SQL of the selection's responses with a comment: the response's columns, the comment
    masked, ``lang`` (ru, kk, en or other) and ``txt`` (the masked comment, normalised)."""
    rows, params = metrics.selected_rows("feedback", selection)
    sql = f"""
        SELECT *, {themes.language_sql("language")} AS lang,
               {themes.normalised_sql("comment")} AS txt
        FROM (SELECT * REPLACE ({mask_sql("comment")} AS comment)
              FROM ({rows}) r WHERE nullif(trim(comment), '') IS NOT NULL)
    """
    return sql, params


@reader.derived
def comments(
    wh: Warehouse,
    selection: metrics.Selection,
    *,
    theme_ids: Sequence[str] = (),
    languages: Sequence[str] = (),
    limit: int | None = None,
    lexicon: themes.Lexicon | None = None,
) -> pd.DataFrame:
    """The selection's comments, newest first, masked, each with its keyword themes.

    ``theme_ids`` keeps comments with any of those themes, ``languages`` (ru, kk, en, other)
    comments in those languages; ``limit`` keeps the newest. Columns: submitted_at,
    submitted_on, campaign, event_code, event (its name), rating, rating_scale, language (ru,
    kk, en or other), comment, themes (a list of theme ids in the lexicon's order) and matching
    (how many comments pass the filters, however many are kept).
    """
    lexicon = lexicon or themes.default_lexicon()
    rows, params = _comment_rows(selection)
    where = ["TRUE"]
    if theme_ids:
        where.append(
            "("
            + " OR ".join(themes.theme_condition(i, "txt", "lang", lexicon) for i in theme_ids)
            + ")"
        )
    if languages:
        where.append("list_contains($languages, lang)")
        params = {**params, "languages": list(languages)}
    tail = ""
    if limit is not None:
        tail = "LIMIT $limit"
        params = {**params, "limit": int(limit)}
    sql = f"""
        WITH picked AS (
            SELECT *, count(*) OVER () AS matching FROM ({rows})
            WHERE {" AND ".join(where)}
            ORDER BY submitted_at DESC, campaign_code, event_code {tail}
        )
        SELECT p.submitted_at, p.submitted_on, p.campaign_code AS campaign, p.event_code,
               e.name AS event, p.rating, p.rating_scale, p.lang AS language, p.comment,
               {themes.themes_sql("p.txt", "p.lang", lexicon)} AS themes, p.matching
        FROM picked p
        LEFT JOIN events e ON e.campaign_code = p.campaign_code AND e.event_code = p.event_code
        ORDER BY p.submitted_at DESC, p.campaign_code, p.event_code
    """
    return metrics.run_sql(wh, sql, params)


@reader.derived
def theme_counts(
    wh: Warehouse, selection: metrics.Selection, lexicon: themes.Lexicon | None = None
) -> pd.DataFrame:
    """Comments per keyword theme and language over the selection (see
    ``themes.theme_counts``): language, theme, comments, share (of the language's comments)."""
    rows, params = _comment_rows(selection)
    return metrics.run_sql(wh, themes.theme_counts_sql(rows, lexicon), params)


@reader.derived
def top_words(
    wh: Warehouse,
    selection: metrics.Selection,
    n: int = 10,
    lexicon: themes.Lexicon | None = None,
) -> pd.DataFrame:
    """The ``n`` most frequent words per language in the selection's comments (see
    ``themes.top_words``): language, word, occurrences."""
    rows, params = _comment_rows(selection)
    return metrics.run_sql(wh, themes.top_words_sql(rows, lexicon, n), params)


@reader.derived
def ratings_by_scale(wh: Warehouse, selection: metrics.Selection) -> pd.DataFrame:
    """The average rating per rating scale (forms rate 1 to 5 or 1 to 10; the two are never
    averaged together): rating_scale, rated (responses with a rating), average, and
    share_of_scale (the average as a share of the scale's top)."""
    df = metrics.query(
        wh, ["rated_responses", "average_rating"], selection, "total", ("rating_scale",)
    )
    df = df[df["rated_responses"] > 0].rename(
        columns={"rated_responses": "rated", "average_rating": "average"}
    )
    df["share_of_scale"] = df["average"] / df["rating_scale"]
    return df.sort_values("rating_scale").reset_index(drop=True)
