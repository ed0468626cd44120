"""Platforms' own export files, as grantees download them, loaded through the CLI.

One small file per export and per quirk of ``/work/shared/reference/platform-exports.md``, built
here as bytes so that each quirk is written out where it is tested. Every file goes through
``campaigns load FILE --campaign CODE --json [--as-of DATE]`` into a real warehouse, and the
stored figures are compared with the values the test wrote into the file, never with the
loader's own output.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

Query = Callable[..., list[tuple]]
METRICS = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "followers",
)
BOM = b"\xef\xbb\xbf"
AS_OF = "2026-04-10"


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def load(invoke, tmp_path: Path):
    """Write ``data`` as ``name`` and run ``campaigns load`` on it; (exit code, JSON summary)."""

    def run(
        name: str, data: bytes, *, campaign: str = "PDP-01", as_of: str | None = AS_OF
    ) -> tuple[int, dict]:
        folder = tmp_path / "files"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        args = ["load", str(path), "--campaign", campaign, "--json"]
        if as_of:
            args += ["--as-of", as_of]
        code, output, result = invoke(*args)
        assert "Traceback" not in output
        assert isinstance(result, dict), output
        return code, result

    return run


def loaded(code: int, result: dict, rows: int) -> None:
    """The whole file loaded: every data row, none set aside, no errors."""
    assert result["errors"] == [], result["errors"]
    assert (code, result["status"]) == (0, "loaded"), result["message"]
    assert result["kind"] == "metrics"
    assert result["rows_read"] == rows, result
    assert result["rows_loaded"] == rows, result
    assert result["rows_rejected"] == 0


def observations(query: Query, platform: str, campaign: str = "PDP-01") -> dict:
    """(post_id, ISO date, window) -> the figures stored for it (empty ones left out)."""
    rows = query(
        f"SELECT post_id, metric_date, time_window, {', '.join(METRICS)} FROM metric_observations "
        "WHERE campaign_code = ? AND platform = ? ORDER BY ALL",
        [campaign, platform],
    )
    out = {}
    for post, day, window, *values in rows:
        assert (post, day.isoformat(), window) not in out
        out[(post, day.isoformat(), window)] = {
            m: (int(v) if float(v).is_integer() else v)
            for m, v in zip(METRICS, values, strict=True)
            if v is not None
        }
    return out


def content(query: Query, platform: str, campaign: str = "PDP-01") -> dict:
    """post_id -> (url, published_at as ISO text, format, title)."""
    rows = query(
        "SELECT post_id, url, published_at, format, title FROM content_items "
        "WHERE campaign_code = ? AND platform = ? ORDER BY post_id",
        [campaign, platform],
    )
    return {
        p: (url, None if at is None else at.isoformat(sep=" "), fmt, title)
        for p, url, at, fmt, title in rows
    }


def detected(query: Query, batch_id: int) -> dict:
    """What the batch log recorded about the file."""
    ((text,),) = query("SELECT detected FROM core.batch WHERE batch_id = ?", [batch_id])
    return json.loads(text)


def not_stored(result: dict) -> list[str]:
    """The columns named by the one warning listing the export's columns that were not stored
    ('not stored from this <export>: A, B, C (why)')."""
    found = [
        w["message"]
        for w in result["warnings"]
        if w["row"] is None and w["message"].startswith("not stored")
    ]
    assert len(found) == 1, result["warnings"]
    names = found[0].split(f"{result['detected']['export']}: ", 1)[1].rsplit(" (", 1)[0]
    return names.split(", ")


def row_warnings(result: dict, text: str) -> list[int]:
    return sorted(w["row"] for w in result["warnings"] if text in w["message"])


def fact_rows(query: Query) -> int:
    return (
        query("SELECT count(*) FROM metric_observations")[0][0]
        + query("SELECT count(*) FROM content_items")[0][0]
    )


def rejected(code: int, result: dict, query: Query, before: int) -> str:
    """Nothing loaded; the single file-level error message."""
    assert (code, result["status"]) == (1, "rejected")
    assert result["rows_loaded"] == 0
    assert fact_rows(query) == before
    assert len(result["errors"]) == 1, result["errors"]
    (error,) = result["errors"]
    assert error["row"] is None
    return error["message"]


def utf16(text: str) -> bytes:
    """UTF-16 LE with its byte-order mark, as Meta's insights series are written."""
    return b"\xff\xfe" + text.encode("utf-16-le")


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


# --- YouTube Studio ------------------------------------------------------------------------------

YT = {
    # video id (as YouTube writes it: a leading "-" gets a space before it), title, published
    "abc123DEF45": ("Your data explained", dt.date(2026, 3, 5)),
    "-xyz987LMN0": ("Rights online", dt.date(2026, 4, 1)),
}


