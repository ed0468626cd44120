"""Platforms' exports as their English, Russian and Kazakh interfaces write them.

Each export is one table of columns (our field, or "" for a column not stored) and rows whose
figures the test chooses; each line of ``LINES`` writes that table the way one UI language does:
its file name, its header words, its total-row label, its dates and its numbers. The file is
loaded through ``campaigns load FILE --campaign PDP-01 --json --as-of 2026-04-10`` and the stored
figures are compared with the rows written, never with the loader's own output. Adding a UI
language is adding a line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
import test_exports
from test_exports import (
    AS_OF,
    METRICS,
    Query,
    content,
    fact_rows,
    loaded,
    not_stored,
    observations,
    rejected,
    row_warnings,
)

load = test_exports.load  # the fixture that runs `campaigns load` on bytes written here

# Month names as each UI writes them (the test's own table).
EN = "January February March April May June July August September October November December"
RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
RU3 = "янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек."
KK = "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан"
KK3 = "қаң. ақп. нау. сәу. мам. мау. шіл. там. қыр. қаз. қар. жел."
NBSP, NNBSP = "\u00a0", "\u202f"


class Dec(float):
    """A figure with a fraction (a rate, hours), written with the UI's decimal mark."""


class Pct(float):
    """A percentage, written with the UI's decimal mark and percent sign."""


@dataclass(frozen=True)
class Export:
    label: str
    platform: str
    grain: str
    fields: tuple[str, ...]  # our field per column; "" = a column not stored
    rows: tuple[tuple, ...]
    encoding: str = "utf-8"
    total: bool = False  # a total row follows the header
    quote_all: bool = False
    preamble: str = ""  # lines above the header ("sep=," and a title)


@dataclass(frozen=True)
class Line:
    export: str
    lang: str
    file: str
    header: str  # the header words, separated by "|"
    total: str = ""  # the total row's label
    dates: dict[str, str] = field(default_factory=dict)  # field -> how the UI writes a day
    at: str = ", "  # between a day and its time
    sep: str = ","  # thousands separator ("" = none)
    decimal: str = "."
    percent: str = ""
    delimiter: str = ","
    title: str = ""  # the title line of a Meta insights series
    encoding: str = ""  # when an Excel re-save changed the platform's encoding


