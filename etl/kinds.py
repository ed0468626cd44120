"""The kinds of file the loader accepts and the fields each one carries.

A kind is a list of canonical fields with a type; the header words that name each field, in
English, Russian and Kazakh, live in ``headers.toml``. Everything downstream (parsing, validation,
templates, docs) reads these definitions, so a field is described once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("en", "ru", "kk")

PLATFORMS = ("instagram", "telegram", "facebook", "youtube", "tiktok", "vk", "x")

# Words people write for a platform, mapped to its code. Matching is case-insensitive.
PLATFORM_ALIASES: dict[str, str] = {
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "инстаграм": "instagram",
    "инстаграмм": "instagram",
    "telegram": "telegram",
    "tg": "telegram",
    "телеграм": "telegram",
    "телеграмм": "telegram",
    "facebook": "facebook",
    "fb": "facebook",
    "фейсбук": "facebook",
    "youtube": "youtube",
    "yt": "youtube",
    "ютуб": "youtube",
    "ютюб": "youtube",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "тикток": "tiktok",
    "тик ток": "tiktok",
    "vk": "vk",
    "vkontakte": "vk",
    "вк": "vk",
    "вконтакте": "vk",
    "x": "x",
    "twitter": "x",
    "x (twitter)": "x",
    "твиттер": "x",
    "твитер": "x",
}

SEXES = ("female", "male", "other", "undisclosed")
SEX_ALIASES: dict[str, str] = {
    "female": "female",
    "f": "female",
    "woman": "female",
    "women": "female",
    "ж": "female",
    "жен": "female",
    "женский": "female",
    "женщина": "female",
    "әйел": "female",
    "male": "male",
    "m": "male",
    "man": "male",
    "men": "male",
    "м": "male",
    "муж": "male",
    "мужской": "male",
    "мужчина": "male",
    "ер": "male",
    "ерлер": "male",
    "ер адам": "male",
    "other": "other",
    "другое": "other",
    "басқа": "other",
    "undisclosed": "undisclosed",
    "prefer not to say": "undisclosed",
    "не указан": "undisclosed",
    "не хочу указывать": "undisclosed",
    "көрсетпеймін": "undisclosed",
}

AGE_GROUPS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")

YES_NO_ALIASES: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "да": True,
    "иә": True,
    "ия": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "нет": False,
    "жоқ": False,
}


@dataclass(frozen=True)
class BudgetHeading:
    """One row of the EU budget (Annex III of the grant contract), as budgets, the Budget page
    and the donor report number and name it."""

    number: int
    name: str
    direct: bool = False  # a direct eligible cost, added up in the subtotal
    of_lines: bool = True  # a budget line may name it (not the subtotal, nor heading 0)


UNMATCHED_HEADING = 0  # spend on a line code the budget does not have
SUBTOTAL_HEADING = 7  # subtotal of direct eligible costs (1-6)
INDIRECT_HEADING = 8

# The EU budget headings, every one described here once. Lines live inside a heading (1-6 or 8);
# spend on a line the budget does not have is kept under heading 0 rather than dropped.
ANNEX_III: tuple[BudgetHeading, ...] = (
    BudgetHeading(1, "Human resources", direct=True),
    BudgetHeading(2, "Travel", direct=True),
    BudgetHeading(3, "Equipment and supplies", direct=True),
    BudgetHeading(4, "Local office", direct=True),
    BudgetHeading(5, "Other costs, services", direct=True),
    BudgetHeading(6, "Other", direct=True),
    BudgetHeading(SUBTOTAL_HEADING, "Subtotal direct eligible costs (1-6)", of_lines=False),
    BudgetHeading(INDIRECT_HEADING, "Indirect costs"),
    BudgetHeading(UNMATCHED_HEADING, "Costs on lines not in the budget", of_lines=False),
)
# The headings a budget line may name, with their names.
BUDGET_HEADINGS: dict[int, str] = {h.number: h.name for h in ANNEX_III if h.of_lines}
# The direct eligible costs (1-6), in order.
DIRECT_HEADINGS: tuple[int, ...] = tuple(h.number for h in ANNEX_III if h.direct)
# Every heading's name, the subtotal and heading 0 included (the donor report's rows).
HEADING_NAMES: dict[int, str] = {h.number: h.name for h in ANNEX_III}

CAMPAIGN_STATUSES = ("planned", "active", "completed", "suspended")


@dataclass(frozen=True)
class Field:
    """One canonical column of a kind of file."""

    name: str
    type: str  # date, datetime, month, count, amount, number, text, code, platform, currency,
    # sex, age_group, rating, yes_no, list, heading, direction, unit, status, bool
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class Kind:
    """A kind of file: its fields and what identifies one of its rows."""

    name: str
    fields: tuple[Field, ...]
    # Fields whose values identify a row inside one file: a second row with the same values is a
    # duplicate.
    row_key: tuple[str, ...]
    needs_campaign: bool = True
    description: str = ""
    # Fields of which a file must have at least one to be taken for this kind without being
    # told: a date column alone is no evidence of anything.
    evidence: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


METRIC_FIELDS = (
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

# Figures a platform reports as a day's net change, which can be below zero: likes withdrawn,
# comments deleted, views removed as invalid traffic. Reach and followers are levels, never
# negative; a post's lifetime totals are never negative either.
NET_CHANGE_FIELDS = ("views", "likes", "comments", "shares", "saves", "clicks")

# Optional metrics fields that our template leaves out: post details, and the window that the
# platforms' own per-post exports need.
METRICS_EXTRA = {"published_at", "format", "language", "title", "time_window"}

# Optional feedback fields that our template leaves out: the scales of a form's questions, and
# the respondent's contacts, which only a form mapping can ask to keep.
PERSONAL_FIELDS = ("respondent_name", "respondent_email", "respondent_phone")
FEEDBACK_EXTRA = {"rating_scale", "usefulness_scale", *PERSONAL_FIELDS}

METRICS = Kind(
    "metrics",
    (
        Field("date", "date", True, "Day the figures are for."),
        Field(
            "platform", "platform", True, "instagram, telegram, facebook, youtube, tiktok, vk or x."
        ),
        Field(
            "post_id", "code", False, "Empty for the whole channel that day; else the post's id."
        ),
        Field("post_url", "text", False, "Link to the post."),
        Field("impressions", "count", False, "Times the content was shown that day."),
        Field("reach", "count", False, "Unique accounts reached that day (a one-day window)."),
        Field("views", "count", False, "Video or post views that day."),
        Field("likes", "count", False, "Likes or reactions."),
        Field("comments", "count", False, "Comments."),
        Field("shares", "count", False, "Shares or reposts."),
        Field("saves", "count", False, "Saves or bookmarks."),
        Field("clicks", "count", False, "Link clicks."),
        Field("followers", "count", False, "Followers at the end of the day (channel rows)."),
        Field("published_at", "datetime", False, "When the post was published (optional)."),
        Field("format", "text", False, "Post format: video, reel, image, carousel, text, story."),
        Field("language", "text", False, "Language of the post: ru, kk or en."),
        Field("title", "text", False, "Title or first words of the post (optional)."),
        Field(
            "time_window",
            "text",
            False,
            "day (the default): figures for that day; lifetime: a post's totals so far, as of "
            "the date.",
        ),
    ),
    row_key=("date", "platform", "post_id"),
    description="Daily social-media figures, per channel (post_id empty) or per post.",
    evidence=METRIC_FIELDS,
)

SPEND = Kind(
    "spend",
    (
        Field("date", "date", True, "Booking date of the cost."),
        Field("budget_line", "code", True, "Budget line code from the campaign budget, e.g. 5.2."),
        Field(
            "amount",
            "amount",
            True,
            "Amount in the currency of the line; a refund or reversal is negative.",
        ),
        Field("currency", "currency", True, "ISO code: KZT, EUR, USD."),
        Field("description", "text", False, "What was paid for."),
        Field("reference", "code", True, "Invoice or voucher number; unique per campaign."),
    ),
    row_key=("reference",),
    description="Spend transactions booked against the campaign budget lines.",
    evidence=("amount", "budget_line"),
)

FEEDBACK = Kind(
    "feedback",
    (
        Field("submitted_at", "datetime", True, "When the response was given."),
        Field("event_code", "code", False, "Event the feedback is about, if any."),
        Field("rating", "rating", False, "Overall rating, 1 (poor) to 5 (excellent)."),
        Field("usefulness", "rating", False, "How useful, 1 to 5."),
        Field("would_recommend", "yes_no", False, "yes or no."),
        Field("comment", "text", False, "Free text; e-mails, phones and IINs are masked."),
        Field("sex", "sex", False, "female, male, other or undisclosed."),
        Field("age_group", "age_group", False, "under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+."),
        Field("region", "text", False, "Region or city of the respondent."),
        Field("language", "text", False, "Language of the response: ru, kk or en."),
        Field("rating_scale", "count", False, "Top of the rating scale: 5 (the default) or 10."),
        Field("usefulness_scale", "count", False, "Top of the usefulness scale: 5 or 10."),
        Field(
            "respondent_name",
            "text",
            False,
            "Stored only when a form mapping asks for it (see docs/feedback.md).",
        ),
        Field("respondent_email", "text", False, "Stored only when a form mapping asks for it."),
        Field("respondent_phone", "text", False, "Stored only when a form mapping asks for it."),
    ),
    row_key=(),
    description="Participant feedback responses, one row per response, no names.",
    evidence=("rating", "usefulness", "would_recommend", "comment"),
)

PARTICIPANTS = Kind(
    "participants",
    (
        Field("event_code", "code", True, "Short code of the event, unique in the campaign."),
        Field("event_name", "text", False, "Name of the event."),
        Field("event_date", "date", True, "Date of the event."),
        Field("event_type", "text", False, "training, workshop, screening, discussion, online."),
        Field("region", "text", True, "Region or city of the participants counted in the row."),
        Field("sex", "sex", True, "female, male, other or undisclosed."),
        Field("age_group", "age_group", True, "under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+."),
        Field("participants", "count", True, "Number of participants in this group."),
    ),
    row_key=("event_code", "region", "sex", "age_group"),
    description="Event participants, counted by sex, age group and region.",
    evidence=("participants",),
)

FX = Kind(
    "fx",
    (
        Field("month", "month", True, "Month the rate applies to: 2025-03, 03.2025 or 1.3.2025."),
        Field("currency", "currency", True, "ISO currency code, e.g. KZT."),
        Field("units_per_eur", "number", True, "Units of the currency for 1 EUR (InforEuro)."),
    ),
    row_key=("month", "currency"),
    needs_campaign=False,
    description="Monthly accounting exchange rates to EUR (InforEuro).",
    evidence=("units_per_eur",),
)

ORGANISATIONS = Kind(
    "organisations",
    (
        Field("code", "code", True, "Short code of the grantee organisation."),
        Field("name", "text", True, "Name of the organisation."),
        Field("city", "text", False, "Where it is based."),
    ),
    row_key=("code",),
    needs_campaign=False,
)

CAMPAIGNS = Kind(
    "campaigns",
    (
        Field("code", "code", True, "Short campaign code, e.g. KZ-PD-01."),
        Field("name", "text", True, "Campaign name."),
        Field("organisation", "code", True, "Code of the grantee organisation."),
        Field("thematic_area", "text", True, "Thematic group the campaign comes from."),
        Field("regions", "list", False, "Regions, separated by commas."),
        Field("languages", "list", False, "Languages, separated by commas: ru, kk, en."),
        Field("start_date", "date", True, "First day of the campaign."),
        Field("end_date", "date", True, "Last day of the campaign."),
        Field("status", "status", False, "planned, active, completed or suspended."),
        Field("description", "text", False, "Goal and audience."),
        Field("name_ru", "text", False, "Campaign name in Russian, shown on pages in Russian."),
        Field("name_kk", "text", False, "Campaign name in Kazakh, shown on pages in Kazakh."),
        Field("thematic_area_ru", "text", False, "Thematic area in Russian."),
        Field("thematic_area_kk", "text", False, "Thematic area in Kazakh."),
    ),
    row_key=("code",),
    needs_campaign=False,
)

BUDGET_LINES = Kind(
    "budget_lines",
    (
        Field("campaign", "code", True, "Campaign code."),
        Field("heading", "heading", True, "EU budget heading 1-6, or 8 for indirect costs."),
        Field("line", "code", True, "Line code inside the heading, e.g. 5.2."),
        Field("description", "text", True, "What the line pays for."),
        Field("amount", "amount", True, "Budgeted amount."),
        Field("currency", "currency", True, "Currency of the budget, e.g. KZT or EUR."),
    ),
    row_key=("campaign", "line"),
    needs_campaign=False,
)

KPI_TARGETS = Kind(
    "kpi_targets",
    (
        Field("campaign", "code", True, "Campaign code."),
        Field("indicator_code", "code", True, "Short code of the indicator, e.g. OP1.1."),
        Field("indicator", "text", True, "What is measured, in words."),
        Field("level", "text", False, "impact, outcome or output."),
        Field("metric", "text", False, "Which warehouse figure measures it, e.g. impressions."),
        Field("unit", "unit", True, "# for counts, % for percentages."),
        Field("direction", "direction", True, "increase or decrease."),
        Field("baseline", "number", False, "Value before the campaign."),
        Field("baseline_year", "count", False, "Year of the baseline."),
        Field("target", "number", True, "Value to reach by the end of the campaign."),
        Field("cumulative", "yes_no", False, "yes if the value adds up over time."),
        Field("indicator_ru", "text", False, "The indicator in Russian."),
        Field("indicator_kk", "text", False, "The indicator in Kazakh."),
    ),
    row_key=("campaign", "indicator_code"),
    needs_campaign=False,
)

CHANNELS = Kind(
    "channels",
    (
        Field("campaign", "code", True, "Campaign code."),
        Field("platform", "platform", True, "Platform of the account."),
        Field("account", "text", True, "Account name or handle."),
        Field("url", "text", False, "Link to the account."),
        Field("language", "text", False, "Main language of the account."),
    ),
    row_key=("campaign", "platform", "account"),
    needs_campaign=False,
)

# Loadable kinds; `programme` is a workbook of the sheets below.
FILE_KINDS: dict[str, Kind] = {k.name: k for k in (METRICS, SPEND, FEEDBACK, PARTICIPANTS, FX)}
PROGRAMME_SHEETS: dict[str, Kind] = {
    k.name: k for k in (ORGANISATIONS, CAMPAIGNS, BUDGET_LINES, KPI_TARGETS, CHANNELS)
}
KIND_NAMES = (*FILE_KINDS, "programme")


@cache
def header_words() -> dict:
    """The parsed ``headers.toml``."""
    with resources.files("etl").joinpath("headers.toml").open("rb") as fh:
        return tomllib.load(fh)


def aliases(kind: str, field: str) -> dict[str, list[str]]:
    """Header words for one field, by language."""
    return header_words()[kind][field]


def template_header(kind: str, language: str) -> list[str]:
    """The header row of our template for ``kind`` in ``language``: the first word per field.

    Optional descriptive fields that are not part of the template (post metadata) are left out.
    """
    spec = FILE_KINDS.get(kind) or PROGRAMME_SHEETS[kind]
    skip = {"metrics": METRICS_EXTRA, "feedback": FEEDBACK_EXTRA}.get(kind, set())
    return [aliases(kind, f.name)[language][0] for f in spec.fields if f.name not in skip]