def test_youtube_table_data(load, query: Query) -> None:
    a, b = "abc123DEF45", "-xyz987LMN0"
    views, impressions = {a: 10_001, b: 2_344}, {a: 80_000, b: 18_765}
    likes, shares, comments = {a: 300, b: 10}, {a: 20, b: 5}, {a: 15, b: 3}
    data = (
        "Content,Video title,Video publish time,Duration,Views,Watch time (hours),Subscribers,"
        "Average view duration,Impressions,Impressions click-through rate (%),Unique viewers,"
        "Likes,Shares,Comments added\n"
        # Row 2 is the Total row, with the thousands separators in quotes.
        f'Total,,,,"{views[a] + views[b]:,}",800.5,40,0:01:58,'
        f'"{impressions[a] + impressions[b]:,}",4.2,"{9_000:,}",{likes[a] + likes[b]},'
        f"{shares[a] + shares[b]},{comments[a] + comments[b]}\n"
        f'{a},Your data explained,"Mar 5, 2026",245,"{views[a]:,}",700.1,30,0:02:05,'
        f'"{impressions[a]:,}",5.1,"{8_000:,}",{likes[a]},{shares[a]},{comments[a]}\n'
        # A video id starting with "-" gets a leading space.
        f' {b},Rights online,"Apr 1, 2026",180,"{views[b]:,}",100.4,10,0:01:30,'
        f'"{impressions[b]:,}",3.3,"{1_000:,}",{likes[b]},{shares[b]},{comments[b]}\n'
    ).encode()
    code, result = load("Table data.csv", data)
    loaded(code, result, 2)
    assert result["platform"] == "youtube"
    assert row_warnings(result, "total row was not loaded") == [2]
    assert observations(query, "youtube") == {
        (v, AS_OF, "lifetime"): {
            "views": views[v],
            "impressions": impressions[v],
            "likes": likes[v],
            "shares": shares[v],
            "comments": comments[v],
        }
        for v in (a, b)
    }
    assert content(query, "youtube") == {
        v: (f"https://www.youtube.com/watch?v={v}", f"{YT[v][1]} 00:00:00", None, YT[v][0])
        for v in (a, b)
    }
    assert set(not_stored(result)) == {
        "Duration",
        "Watch time (hours)",
        "Subscribers",
        "Average view duration",
        "Impressions click-through rate (%)",
        "Unique viewers",
    }
    assert detected(query, result["batch_id"])["as_of"] == AS_OF


@pytest.mark.parametrize(
    "header, total, dates",
    [
        pytest.param(
            "Контент,Название видео,Время публикации видео,Просмотры,Время просмотра (часы),"
            'Показы,Отметки "Нравится",Поделились,Добавленные комментарии',
            "Итого",
            ("5 мар. 2026 г.", "1 апр. 2026 г."),
            id="ru",
        ),
        pytest.param(
            "Мазмұн,Бейне атауы,Бейненің жариялану уақыты,Қаралымдар,Көру уақыты (сағат),"
            "Көрсетілімдер,Лайктар,Бөлісулер,Қосылған пікірлер",
            "Барлығы",
            ("2026 ж. 5 нау.", "2026 ж. 1 сәу."),
            id="kk",
        ),
    ],
)
def test_youtube_table_data_in_russian_and_kazakh(
    load, query: Query, header: str, total: str, dates: tuple[str, str]
) -> None:
    # Figures: views, watch hours, impressions, likes, shares, comments
    a = (10_001, 700, 80_000, 300, 20, 15)
    b = (2_344, 100, 18_765, 10, 5, 3)

    def cells(row: tuple[int, ...]) -> str:
        return ",".join(f'"{v:,}"'.replace(",", "\u00a0") for v in row)

    data = (
        f"{header}\n"
        f"{total},,,{cells(tuple(x + y for x, y in zip(a, b, strict=True)))}\n"
        f'abc123DEF45,Первое видео,"{dates[0]}",{cells(a)}\n'
        f' -xyz987LMN0,Екінші бейне,"{dates[1]}",{cells(b)}\n'
    ).encode()
    code, result = load("Table data.csv", data)
    loaded(code, result, 2)
    assert row_warnings(result, "total row was not loaded") == [2]
    names = ("views", "impressions", "likes", "shares", "comments")
    assert observations(query, "youtube") == {
        (v, AS_OF, "lifetime"): dict(zip(names, (f[0], *f[2:]), strict=True))
        for v, f in (("abc123DEF45", a), ("-xyz987LMN0", b))
    }
    published = {p: v[1] for p, v in content(query, "youtube").items()}
    assert published == {"abc123DEF45": "2026-03-05 00:00:00", "-xyz987LMN0": "2026-04-01 00:00:00"}
    assert not_stored(result) == [header.split(",")[4]]


def test_youtube_chart_data(load, query: Query) -> None:
    daily = {
        ("abc123DEF45", "2026-04-01"): 120,
        ("-xyz987LMN0", "2026-04-01"): 1_200,
        ("abc123DEF45", "2026-04-02"): 95,
        ("-xyz987LMN0", "2026-04-02"): 800,
    }
    lines = ["Date,Content,Video title,Video publish time,Views"]
    for (video, when), views in daily.items():
        title, published = YT[video]
        shown = " " + video if video.startswith("-") else video
        lines.append(f'{when},{shown},{title},"{published:%b} {published.day}, 2026","{views:,}"')
    code, result = load("Chart data.csv", ("\n".join(lines) + "\n").encode())
    loaded(code, result, 4)
    assert observations(query, "youtube") == {
        (video, when, "day"): {"views": views} for (video, when), views in daily.items()
    }
    assert query("SELECT sum(views) FROM post_daily WHERE platform = 'youtube'") == [
        (sum(daily.values()),)
    ]
    assert {p: v[1][:10] for p, v in content(query, "youtube").items()} == {
        v: YT[v][1].isoformat() for v in YT
    }


def test_youtube_totals(load, query: Query) -> None:
    days = {"2026-04-01": (1_320, 20_000, 25), "2026-04-02": (895, 10_000, 15)}
    data = (
        "Date,Views,Watch time (hours),Subscribers,Average view duration,Impressions,Likes\n"
        f'Total,"{1_320 + 895:,}",50.2,7,0:01:20,"{30_000:,}",40\n'
        + "".join(f'{d},"{v:,}",25.1,3,0:01:20,"{i:,}",{lk}\n' for d, (v, i, lk) in days.items())
    ).encode()
    code, result = load("Totals.csv", data)
    loaded(code, result, 2)
    assert row_warnings(result, "total row was not loaded") == [2]
    assert observations(query, "youtube") == {
        ("", d, "day"): {"views": v, "impressions": i, "likes": lk}
        for d, (v, i, lk) in days.items()
    }
    assert query("SELECT day, views FROM channel_daily WHERE platform = 'youtube' ORDER BY 1") == [
        (day(d), v) for d, (v, _, _) in days.items()
    ]
    # The watch time recognises the file but is a duration: it is listed as not stored.
    assert set(not_stored(result)) == {
        "Watch time (hours)",
        "Subscribers",
        "Average view duration",
    }