TT = "https://www.tiktok.com/@speakfree/video/"
EXPORTS = {
    "youtube_table": Export(
        "YouTube Studio table data (one row per video)", "youtube", "post",
        ("post_id", "title", "published_at", "", "views", "", "impressions", "", "likes",
         "shares", "comments", "", ""),
        (("abc123DEF45", "Деректер", dt.date(2026, 3, 5), "0:04:05", 10_001, Dec(700.1),
          80_000, Pct(5.1), 300, 20, 15, 1_200, 310),
         ("xyz987LMN01", "Құқықтар", dt.date(2026, 4, 1), "0:03:00", 2_344, Dec(100.4),
          18_765, Pct(3.3), 10, 5, 3, 400, 45)),
        encoding="utf-8-sig", total=True,
    ),
    "youtube_chart": Export(
        "YouTube Studio chart data (one row per day, per video or for the channel)", "youtube",
        "day", ("date", "post_id", "title", "published_at", "views"),
        ((dt.date(2026, 4, 1), "abc123DEF45", "Деректер", dt.date(2025, 7, 16), 120),
         (dt.date(2026, 4, 1), "xyz987LMN01", "Құқықтар", dt.date(2026, 3, 5), 1_200),
         (dt.date(2026, 4, 2), "abc123DEF45", "Деректер", dt.date(2025, 7, 16), 95),
         (dt.date(2026, 4, 2), "xyz987LMN01", "Құқықтар", dt.date(2026, 3, 5), 1_800)),
        encoding="utf-8-sig",
    ),
    "youtube_chart_channel": Export(
        "YouTube Studio chart data (one row per day, per video or for the channel)", "youtube",
        "day", ("date", "views"),
        ((dt.date(2026, 4, 1), 1_320), (dt.date(2026, 4, 2), 895)),
        encoding="utf-8-sig",
    ),
    "youtube_totals": Export(
        "YouTube Studio totals (one row per day for the channel)", "youtube", "day",
        ("date", "views", "", "impressions", "likes", ""),
        ((dt.date(2026, 4, 1), 1_320, Dec(25.1), 20_000, 25, 3),
         (dt.date(2026, 4, 2), 895, Dec(12.6), 10_000, 15, 4)),
        encoding="utf-8-sig", total=True,
    ),
    "youtube_totals_plain": Export(
        "YouTube Studio totals (one row per day for the channel)", "youtube", "day",
        ("date", "views"),
        ((dt.date(2026, 4, 1), 1_320), (dt.date(2026, 4, 2), 895)),
    ),
    "tiktok_overview": Export(
        "TikTok overview (one row per day for the account)", "tiktok", "day",
        ("date", "views", "", "likes", "comments", "shares", "reach", "", ""),
        ((dt.date(2026, 4, 5), 1_200, 9, 20, 2, 1, 900, 3, 1),
         (dt.date(2026, 4, 6), 2_500, 6, 40, 3, 0, 1_900, 5, 0)),
    ),
    "tiktok_content": Export(
        "TikTok content (one row per video)", "tiktok", "post",
        ("", "title", "post_url", "published_at", "likes", "comments", "shares", "views"),
        (("2026-03-11 - 2026-04-09", "Know your rights", f"{TT}7351234567890123456",
          dt.datetime(2026, 3, 20, 14, 5), 120, 8, 5, 3_400),
         # Written without a year, 12 April is the most recent one on or before 2026-04-10.
         ("2026-03-11 - 2026-04-09", "Data leaks", f"{TT}7359999999999999999",
          dt.datetime(2025, 4, 12, 9, 30), 60, 2, 1, 1_900)),
    ),
    "tiktok_viewers": Export(
        "TikTok viewers (one row per day: unique viewers)", "tiktok", "day",
        ("date", "reach", "", ""),
        ((dt.date(2026, 4, 5), 1_500, 1_300, 200), (dt.date(2026, 4, 6), 450, 250, 200)),
    ),
    "tiktok_followers": Export(
        "TikTok follower history (one row per day)", "tiktok", "day",
        ("date", "followers", ""),
        ((dt.date(2026, 4, 5), 1_200, 5), (dt.date(2026, 4, 6), 1_210, 10)),
    ),
    "facebook_posts": Export(
        "Meta Business Suite export of Facebook posts", "facebook", "post",
        ("post_id", "", "", "title", "published_at", "post_url", "format", "", "views", "reach",
         "", "likes", "comments", "shares", "clicks", "", ""),
        (("123_987", "123", "Your Data KZ", "", dt.datetime(2026, 4, 3, 14, 5),
          "https://www.facebook.com/123/posts/987", "Photos", "Lifetime", 12_400, 8_100, 455,
          410, 30, 15, 220, 120, 100),
         ("123_111", "123", "Your Data KZ", "Бейне", dt.datetime(2026, 3, 25, 9, 30),
          "https://www.facebook.com/123/posts/111", "Videos", "Lifetime", 3_000, 2_500, 60,
          50, 6, 4, 1_150, 1_000, 150)),
        encoding="utf-8-sig",
    ),
    "instagram_posts": Export(
        "Meta Business Suite export of Instagram posts", "instagram", "post",
        ("post_id", "", "", "title", "published_at", "post_url", "format", "", "views", "reach",
         "likes", "shares", "comments", "saves", ""),
        (("17900000000000001", "17841400000000000", "yourdata.kz", "Мәтін",
          dt.datetime(2026, 4, 2, 18, 0), "https://www.instagram.com/p/DAbCdEf1/", "IG image",
          "Lifetime", 5_400, 3_200, 210, 12, 9, 33, 4),
         ("17900000000000002", "17841400000000000", "yourdata.kz", "Текст",
          dt.datetime(2026, 3, 11, 8, 15), "https://www.instagram.com/reel/DAbCdEf2/",
          "IG reel", "Lifetime", 10_500, 7_000, 400, 40, 20, 60, 9)),
        encoding="utf-8-sig",
    ),
    "meta_insights": Export(
        "Meta Business Suite insights series (one figure per day)", "facebook", "day",
        ("date", "reach"),
        ((dt.date(2026, 3, 28), 1_200), (dt.date(2026, 3, 29), 1_300)),
        encoding="utf-16", quote_all=True, preamble="sep=,",
    ),
    "x_posts": Export(
        "X (Twitter) per-post analytics", "x", "post",
        ("post_id", "post_url", "title", "published_at", "impressions", "", "", "shares",
         "comments", "likes", "", "clicks"),
        (("1771234567890123456", "https://twitter.com/yourdata_kz/status/1771234567890123456",
          "Know your rights", dt.datetime(2026, 3, 20, 10, 15), 1_534, 40, Dec(0.026), 5, 2,
          20, 3, 7),
         ("1779999999999999999", "https://twitter.com/yourdata_kz/status/1779999999999999999",
          "Second", dt.datetime(2026, 4, 2, 8, 0), 980, 12, Dec(0.012), 1, 0, 8, 1, 1)),
    ),
    "x_account": Export(
        "X account overview (one row per day)", "x", "day",
        ("date", "impressions", "likes", "", "saves", "", "", "", "comments", "shares", "", "",
         "views", ""),
        ((dt.date(2026, 4, 2), 980, 8, 40, 1, 1, 3, 1, 0, 1, 5, 1, 0, 12),
         (dt.date(2026, 4, 1), 1_534, 20, 60, 2, 0, 2, 0, 2, 5, 7, 0, 30, 8)),
    ),
    "vk_stats": Export(
        "VK community statistics", "vk", "day",
        ("date", "", "views", "reach", "", "likes", "comments", "shares", "followers"),
        ((dt.date(2026, 4, 1), 120, 450, 900, 600, 30, 4, 2, 1_500),
         (dt.date(2026, 4, 2), 130, 1_200, 950, 610, 35, 5, 3, 1_510)),
    ),
}  # fmt: skip