# --- TikTok ------------------------------------------------------------------------------------

TIKTOK_DAYS = [  # (day, video views, profile views, likes, comments, shares)
    (dt.date(2026, 12, 30), 100, 5, 10, 1, 0),
    (dt.date(2026, 12, 31), 200, 6, 20, 2, 1),
    (dt.date(2027, 1, 1), 300, 7, 30, 3, 2),
    (dt.date(2027, 1, 3), 400, 8, 40, 4, 3),
]


def tiktok_expected(days=TIKTOK_DAYS) -> dict:
    return {
        ("", d.isoformat(), "day"): {"views": v, "likes": lk, "comments": c, "shares": s}
        for d, v, _, lk, c, s in days
    }


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_tiktok_overview_month_day_across_new_year(load, query: Query, newest_first: bool) -> None:
    """`Month D` without a year: a file ending Jan 3, exported on 2027-01-05, has December 2026."""
    rows = sorted(TIKTOK_DAYS, reverse=newest_first)
    data = "Date,Video Views,Profile Views,Likes,Comments,Shares\n" + "".join(
        f"{d:%B} {d.day},{v},{p},{lk},{c},{s}\n" for d, v, p, lk, c, s in rows
    )
    # FOE-02 runs 2026-04-01 to 2027-01-31: every day of the file is in it.
    code, result = load("Overview.csv", data.encode(), campaign="FOE-02", as_of="2027-01-05")
    loaded(code, result, 4)
    assert observations(query, "tiktok", "FOE-02") == tiktok_expected()
    assert row_warnings(result, "outside the campaign period") == []
    assert not_stored(result) == ["Profile Views"]


def test_tiktok_old_export_quoted_with_bom_and_day_first_dates(load, query: Query) -> None:
    """2021-22 `Last 60 days`: every field quoted, a BOM, D/M/YYYY after an Excel re-save."""
    days = [(dt.date(2026, 4, 5), 1_200, 9, 20, 2, 1), (dt.date(2026, 4, 13), 300, 4, 5, 0, 0)]
    data = (
        BOM
        + (
            '"Date","Video views","Profile views","Likes","Comments","Shares"\r\n'
            + "".join(
                f'"{d.day}/{d.month}/{d.year}","{v:,}","{p}","{lk}","{c}","{s}"\r\n'
                for d, v, p, lk, c, s in days
            )
        ).encode()
    )
    code, result = load("Last 60 days.csv", data)
    loaded(code, result, 2)
    assert result["detected"]["encoding"] == "utf-8-sig"
    assert observations(query, "tiktok") == tiktok_expected(days)


def test_tiktok_business_overview(load, query: Query) -> None:
    days = {"2026-04-05": (100, 80, 10), "2026-04-06": (2_500, 1_900, 20)}
    data = (
        "Date,Video Views,Profile Views,Likes,Comments,Shares,Reached audience,New followers,"
        "Lost followers\n"
        + "".join(
            f'{d.replace("-", "/")},"{v:,}",6,{lk},1,0,"{r:,}",3,1\n'
            for d, (v, r, lk) in days.items()
        )
    ).encode()
    code, result = load("Overview.csv", data)
    loaded(code, result, 2)
    assert observations(query, "tiktok") == {
        ("", d, "day"): {"views": v, "reach": r, "likes": lk, "comments": 1, "shares": 0}
        for d, (v, r, lk) in days.items()
    }
    assert set(not_stored(result)) == {"Profile Views", "New followers", "Lost followers"}


def test_tiktok_overview_xlsx_with_every_cell_as_text(load, query: Query) -> None:
    days = [(dt.date(2026, 4, 5), 1_100, 5, 10, 1, 0), (dt.date(2026, 4, 6), 200, 6, 20, 2, 1)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"])
    for d, *figures in days:
        ws.append([f"{d:%B} {d.day}", *(str(f) for f in figures)])
    for row in ws.iter_rows():
        for cell in row:
            cell.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    # The quirk: numbers too are text cells in the workbook.
    check = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    assert {c.data_type for row in check.iter_rows() for c in row} == {"s"}
    code, result = load("Overview.xlsx", buf.getvalue(), as_of="2026-04-20")
    loaded(code, result, 2)
    assert result["detected"]["format"] == "xlsx"
    assert observations(query, "tiktok") == tiktok_expected(days)


def test_tiktok_content_post_id_from_the_video_link(load, query: Query) -> None:
    videos = {  # id: (title, link suffix, posted, likes, comments, shares, views)
        "7351234567890123456": ("Know your rights", "", "2026-04-05", 120, 8, 5, 3_400),
        "7359999999999999999": ("Data leaks", "?is_from_webapp=1", "2026-04-08", 60, 2, 1, 900),
    }
    data = (
        "Time,Video title,Video link,Post time,Total likes,Total comments,Total shares,"
        "Total views\n"
        + "".join(
            f'"Apr 1, 2026 - Apr 10, 2026",{t},https://www.tiktok.com/@speakfree/video/{vid}{q},'
            f'{at},{lk},{c},{s},"{v:,}"\n'
            for vid, (t, q, at, lk, c, s, v) in videos.items()
        )
    ).encode()
    code, result = load("Content.csv", data)
    loaded(code, result, 2)
    assert observations(query, "tiktok") == {
        (vid, AS_OF, "lifetime"): {"likes": lk, "comments": c, "shares": s, "views": v}
        for vid, (_, _, _, lk, c, s, v) in videos.items()
    }
    assert content(query, "tiktok") == {
        vid: (f"https://www.tiktok.com/@speakfree/video/{vid}{q}", f"{at} 00:00:00", None, t)
        for vid, (t, q, at, *_) in videos.items()
    }
    assert not_stored(result) == ["Time"]


def test_tiktok_viewers_are_reach(load, query: Query) -> None:
    days = {dt.date(2026, 4, 5): (500, 300, 200), dt.date(2026, 4, 6): (450, 250, 200)}
    data = "Date,Total Viewers,New Viewers,Returning Viewers\n" + "".join(
        f"{d:%B} {d.day},{t},{n},{r}\n" for d, (t, n, r) in days.items()
    )
    code, result = load("Viewers.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, 2)
    assert observations(query, "tiktok") == {
        ("", d.isoformat(), "day"): {"reach": t} for d, (t, _, _) in days.items()
    }
    assert set(not_stored(result)) == {"New Viewers", "Returning Viewers"}


def test_tiktok_follower_history(load, query: Query) -> None:
    followers = {dt.date(2026, 4, 5): 1_200, dt.date(2026, 4, 6): 1_210}
    data = (
        "Date,Followers,Difference in followers from previous day\n"
        'April 5,"1,200",5\n'
        'April 6,"1,210",10\n'
    )
    code, result = load("FollowerHistory.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, 2)
    assert observations(query, "tiktok") == {
        ("", d.isoformat(), "day"): {"followers": f} for d, f in followers.items()
    }
    assert query("SELECT day, followers FROM channel_daily ORDER BY 1") == [
        (d, f) for d, f in followers.items()
    ]


@pytest.mark.parametrize(
    "name, text, what",
    [
        ("FollowerGender.csv", "Gender,Distribution\nFemale,0.59\nMale,0.41\n", "gender"),
        (
            "FollowerTopTerritories.csv",
            "Top territories,Distribution\nKazakhstan,81%\nRussia,10%\n",
            "country",
        ),
        (
            "Table data.csv",  # YouTube Studio, Viewer age dimension, en-dash buckets
            "Viewer age,Views (%),Average view duration\n13–17 years,4.1,0:01:10\n"
            "18–24 years,30.2,0:02:01\n",
            "age",
        ),
        (
            "Table data.csv",  # YouTube Studio, Cities dimension
            "Cities,City name,Views,Watch time (hours),Average view duration\n"
            "0x38bc2d4bc5bfb5c3:0x7d9a7c8a0d0b1b1b,Almaty,1200,40.5,0:02:01\n",
            "city",
        ),
        (
            "Table data.csv",  # YouTube Studio, Geography dimension
            "Geography,Views,Watch time (hours),Average view duration\nKZ,1200,40.5,0:02:01\n",
            "country",
        ),
    ],
)
def test_audience_breakdowns_are_refused(
    load, query: Query, name: str, text: str, what: str
) -> None:
    before = fact_rows(query)
    code, result = load(name, text.encode())
    message = rejected(code, result, query, before)
    assert "audience" in message and what in message, message
    assert "not loaded" in message


# --- Meta Business Suite -------------------------------------------------------------------------

FB_HEADER = (
    "Post ID,Page ID,Page name,Title,Description,Duration (sec),Publish time,Caption type,"
    "Permalink,Is crosspost,Is share,Post type,Languages,Custom labels,Funded content status,"
    'Data comment,Date,Views,Reach,"Reactions, Comments and Shares",Reactions,Comments,Shares,'
    "Total clicks,Link Clicks,Other Clicks"
)


def test_facebook_posts(load, query: Query) -> None:
    page = "123456789012345"
    posts = {  # post: (title, publish time as written, as meant, views, reach, re, co, sh, clicks)
        f"{page}_987654321098765": ("", "04/03/2026 14:05", "2026-04-03 14:05:00",
                                    12_400, 8_100, 410, 30, 15, 220),
        f"{page}_111111111111111": ("Video title", "03/25/2026 09:30", "2026-03-25 09:30:00",
                                    3_000, 2_500, 50, 6, 4, None),
    }  # fmt: skip
    rows = []
    for post, (title, written, _, v, r, re, co, sh, cl) in posts.items():
        clicks = f"{cl},{cl - 100},100" if cl else ",,"
        rows.append(
            f"{post},{page},Your Data KZ,{title},Know your rights,,{written},,"
            f"https://www.facebook.com/{page}/posts/{post[16:]},No,No,Photos,,,,,Lifetime,"
            f'"{v:,}","{r:,}",{re + co + sh},{re},{co},{sh},{clicks}'
        )
    data = BOM + (FB_HEADER + "\n" + "\n".join(rows) + "\n").encode()
    code, result = load("Mar-01-2026_Apr-10-2026_1234.csv", data)
    loaded(code, result, 2)
    assert result["platform"] == "facebook"
    expected = {}
    for post, (_, _, _, v, r, re, co, sh, cl) in posts.items():
        figures = {"views": v, "reach": r, "likes": re, "comments": co, "shares": sh}
        if cl:
            figures["clicks"] = cl
        expected[(post, AS_OF, "lifetime")] = figures
    assert observations(query, "facebook") == expected
    # Publish time is month first, even where the day could be a month (04/03 is 3 April).
    assert {p: v[1] for p, v in content(query, "facebook").items()} == {
        p: meant for p, (_, _, meant, *_) in posts.items()
    }
    # Meta renamed impressions to views: the batch log says how they were stored.
    notes = detected(query, result["batch_id"])["notes"]
    assert any("impressions" in n and "views" in n for n in notes), notes
    # A header with commas in it, quoted: one column, not stored (its parts are).
    assert "Reactions, Comments and Shares" in ", ".join(not_stored(result))


def test_facebook_posts_with_impressions_have_no_rename_note(load, query: Query) -> None:
    data = BOM + (
        b"Post ID,Page ID,Page name,Publish time,Permalink,Post type,Date,Impressions,Reach,"
        b"Reactions,Comments,Shares\n"
        b"1_2,1,Page,03/20/2026 10:00,https://www.facebook.com/1/posts/2,Photos,Lifetime,"
        b"5000,4000,30,2,1\n"
    )
    code, result = load("posts.csv", data)
    loaded(code, result, 1)
    assert observations(query, "facebook") == {
        ("1_2", AS_OF, "lifetime"): {
            "impressions": 5000,
            "reach": 4000,
            "likes": 30,
            "comments": 2,
            "shares": 1,
        }
    }
    assert "notes" not in detected(query, result["batch_id"])


def test_instagram_posts_crlf_with_line_breaks_inside_cells(load, query: Query) -> None:
    posts = {  # post: (description, publish time, type, views, reach, likes, shares, comm, saves)
        "17900000000000001": ("Line one\nline two", "04/02/2026 18:00", "IG image",
                              5_400, 3_200, 210, 12, 9, 33),
        "17900000000000002": ("Reel text", "03/11/2026 08:15", "IG reel",
                              10_500, 7_000, 400, 40, 20, 60),
    }  # fmt: skip
    lines = [
        "Post ID,Account ID,Account username,Account name,Description,Duration (sec),"
        "Publish time,Permalink,Post type,Data comment,Date,Views,Reach,Likes,Shares,Comments,"
        "Saves,Follows"
    ]
    for post, (text, at, kind, v, r, lk, sh, co, sv) in posts.items():
        lines.append(
            f'{post},17841400000000000,yourdata.kz,Your Data,"{text}",0,{at},'
            f"https://www.instagram.com/p/{post[-4:]}/,{kind},,Lifetime,"
            f'"{v:,}","{r:,}",{lk},{sh},{co},{sv},4'
        )
    data = BOM + ("\r\n".join(lines) + "\r\n").encode()
    assert b"\r\n" in data and b"one\nline" in data
    code, result = load("instagram.csv", data)
    loaded(code, result, 2)
    names = ("views", "reach", "likes", "shares", "comments", "saves")
    assert observations(query, "instagram") == {
        (post, AS_OF, "lifetime"): dict(zip(names, figures[3:], strict=True))
        for post, figures in posts.items()
    }
    items = content(query, "instagram")
    assert items["17900000000000001"][3] == "Line one\nline two"
    assert items["17900000000000002"][1] == "2026-03-11 08:15:00"
    assert "Follows" in not_stored(result)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(
            "ID публикации,ID аккаунта,Описание,Время публикации,Постоянная ссылка,"
            "Тип публикации,Дата,Просмотры,Охват,Отметки «Нравится»,Поделились,Комментарии,"
            "Сохранения",
            id="ru",
        ),
        pytest.param(
            "Жарияланым id,Аккаунт id,Сипаттама,Жариялану уақыты,Тұрақты сілтеме,"
            "Жарияланым түрі,Күні,Қаралымдар,Қамту,Лайктар,Бөлісулер,Пікірлер,Сақтаулар",
            id="kk",
        ),
    ],
)
def test_instagram_posts_in_russian_and_kazakh_ui(load, query: Query, header: str) -> None:
    figures = (5_400, 3_200, 210, 12, 9, 33)  # views, reach, likes, shares, comments, saves
    data = (
        BOM
        + (
            f"{header}\n17900000000000001,17841400000000000,Текст,04/02/2026 18:00,"
            "https://www.instagram.com/p/DAbCdEf123/,IG image,Lifetime,"
            + ",".join(f'"{v:,}"'.replace(",", " ") for v in figures)
            + "\n"
        ).encode()
    )
    code, result = load("instagram.csv", data)
    loaded(code, result, 1)
    assert result["detected"]["export"] == "Meta Business Suite export of Instagram posts"
    names = ("views", "reach", "likes", "shares", "comments", "saves")
    assert observations(query, "instagram") == {
        ("17900000000000001", AS_OF, "lifetime"): dict(zip(names, figures, strict=True))
    }
    assert content(query, "instagram")["17900000000000001"][1] == "2026-04-02 18:00:00"


def test_meta_insights_reach_series(load, query: Query) -> None:
    """UTF-16 LE, `sep=,`, a title line, and days written as midnight or 01:00 after DST."""
    reach = {
        "2026-03-28T00:00:00": 1_200,
        "2026-03-29T01:00:00": 1_300,  # Europe's clocks moved on 29 March
        "2026-03-30T01:00:00": 1_400,
    }
    text = 'sep=,\r\n"Facebook reach"\r\n"Date","Primary"\r\n' + "".join(
        f'"{when}","{v}"\r\n' for when, v in reach.items()
    )
    code, result = load("Reach.csv", utf16(text), as_of=None)
    loaded(code, result, 3)
    assert result["detected"]["encoding"].startswith("utf-16")
    assert result["detected"]["header_row"] == 3
    assert observations(query, "facebook") == {
        ("", when[:10], "day"): {"reach": v} for when, v in reach.items()
    }


def test_meta_insights_follows_series_is_refused(load, query: Query) -> None:
    before = fact_rows(query)
    text = 'sep=,\r\n"Facebook follows"\r\n"Date","Primary"\r\n"2026-03-28T00:00:00","12"\r\n'
    code, result = load("Follows.csv", utf16(text))
    message = rejected(code, result, query, before)
    assert "Follows.csv" in message and "Facebook follows" in message
    assert "not stored" in message and "follower count" in message


# --- X -------------------------------------------------------------------------------------------


def test_x_legacy_per_post_export(load, query: Query) -> None:
    tweets = {  # id: (text, time, impressions, retweets, replies, likes, url clicks)
        "1771234567890123456": ('"Know your rights, a thread"', "2026-03-20 10:15 +0000",
                                1_534, 5, 2, 20, 7),
        "1779999999999999999": ("Second", "2026-04-02 08:00 +0000", 980, 1, 0, 8, 1),
    }  # fmt: skip
    header = (
        "Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,"
        "retweets,replies,likes,user profile clicks,url clicks,hashtag clicks,detail expands,"
        "media views,media engagements,promoted impressions,promoted engagements,"
        "promoted engagement rate,promoted retweets,promoted replies,promoted likes,"
        "promoted url clicks"
    )
    rows = [
        # Counts written as floats; the promoted columns hold "-".
        f"{tid},https://twitter.com/yourdata_kz/status/{tid},{text},{at},{imp}.0,40.0,0.026,"
        f"{rt}.0,{rp}.0,{lk}.0,3.0,{cl}.0,0,4,0,0,-,-,-,-,-,-,-"
        for tid, (text, at, imp, rt, rp, lk, cl) in tweets.items()
    ]
    data = (header + "\n" + "\n".join(rows) + "\n").encode()
    code, result = load("tweet_activity_metrics_yourdata_kz_20260301_20260410_en.csv", data)
    loaded(code, result, 2)
    assert observations(query, "x") == {
        (tid, AS_OF, "lifetime"): {
            "impressions": imp,
            "shares": rt,
            "comments": rp,
            "likes": lk,
            "clicks": cl,
        }
        for tid, (_, _, imp, rt, rp, lk, cl) in tweets.items()
    }
    items = content(query, "x")
    assert items["1771234567890123456"][1:] == (
        "2026-03-20 10:15:00",
        None,
        "Know your rights, a thread",
    )
    assert "promoted impressions" in not_stored(result)


def test_x_account_overview_newest_first(load, query: Query) -> None:
    days = {  # day: impressions, likes, bookmarks, replies, reposts, video views
        dt.date(2026, 4, 2): (980, 8, 1, 0, 1, 0),
        dt.date(2026, 4, 1): (1_534, 20, 2, 2, 5, 30),
        dt.date(2026, 3, 31): (700, 3, 0, 1, 0, 12),
    }
    data = (
        "Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,"
        "Reposts,Profile visits,Create Post,Video views,Media views\n"
        + "".join(
            f'"{d:%a}, {d:%b} {d.day}, {d.year}","{i:,}",{lk},40,{b},1,3,1,{rp},{rt},5,1,{vv},12\n'
            for d, (i, lk, b, rp, rt, vv) in days.items()
        )
    ).encode()
    assert b'"Thu, Apr 2, 2026"' in data
    code, result = load("account_overview_analytics.csv", data)
    loaded(code, result, 3)
    names = ("impressions", "likes", "saves", "comments", "shares", "views")
    assert observations(query, "x") == {
        ("", d.isoformat(), "day"): dict(zip(names, f, strict=True)) for d, f in days.items()
    }
    assert set(not_stored(result)) >= {"Engagements", "New follows", "Unfollows"}


# --- VK and Telegram -----------------------------------------------------------------------------


def test_vk_statistics_workbook(load, query: Query) -> None:
    days = {  # day: visitors, views, full reach, subscriber reach, likes, comments, reposts, subs
        dt.date(2026, 4, 1): (120, 450, 900, 600, 30, 4, 2, 1_500),
        dt.date(2026, 4, 2): (130, 1_200, 950, 610, 35, 5, 3, 1_510),
    }
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Статистика"
    ws.append(
        [
            "День",
            "Посетители",
            "Просмотры",
            "Полный охват",
            "Охват подписчиков",
            "Отметки «Мне нравится»",
            "Комментарии",
            "Репосты",
            "Подписчики",
        ]
    )
    for d, figures in days.items():
        ws.append([dt.datetime(d.year, d.month, d.day), *figures])  # a real Excel date
    buf = io.BytesIO()
    wb.save(buf)
    code, result = load("vk_stats.xlsx", buf.getvalue())
    loaded(code, result, 2)
    names = ("views", "reach", "likes", "comments", "shares", "followers")
    assert observations(query, "vk") == {
        ("", d.isoformat(), "day"): dict(zip(names, (f[1], f[2], *f[4:]), strict=True))
        for d, f in days.items()
    }
    assert set(not_stored(result)) == {"Посетители", "Охват подписчиков"}


def test_telegram_figures_in_our_template(load, query: Query) -> None:
    header = (
        "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,"
        "clicks,followers"
    )
    template = Path(__file__).resolve().parents[1] / "data" / "templates" / "metrics.en.csv"
    assert template.read_text(encoding="utf-8-sig").strip() == header
    data = (
        f"{header}\n"
        "2026-04-01,telegram,,,,,,,,,,,2300\n"
        "2026-04-01,telegram,15,https://t.me/yourdata_kz/15,,,1800,,,12,,,\n"
        "2026-04-02,Telegram,,,,,,,,,,,2310\n"
    ).encode()
    code, result = load("telegram.csv", data)
    loaded(code, result, 3)
    assert observations(query, "telegram") == {
        ("", "2026-04-01", "day"): {"followers": 2300},
        ("15", "2026-04-01", "day"): {"views": 1800, "shares": 12},
        ("", "2026-04-02", "day"): {"followers": 2310},
    }
    assert content(query, "telegram") == {"15": ("https://t.me/yourdata_kz/15", None, None, None)}


def test_telegram_desktop_json_export_is_refused_clearly(load, query: Query) -> None:
    before = fact_rows(query)
    export = {
        "name": "Your data",
        "type": "public_channel",
        "id": 1789000000,
        "messages": [
            {"id": 15, "type": "message", "date": "2026-04-01T10:00:00", "text": "Hello"},
        ],
    }
    data = json.dumps(export, ensure_ascii=False, indent=1).encode()
    code, result = load("result.json", data)
    message = rejected(code, result, query, before)
    assert "Telegram" in message and "view" in message and "metrics" in message, message


# --- General quirks, on small exports ------------------------------------------------------------

VK_RU = (
    "День;Посетители;Просмотры;Охват;Нравится;Комментарии;Репосты;Участники\r\n"
    "01.04.2026;120;450;900;30;4;2;1 500\r\n"
    "02.04.2026;130;1 200;950;35;5;3;1 510\r\n"
)
VK_RU_EXPECTED = {
    ("", "2026-04-01", "day"): {
        "views": 450,
        "reach": 900,
        "likes": 30,
        "comments": 4,
        "shares": 2,
        "followers": 1_500,
    },
    ("", "2026-04-02", "day"): {
        "views": 1_200,
        "reach": 950,
        "likes": 35,
        "comments": 5,
        "shares": 3,
        "followers": 1_510,
    },
}


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("windows-1251", VK_RU.encode("cp1251")),
        ("utf-16", utf16(VK_RU)),
        ("utf-8-sig", BOM + VK_RU.encode()),
    ],
)
def test_encodings(load, query: Query, encoding: str, data: bytes) -> None:
    code, result = load("vk.csv", data)
    loaded(code, result, 2)
    assert result["detected"]["encoding"] == encoding
    assert result["detected"]["delimiter"] == "semicolon"
    assert observations(query, "vk") == VK_RU_EXPECTED