D_EN, D_RU, D_KK = "{en} {d}", "{d} {ru}", "{d} {kk}"  # a day without a year
ISO_T = "{y}-{mm}-{dd}T00:00:00"
US = {"published_at": "{mm}/{dd}/{y}"}
LINES = [
    # YouTube Studio: Table data.csv and its totals row
    Line("youtube_table", "en", "Table data.csv",
         "Content|Video title|Video publish time|Duration|Views|Watch time (hours)|Impressions|"
         "Impressions click-through rate (%)|Likes|Shares|Comments added|Returning viewers|"
         "Regular viewers",
         total="Total", dates={"published_at": "{en3} {d}, {y}"}),
    Line("youtube_table", "ru", "Данные из таблицы.csv",
         "Контент|Название видео|Время публикации видео|Продолжительность|Просмотры|"
         "Время просмотра (часы)|Показы значков видео|CTR для значков видео (%)|"
         'Отметки "Нравится"|Поделились|Новые комментарии|Постоянные зрители|'
         "Постоянные зрители",
         total="Итоговое значение", dates={"published_at": "{d} {ru3} {y} г."}, sep=NBSP,
         decimal=","),
    Line("youtube_table", "kk", "Кестедегі деректер.csv",
         "Мазмұн|Бейне атауы|Бейненің жариялану уақыты|Ұзақтығы|Қаралымдар|"
         "Көру уақыты (сағат)|Көрсетілімдер|Көрсетілімдердің CTR мәні (%)|Лайктар|Бөлісулер|"
         "Қосылған пікірлер|Қайтып келген көрермендер|Тұрақты көрермендер",
         total="Барлығы", dates={"published_at": "{y} ж. {d} {kk}"}, sep=NNBSP, decimal=",",
         percent=f"{NBSP}%"),
    Line("youtube_table", "ru+en", "Table data (1).csv",
         "Контент|Video title|Время публикации видео|Duration|Просмотры|Watch time (hours)|"
         'Impressions|CTR для значков видео (%)|Отметки "Нравится"|Shares|Comments added|'
         "Постоянные зрители|Постоянные зрители",
         total="Итого", dates={"published_at": "{d} {ru} {y} г."}, sep=" ", decimal=",",
         percent=" %"),
    # Chart data.csv, per video and for the channel (only "Date,Views": told by its name)
    Line("youtube_chart", "en", "Chart data.csv",
         "Date|Content|Video title|Video publish time|Views",
         dates={"published_at": "{en3} {d}, {y}"}),
    Line("youtube_chart", "ru", "Данные диаграммы.csv",
         "Дата|Контент|Название видео|Время публикации видео|Просмотры",
         dates={"published_at": "{d} {ru} {y} г."}, sep=NBSP),
    Line("youtube_chart", "kk", "Диаграмма деректері.csv",
         "Күні|Мазмұн|Бейне атауы|Бейненің жариялану уақыты|Қаралымдар",
         dates={"published_at": "{d} {kk} {y} ж."}, sep=NNBSP),
    Line("youtube_chart_channel", "en", "Chart data.csv", "Date|Views"),
    Line("youtube_chart_channel", "ru", "Данные диаграммы.csv", "Дата|Просмотры", sep=NBSP),
    Line("youtube_chart_channel", "ru-copy", "Данные диаграммы (1).csv", "Дата|Просмотры"),
    Line("youtube_chart_channel", "kk", "Диаграмма деректері.csv", "Күні|Қаралымдар"),
    # Totals.csv
    Line("youtube_totals", "en", "Totals.csv",
         "Date|Views|Watch time (hours)|Impressions|Likes|Subscribers", total="Total"),
    Line("youtube_totals", "ru", "Итоговые данные.csv",
         'Дата|Просмотры|Время просмотра (часы)|Показы|Отметки "Нравится"|Подписчики',
         total="Итого", sep=NBSP, decimal=","),
    Line("youtube_totals", "kk", "Жиынтық деректер.csv",
         "Күні|Қаралымдар|Көру уақыты (сағат)|Көрсетілімдер|Лайктар|Жазылушылар",
         total="Жиыны", sep=NNBSP, decimal=","),
    Line("youtube_totals", "kk-2", "Жиынтық деректер.csv",
         "Күні|Қаралымдар|Көру уақыты (сағат)|Көрсетілімдер|Лайктар|Жазылушылар",
         total="Жалпы мән", decimal=","),
    Line("youtube_totals_plain", "ru", "Итоговые данные.csv", "Дата|Просмотры"),
    # TikTok Studio: days written without a year
    Line("tiktok_overview", "en", "Overview.csv",
         "Date|Video Views|Profile Views|Likes|Comments|Shares|Reached audience|New followers|"
         "Lost followers", dates={"date": D_EN}),
    Line("tiktok_overview", "ru", "Overview.csv",
         "Дата|Просмотры видео|Просмотры профиля|Лайки|Комментарии|Репосты|"
         "Охваченная аудитория|Новые подписчики|Потерянные подписчики",
         dates={"date": D_RU}, sep=NBSP),
    Line("tiktok_overview", "kk", "Overview.csv",
         "Күні|Бейне қаралымдары|Профиль қаралымдары|Лайктар|Пікірлер|Бөлісулер|"
         "Қамтылған аудитория|Жаңа жазылушылар|Жоғалтылған жазылушылар",
         dates={"date": D_KK}, sep=NNBSP),
    Line("tiktok_content", "en", "Content.csv",
         "Time|Video title|Video link|Post time|Total likes|Total comments|Total shares|"
         "Total views", dates={"published_at": D_EN}),
    Line("tiktok_content", "ru", "Content.csv",
         "Время|Название видео|Ссылка на видео|Время публикации|Всего лайков|"
         "Всего комментариев|Всего репостов|Всего просмотров",
         dates={"published_at": D_RU}, sep=NBSP),
    Line("tiktok_content", "kk", "Content.csv",
         "Уақыт|Бейне атауы|Бейне сілтемесі|Жариялану уақыты|Барлық лайктар|Барлық пікірлер|"
         "Барлық бөлісулер|Барлық қаралымдар",
         dates={"published_at": D_KK}, at=" ", sep=" "),
    Line("tiktok_viewers", "en", "Viewers.csv",
         "Date|Total Viewers|New Viewers|Returning Viewers", dates={"date": D_EN}),
    Line("tiktok_viewers", "ru", "Viewers.csv",
         "Дата|Всего зрителей|Новые зрители|Вернувшиеся зрители", dates={"date": D_RU}),
    Line("tiktok_viewers", "kk", "Viewers.csv",
         "Күні|Барлық көрермендер|Жаңа көрермендер|Қайта оралған көрермендер",
         dates={"date": D_KK}),
    Line("tiktok_followers", "en", "FollowerHistory.csv",
         "Date|Followers|Difference in followers from previous day", dates={"date": D_EN}),
    Line("tiktok_followers", "ru", "FollowerHistory.csv",
         "Дата|Подписчики|Разница в числе подписчиков по сравнению с предыдущим днем",
         dates={"date": D_RU}, sep=NBSP),
    Line("tiktok_followers", "kk", "FollowerHistory.csv",
         "Күні|Жазылушылар|Алдыңғы күнмен салыстырғанда жазылушылар айырмасы",
         dates={"date": D_KK}, sep=NNBSP),
    # Meta Business Suite: publish times month first in every UI language
    Line("facebook_posts", "en", "Mar-01-2026_Apr-10-2026_123.csv",
         "Post ID|Page ID|Page name|Title|Publish time|Permalink|Post type|Date|Views|Reach|"
         "Reactions, Comments and Shares|Reactions|Comments|Shares|Total clicks|Link Clicks|"
         "Other Clicks", dates=US, at=" "),
    Line("facebook_posts", "ru", "Mar-01-2026_Apr-10-2026_123.csv",
         "ID публикации|ID страницы|Название страницы|Заголовок|Время публикации|"
         "Постоянная ссылка|Тип публикации|Дата|Просмотры|Охват|"
         "Реакции, комментарии и репосты|Реакции|Комментарии|Поделились|Всего кликов|"
         "Клики по ссылке|Другие клики", dates=US, at=" ", sep=NBSP),
    Line("facebook_posts", "kk", "Mar-01-2026_Apr-10-2026_123.csv",
         "Жарияланым id|Бет id|Бет атауы|Тақырып|Жариялану уақыты|Тұрақты сілтеме|"
         "Жарияланым түрі|Күні|Қаралымдар|Қамту|Реакциялар, пікірлер және бөлісулер|"
         "Реакциялар|Пікірлер|Бөлісулер|Барлық басулар|Сілтеме басулары|Басқа басулар",
         dates=US, at=" ", sep=NNBSP),
    Line("instagram_posts", "en", "Mar-01-2026_Apr-10-2026_178.csv",
         "Post ID|Account ID|Account username|Description|Publish time|Permalink|Post type|"
         "Date|Views|Reach|Likes|Shares|Comments|Saves|Follows", dates=US, at=" "),
    Line("instagram_posts", "ru", "Mar-01-2026_Apr-10-2026_178.csv",
         "ID публикации|ID аккаунта|Имя пользователя аккаунта|Описание|Время публикации|"
         "Постоянная ссылка|Тип публикации|Дата|Просмотры|Охват|Отметки «Нравится»|"
         "Поделились|Комментарии|Сохранения|Подписки", dates=US, at=" ", sep=NBSP),
    Line("instagram_posts", "kk", "Mar-01-2026_Apr-10-2026_178.csv",
         "Жарияланым id|Аккаунт id|Аккаунттың пайдаланушы аты|Сипаттама|Жариялану уақыты|"
         "Тұрақты сілтеме|Жарияланым түрі|Күні|Қаралымдар|Қамту|Лайктар|Бөлісулер|Пікірлер|"
         "Сақтаулар|Жазылулар", dates=US, at=" ", sep=NNBSP),
    Line("meta_insights", "en", "Reach.csv", "Date|Primary", title="Facebook reach",
         dates={"date": ISO_T}, sep=""),
    Line("meta_insights", "ru", "Охват.csv", "Дата|Основной", title="Охват Facebook",
         dates={"date": ISO_T}, sep=""),
    Line("meta_insights", "kk", "Қамту.csv", "Күні|Негізгі", title="Facebook қамту",
         dates={"date": ISO_T}, sep=""),
    # X: English and Russian interfaces
    Line("x_posts", "en", "tweet_activity_metrics_yourdata_kz_20260301_20260410_en.csv",
         "Tweet id|Tweet permalink|Tweet text|time|impressions|engagements|engagement rate|"
         "retweets|replies|likes|user profile clicks|url clicks",
         dates={"published_at": "{y}-{mm}-{dd}"}, at=" ", sep=""),
    Line("x_posts", "ru", "tweet_activity_metrics_yourdata_kz_20260301_20260410_ru.csv",
         "ID твита|Постоянная ссылка на твит|Текст твита|время|показы|вовлечения|"
         "уровень вовлеченности|ретвиты|ответы|отметки «Нравится»|клики по профилю|"
         "клики по ссылке",
         dates={"published_at": "{y}-{mm}-{dd}"}, at=" ", sep="", decimal=","),
    Line("x_account", "en", "account_overview_analytics.csv",
         "Date|Impressions|Likes|Engagements|Bookmarks|Shares|New follows|Unfollows|Replies|"
         "Reposts|Profile visits|Create Post|Video views|Media views",
         dates={"date": "{wd}, {en3} {d}, {y}"}),
    Line("x_account", "ru", "account_overview_analytics (1).csv",
         "Дата|Показы|Отметки «Нравится»|Вовлеченность|Закладки|Поделились|Новые подписки|"
         "Отписки|Ответы|Репосты|Посещения профиля|Создать пост|Просмотры видео|"
         "Просмотры медиа", dates={"date": "{dd}.{mm}.{y}"}, sep=NBSP),
    # VK: the statistics page saved by Excel
    Line("vk_stats", "en", "vk_stats.csv",
         "Day|Visitors|Views|Total reach|Subscriber reach|Likes|Comments|Reposts|Members",
         dates={"date": "{y}-{mm}-{dd}"}),
    Line("vk_stats", "ru", "vk_stats.csv",
         "День|Посетители|Просмотры|Полный охват|Охват подписчиков|Нравится|Комментарии|"
         "Репосты|Участники",
         dates={"date": "{dd}.{mm}.{y}"}, sep=" ", delimiter=";", encoding="windows-1251"),
    Line("vk_stats", "kk", "vk_stats.csv",
         "Күн|Келушілер|Қаралымдар|Толық қамту|Жазылушылар қамтуы|Ұнайды|Пікірлер|"
         "Бөлісулер|Қатысушылар",
         dates={"date": "{dd}.{mm}.{y}"}, sep=NNBSP, delimiter=";"),
]  # fmt: skip