def test_excel_sep_hint_line(load, query: Query) -> None:
    days = [(dt.date(2026, 4, 5), 100, 5, 10, 1, 0), (dt.date(2026, 4, 6), 200, 6, 20, 2, 1)]
    data = "sep=;\nDate;Video Views;Profile Views;Likes;Comments;Shares\n" + "".join(
        f"{d:%B} {d.day};{v};{p};{lk};{c};{s}\n" for d, v, p, lk, c, s in days
    )
    code, result = load("Overview.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, 2)
    assert result["detected"]["header_row"] == 2
    assert observations(query, "tiktok") == tiktok_expected(days)


def test_whole_lines_wrapped_in_quotes(load, query: Query) -> None:
    days = [(dt.date(2026, 4, 5), 100, 5, 10, 1, 0), (dt.date(2026, 4, 6), 200, 6, 20, 2, 1)]
    data = '"Date,Video Views,Profile Views,Likes,Comments,Shares"\n' + "".join(
        f'"{d:%B} {d.day},{v},{p},{lk},{c},{s}"\n' for d, v, p, lk, c, s in days
    )
    code, result = load("Overview.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, 2)
    assert observations(query, "tiktok") == tiktok_expected(days)


def test_ragged_rows_and_no_final_newline(load, query: Query) -> None:
    data = (
        b"Date,Video Views,Profile Views,Likes,Comments,Shares\n"
        b"April 5,100,5,10\n"  # short: the last two cells left off
        b"April 6,200,6,20,2,1,,\n"  # long: empty cells after the last column
        b"April 7,300,7,30,3,2"  # no final newline
    )
    code, result = load("Overview.csv", data, as_of="2026-04-20")
    loaded(code, result, 3)
    assert observations(query, "tiktok") == {
        ("", "2026-04-05", "day"): {"views": 100, "likes": 10},
        ("", "2026-04-06", "day"): {"views": 200, "likes": 20, "comments": 2, "shares": 1},
        ("", "2026-04-07", "day"): {"views": 300, "likes": 30, "comments": 3, "shares": 2},
    }


def test_a_row_longer_than_the_header_is_loaded_with_a_warning(load, query: Query) -> None:
    data = (
        b"Date,Video Views,Profile Views,Likes,Comments,Shares\n"
        b"April 5,100,5,10,1,0,stray note\n"
        b"April 6,200,6,20,2,1\n"
    )
    code, result = load("Overview.csv", data, as_of="2026-04-20")
    loaded(code, result, 2)
    assert row_warnings(result, "extra cells were ignored") == [2]
    assert observations(query, "tiktok")[("", "2026-04-05", "day")]["views"] == 100


def test_header_quirks(load, query: Query) -> None:
    """A trailing no-break space, a leading space, a line break in a cell, two languages."""
    data = (
        'Дата,"Video\nViews",\u00a0Profile Views,Лайки\u00a0, Comments,Поделились\n'
        "April 5,100,5,10,1,0\n"
    ).encode()
    code, result = load("Overview.csv", data, as_of="2026-04-20")
    loaded(code, result, 1)
    assert observations(query, "tiktok") == {
        ("", "2026-04-05", "day"): {"views": 100, "likes": 10, "comments": 1, "shares": 0}
    }


def test_duplicated_header_the_first_column_is_used(load, query: Query) -> None:
    data = (
        b"Content,Video title,Video publish time,Views,Impressions,Views\n"
        b'Total,,,"1,500","9,000","1,400"\n'
        b'abc123DEF45,Your data explained,"Mar 5, 2026","1,500","9,000","1,400"\n'
    )
    code, result = load("Table data.csv", data)
    loaded(code, result, 1)
    assert observations(query, "youtube") == {
        ("abc123DEF45", AS_OF, "lifetime"): {"views": 1_500, "impressions": 9_000}
    }
    assert not_stored(result) == ["Views"]


def test_missing_value_markers_are_not_zero(load, query: Query) -> None:
    markers = ["", "-", "--", "NAN", "undefined", "N/A"]
    data = "Date,Video Views,Profile Views,Likes,Comments,Shares\n" + "".join(
        f"April {5 + i},{100 + i},5,{m},{m},7\n" for i, m in enumerate(markers)
    )
    code, result = load("Overview.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, len(markers))
    assert observations(query, "tiktok") == {
        ("", f"2026-04-{5 + i:02d}", "day"): {"views": 100 + i, "shares": 7}
        for i in range(len(markers))
    }


def test_thousands_separators(load, query: Query) -> None:
    written = {  # day: 12 345 678 as written
        "April 5": "12 345 678",
        "April 6": "12\u00a0345\u00a0678",  # no-break space
        "April 7": "12\u202f345\u202f678",  # narrow no-break space
        "April 8": '"12,345,678"',
        "April 9": "12'345'678",
        "April 10": "12345678.0",  # a float for a count
    }
    data = "Date,Video Views,Profile Views,Likes,Comments,Shares\n" + "".join(
        f"{d},{w},5,{w},1,0\n" for d, w in written.items()
    )
    code, result = load("Overview.csv", data.encode(), as_of="2026-04-20")
    loaded(code, result, len(written))
    stored = observations(query, "tiktok")
    assert {d: (f["views"], f["likes"]) for (_, d, _), f in stored.items()} == {
        f"2026-04-{n:02d}": (12_345_678, 12_345_678) for n in range(5, 11)
    }


def test_decimal_comma_and_float_counts(load, query: Query) -> None:
    """Excel in a Russian locale: `;`, a decimal comma, counts saved as `1938,0`."""
    data = (
        b"Date;Video Views;Profile Views;Likes;Comments;Shares\n"
        b"April 5;1 938,0;5;12,0;1;2\n"
        b"April 6;200;6,5;20;2;1\n"
    )
    code, result = load("Overview.csv", data, as_of="2026-04-20")
    loaded(code, result, 2)
    assert result["detected"]["decimal_mark"] == "comma"
    assert observations(query, "tiktok") == {
        ("", "2026-04-05", "day"): {"views": 1_938, "likes": 12, "comments": 1, "shares": 2},
        ("", "2026-04-06", "day"): {"views": 200, "likes": 20, "comments": 2, "shares": 1},
    }


def test_percentages_and_durations_are_not_stored(load, query: Query) -> None:
    data = (
        b"Content,Video title,Video publish time,Views,Average view duration,"
        b"Average percentage viewed (%),Impressions click-through rate (%),Watch time (hours)\n"
        b'abc123DEF45,Your data explained,"Mar 5, 2026",1500,0:02:05,62%,0.59,1:10:00\n'
    )
    code, result = load("Table data.csv", data)
    loaded(code, result, 1)
    assert set(not_stored(result)) == {
        "Average view duration",
        "Average percentage viewed (%)",
        "Impressions click-through rate (%)",
        "Watch time (hours)",
    }
    assert observations(query, "youtube") == {("abc123DEF45", AS_OF, "lifetime"): {"views": 1500}}


def test_post_published_after_the_export_date_is_flagged(load, query: Query) -> None:
    data = (
        b"Content,Video title,Video publish time,Views\n"
        b'abc123DEF45,Your data explained,"Mar 5, 2026",1500\n'
        b'newVideo001,Later video,"Apr 12, 2026",300\n'
    )
    code, result = load("Table data.csv", data, as_of="2026-04-10")
    loaded(code, result, 2)
    assert row_warnings(result, "published after 2026-04-10") == [3]
    assert any("--as-of" in w["message"] for w in result["warnings"])


# --- loading again -------------------------------------------------------------------------------


def test_the_same_export_twice_changes_nothing(load, query: Query) -> None:
    data = (
        BOM
        + (
            FB_HEADER + "\n1_2,1,Page,,Text,,04/03/2026 14:05,,https://www.facebook.com/1/posts/2,"
            "No,No,Photos,,,,,Lifetime,900,700,45,40,3,2,10,6,4\n"
        ).encode()
    )
    code, first = load("posts.csv", data)
    loaded(code, first, 1)
    before = query("SELECT * FROM metric_observations ORDER BY ALL")
    batches = query("SELECT count(*) FROM loads")
    code, again = load("posts.csv", data)
    assert (code, again["status"]) == (0, "already_loaded")
    assert again["batch_id"] == first["batch_id"]
    assert query("SELECT * FROM metric_observations ORDER BY ALL") == before
    assert query("SELECT count(*) FROM loads") == batches


def test_a_re_export_a_week_later(load, query: Query) -> None:
    """A per-post export adds a lifetime snapshot per export date; daily figures restated by a
    later export replace the earlier ones instead of adding to them."""

    def table(views: dict[str, int]) -> bytes:
        return (
            "Content,Video title,Video publish time,Views\n"
            f'Total,,,"{sum(views.values()):,}"\n'
            + "".join(
                f'{" " + v if v.startswith("-") else v},{YT[v][0]},"Mar 5, 2026","{n:,}"\n'
                for v, n in views.items()
            )
        ).encode()

    week1 = {"abc123DEF45": 10_001, "-xyz987LMN0": 2_344}
    week2 = {"abc123DEF45": 12_500, "-xyz987LMN0": 3_010}
    loaded(*load("Table data.csv", table(week1), as_of="2026-04-10"), 2)
    loaded(*load("Table data.csv", table(week2), as_of="2026-04-17"), 2)
    assert observations(query, "youtube") == {
        **{(v, "2026-04-10", "lifetime"): {"views": n} for v, n in week1.items()},
        **{(v, "2026-04-17", "lifetime"): {"views": n} for v, n in week2.items()},
    }
    # Lifetime totals never reach the daily views.
    assert query("SELECT count(*) FROM post_daily") == [(0,)]

    def chart(days: dict[tuple[str, str], int]) -> bytes:
        return (
            "Date,Content,Video title,Video publish time,Views\n"
            + "".join(
                f'{d},{" " + v if v.startswith("-") else v},{YT[v][0]},"Mar 5, 2026",{n}\n'
                for (v, d), n in days.items()
            )
        ).encode()

    first = {(v, f"2026-04-0{d}"): 100 * d + len(v) for v in YT for d in (1, 2, 3)}
    later = {(v, f"2026-04-0{d}"): 110 * d + len(v) for v in YT for d in range(1, 8)}
    loaded(*load("Chart data.csv", chart(first)), 6)
    code, result = load("Chart data.csv", chart(later))
    loaded(code, result, 14)
    assert result["rows_replaced"] == len(first)
    assert query(
        "SELECT post_id, day, views FROM post_daily WHERE platform = 'youtube' ORDER BY ALL"
    ) == sorted((v, day(d), n) for (v, d), n in later.items())
    assert query("SELECT sum(views) FROM post_daily") == [(sum(later.values()),)]