# --- writing a file as the UI does ---------------------------------------------------------------


def written(value: object, column: str, line: Line) -> str:
    """A cell as the line's UI language writes it."""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        pattern = line.dates.get(column, "{y}-{mm}-{dd}")
        text = pattern.format(
            d=day.day,
            dd=f"{day.day:02d}",
            mm=f"{day.month:02d}",
            y=day.year,
            wd=f"{day:%a}",
            en=EN.split()[day.month - 1],
            en3=EN.split()[day.month - 1][:3],
            ru=RU.split()[day.month - 1],
            ru3=RU3.split()[day.month - 1],
            kk=KK.split()[day.month - 1],
            kk3=KK3.split()[day.month - 1],
        )
        if isinstance(value, dt.datetime):
            text += f"{line.at}{value:%H:%M}"
        return text
    if isinstance(value, Pct):
        return f"{value}".replace(".", line.decimal) + line.percent
    if isinstance(value, Dec):
        return f"{value}".replace(".", line.decimal)
    if isinstance(value, int):
        return f"{value:,}".replace(",", line.sep) if line.sep else str(value)
    return str(value)


def build(export: Export, line: Line) -> bytes:
    out = io.StringIO()
    ending = "\r\n" if export.quote_all else "\n"
    if export.preamble:
        out.write(export.preamble + ending)
    if line.title:
        out.write(f'"{line.title}"{ending}')
    quoting = csv.QUOTE_ALL if export.quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(out, delimiter=line.delimiter, lineterminator=ending, quoting=quoting)
    header = line.header.split("|")
    assert len(header) == len(export.fields), line
    writer.writerow(header)
    if export.total:
        sums = [
            sum(r[i] for r in export.rows) if type(export.rows[0][i]) is int else ""
            for i in range(len(export.fields))
        ]
        writer.writerow([line.total, *(written(s, "", line) for s in sums[1:])])
    for row in export.rows:
        writer.writerow([written(v, f, line) for v, f in zip(row, export.fields, strict=True)])
    text = out.getvalue()
    encoding = line.encoding or export.encoding
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


# --- what should be stored -----------------------------------------------------------------------


def post_of(cells: dict) -> str:
    if cells.get("post_id"):
        return cells["post_id"]
    if cells.get("post_url"):
        return cells["post_url"].rstrip("/").rsplit("/", 1)[-1]
    return ""


def expected(export: Export) -> dict:
    out = {}
    for row in export.rows:
        cells = dict(zip(export.fields, row, strict=True))
        day = cells["date"].isoformat() if "date" in cells else AS_OF
        window = "lifetime" if export.grain == "post" else "day"
        out[(post_of(cells), day, window)] = {m: v for m, v in cells.items() if m in METRICS}
    return out


def published(export: Export) -> dict:
    out = {}
    for row in export.rows:
        cells = dict(zip(export.fields, row, strict=True))
        at = cells["published_at"]
        if not isinstance(at, dt.datetime):
            at = dt.datetime(at.year, at.month, at.day)
        out[post_of(cells)] = at.isoformat(sep=" ")
    return out


@pytest.mark.parametrize("line", LINES, ids=[f"{x.export}-{x.lang}" for x in LINES])
def test_export_in_each_ui_language(load, query: Query, line: Line) -> None:
    export = EXPORTS[line.export]
    code, result = load(line.file, build(export, line))
    loaded(code, result, len(export.rows))
    assert result["detected"]["export"] == export.label
    assert observations(query, export.platform) == expected(export)
    if export.total:
        assert row_warnings(result, "total row was not loaded") == [2]
        assert [w["value"] for w in result["warnings"] if "total row" in w["message"]] == [
            line.total
        ]
    if "published_at" in export.fields:
        stored = {p: at for p, (_, at, _, _) in content(query, export.platform).items()}
        assert stored == published(export)
    header = line.header.split("|")
    skipped = [h for h, f in zip(header, export.fields, strict=True) if not f]
    if skipped:
        # Column names may hold commas ("Reactions, Comments and Shares"): compare the list whole.
        assert ", ".join(not_stored(result)) == ", ".join(skipped)


def test_every_export_has_a_line_in_english_russian_and_kazakh() -> None:
    """X's interface has no Kazakh; every other export is written in all three languages."""
    from etl.platform_exports import profiles

    languages: dict[str, set[str]] = {}
    for line in LINES:
        languages.setdefault(EXPORTS[line.export].label, set()).add(line.lang)
    for p in profiles():
        wanted = {"en", "ru"} if p.platform == "x" else {"en", "ru", "kk"}
        assert wanted <= languages.get(p.label, set()), p.name


def test_a_plain_date_and_views_file_not_named_by_youtube_is_not_taken_for_it(
    load, query: Query
) -> None:
    """The name decides only where the header is too plain: the same two columns under another
    name are not YouTube's, and the file is refused as an incomplete metrics file."""
    before = fact_rows(query)
    code, result = load("просмотры.csv", "Дата,Просмотры\n2026-04-01,1320\n".encode())
    message = rejected(code, result, query, before)
    assert "export" not in result["detected"]
    assert message.startswith("просмотры.csv: ") and "platform" in message, message
