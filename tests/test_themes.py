"""Keyword themes of comments: the pure functions, their DuckDB SQL twins (which must give the
same answer on any text), the programme's lexicon, and errors in a lexicon."""

from __future__ import annotations

import fnmatch
import tomllib
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from dashboard import i18n, themes

ROOT = Path(__file__).resolve().parents[1]

LEXICON = themes.parse_lexicon(
    {
        "stopwords": {"all": ["email"], "ru": ["очень"], "en": ["the", "and"]},
        "themes": {
            "privacy": {
                "label": {"en": "Privacy", "ru": "Приватность", "kk": "Құпиялық"},
                "ru": ["персональн данн", "утечк"],
                "kk": ["дербес дерек"],
                "en": ["personal data", "privacy"],
            },
            "safety": {
                "label": {"en": "Safety", "ru": "Безопасность", "kk": "Қауіпсіздік"},
                "ru": ["парол", "двухфакторн"],
                "en": ["password", "2fa"],
            },
            "venue": {
                "label": {"en": "Venue", "ru": "Зал", "kk": "Зал"},
                "kk": ["зал"],
            },
        },
    }
)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


def run(con, rows: list[tuple[str | None, str | None]], sql_of) -> pd.DataFrame:
    """``sql_of(rows_sql)`` over the (language, comment) rows, as DuckDB answers it."""
    con.execute("CREATE OR REPLACE TEMP TABLE c (i INTEGER, language VARCHAR, comment VARCHAR)")
    if rows:
        con.executemany("INSERT INTO c VALUES (?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])
    return con.execute(sql_of("SELECT * FROM c")).df()


def sql_tags(con, rows: list[tuple[str | None, str | None]], lexicon=LEXICON) -> list[list[str]]:
    text = themes.normalised_sql("comment")
    lang = themes.language_sql("language")
    df = run(
        con,
        rows,
        lambda r: f"SELECT i, {themes.themes_sql(text, lang, lexicon)} AS t FROM ({r}) ORDER BY i",
    )
    return [list(t) for t in df["t"]]


# --- matching rules, both ways ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "want"),
    [
        # a keyword is the start of a word
        ("ru", "Утечка паролей из приложения", ["privacy", "safety"]),
        ("ru", "Включил двухфакторную защиту", ["safety"]),
        ("en", "Passwords, passwords everywhere", ["safety"]),
        ("en", "Set up 2FA today", ["safety"]),
        ("en", "no.password.here", ["safety"]),  # punctuation separates words
        ("en", "the wordpassword is not a word start", []),
        ("ru", "непарольная защита", []),
        # several words follow each other, each as the start of a word
        ("ru", "Закон о Персональных   данных", ["privacy"]),
        ("ru", "персональные, данные", ["privacy"]),
        ("ru", "данные персональные", []),
        ("ru", "персональные сведения и данные", []),
        ("en", "your personal-data rights", ["privacy"]),
        ("en", "personal_data", ["privacy"]),  # _ is not a letter
        # ё is е, in the text and in the keyword
        ("ru", "УТЁЧКА данных", ["privacy"]),
        # a letter typed as a base letter and a combining mark is one letter
        ("kk", "Дербес деректер", ["privacy"]),
        ("ru", "Пароли за" + "и\u0306" + "ти", ["safety"]),
        # the comment's language picks the keywords; another or no language uses them all
        ("en", "утечка", []),
        ("ru", "privacy matters", []),
        ("kk", "зал тар болды", ["venue"]),
        ("ru", "зал тар болды", []),
        (None, "зал и пароли", ["safety", "venue"]),
        ("de", "privacy and passwords", ["privacy", "safety"]),
        (" EN ", "privacy", ["privacy"]),
        ("", "зал", ["venue"]),
        # empty texts have no themes
        ("ru", "", []),
        ("ru", None, []),
        ("ru", " ,.- ", []),
    ],
)
def test_tag_and_sql_agree_on_the_rules(con, language, text, want) -> None:
    assert themes.tag(text, language, LEXICON) == want
    assert sql_tags(con, [(language, text)]) == [want]


def test_stems_and_multi_word_keywords_are_parsed_as_words() -> None:
    privacy = LEXICON.theme("privacy")
    assert privacy.stems("ru") == (("персональн", "данн"), ("утечк",))
    assert privacy.stems("en") == (("personal", "data"), ("privacy",))
    # another language: every language's keywords, each once
    assert set(privacy.stems("other")) == {
        ("персональн", "данн"),
        ("утечк",),
        ("дербес", "дерек"),
        ("personal", "data"),
        ("privacy",),
    }
    assert LEXICON.theme("venue").stems("ru") == ()
    assert themes.comment_language(" KK ") == "kk"
    assert themes.comment_language("de") == themes.OTHER
    assert themes.comment_language(None) == themes.OTHER
    assert themes.words("Ёлка, ёж—2fa_x") == ["елка", "еж", "2fa", "x"]


def test_theme_counts_and_top_words_by_hand(con) -> None:
    rows = [
        ("ru", "Утечка паролей, очень плохо"),
        ("ru", "Пароли и пароли"),
        ("ru", "   "),
        ("en", "The password and the privacy"),
        (None, "зал"),
        ("kk", None),
    ]
    counts = themes.theme_counts(rows, LEXICON).set_index(["language", "theme"])
    assert list(counts.index.get_level_values(0).unique()) == ["ru", "en", "other"]
    assert counts.loc[("ru", "safety"), "comments"] == 2
    assert counts.loc[("ru", "privacy"), "comments"] == 1
    assert counts.loc[("ru", "privacy"), "share"] == pytest.approx(0.5)  # blank not counted
    assert counts.loc[("en", "privacy"), "share"] == 1.0
    assert counts.loc[("other", "venue"), "comments"] == 1
    assert counts.loc[("ru", "venue"), "comments"] == 0
    words = themes.top_words(rows, LEXICON, n=2)
    assert words.values.tolist() == [
        ["ru", "пароли", 2],
        ["ru", "паролей", 1],  # ties in alphabetical order; "очень" is a stopword
        ["en", "password", 1],
        ["en", "privacy", 1],
        ["other", "зал", 1],
    ]
    assert_same(con, rows)


def assert_same(con, rows, lexicon=LEXICON) -> None:
    """The pure functions and the SQL give the same tags, counts and words for ``rows``."""
    assert sql_tags(con, rows, lexicon) == [themes.tag(text, lang, lexicon) for lang, text in rows]
    want = themes.theme_counts(rows, lexicon)
    got = run(con, rows, lambda r: themes.theme_counts_sql(r, lexicon))
    assert got[["language", "theme", "comments"]].values.tolist() == (
        want[["language", "theme", "comments"]].values.tolist()
    )
    assert got["share"].tolist() == pytest.approx(want["share"].tolist())
    want = themes.top_words(rows, lexicon, n=3)
    got = run(con, rows, lambda r: themes.top_words_sql(r, lexicon, n=3))
    assert got.values.tolist() == want.values.tolist()


VOCABULARY = [
    "персональных", "Персональные", "данных", "данные", "утёчка", "УТЕЧКИ", "пароль", "паролей",
    "двухфакторную", "дербес", "деректер", "зал", "зале", "тар", "очень", "personal", "Data",
    "privacy", "PASSWORDS", "2fa", "the", "and", "email", "123", "ab", "и\u0306од", "йод",
    "Ёж", "ёж", "ﬁle", "①", "x²", "İzmir", "ÀÖ×Øö", "ҚазаҚ", "Ǆ",
]  # fmt: skip
SEPARATORS = [" ", ", ", "-", "_", "\n", " — ", ".", "  ", "[", "]"]
LANGUAGES = ["ru", "kk", "en", "RU", " en", "de", "", None]


@hs.composite
def comments(draw) -> tuple[str | None, str | None]:
    words = draw(hs.lists(hs.sampled_from(VOCABULARY), max_size=6))
    seps = draw(hs.lists(hs.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, seps, strict=True))
    return draw(hs.sampled_from(LANGUAGES)), draw(hs.sampled_from([text, text, None]))


@settings(max_examples=60, deadline=None)
@given(rows=hs.lists(comments(), max_size=8))
def test_pure_functions_and_sql_agree_on_any_comments(con, rows) -> None:
    assert_same(con, rows)


def test_the_programmes_lexicon_tags_the_demo_comments_alike(con) -> None:
    from etl.demo.feedback import COMMENTS

    rows = [(lang, text) for lang, items in COMMENTS.items() for text, _, _ in items]
    rows += [(None, text) for _, text in rows[:10]]
    lexicon = themes.default_lexicon()
    assert_same(con, rows, lexicon)
    tagged = [themes.tag(text, lang, lexicon) for lang, text in rows]
    assert sum(bool(t) for t in tagged) > len(rows) / 2  # the lexicon finds most comments' themes
    assert themes.tag("Впервые услышала про закон о персональных данных", "ru") == ["privacy"]
    assert "online_safety" in themes.tag("Екі факторлы аутентификацияны қосуды үйрендім.", "kk")


# --- the lexicon file -------------------------------------------------------------------------


def test_the_lexicon_names_every_theme_in_three_languages() -> None:
    lexicon = themes.default_lexicon()
    assert len(lexicon.themes) >= 5
    for theme in lexicon.themes:
        english = theme.label("en")
        assert theme.label("ru") != english and theme.label("kk") != english, theme.id
        assert theme.keywords.keys() == {"ru", "kk", "en"}, theme.id
    # the masking placeholders are never among the most frequent words
    assert {"email", "phone", "iin", "name"} <= lexicon.stopwords


def test_the_lexicon_is_no_language_file_and_ships_with_the_package() -> None:
    for lang in i18n.LANGUAGES:
        keys = i18n.catalogue(lang)
        assert not any(k.startswith(("themes.", "stopwords.")) for k in keys), lang
        assert "feedback.section.comments" in keys
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dashboard"]
    relative = themes.LEXICON_PATH.relative_to(ROOT / "dashboard").as_posix()
    assert any(fnmatch.fnmatch(relative, p) for p in patterns), patterns


def _theme(**table) -> dict:
    base = {"label": {"en": "A", "ru": "А", "kk": "Ә"}, "en": ["word"]}
    return {"themes": {"a": {**base, **table}}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "no themes"),
        ({"theme": {}}, "unknown table(s) ['theme']"),
        ({"themes": {"Bad-Id": {}}}, "themes.Bad-Id: an id takes lower-case letters"),
        ({"themes": {"a": ["x"]}}, "themes.a must be a table"),
        (_theme(label="A"), "themes.a: give label = { en = ..., ru = ..., kk = ... }"),
        (_theme(label={"en": "A", "ru": "А"}), "themes.a.label: no name in kk"),
        (_theme(de=["wort"]), "themes.a: unknown key(s) ['de']"),
        (_theme(ru="слово"), "themes.a.ru must be a list of texts"),
        (_theme(ru=["слово", 3]), "themes.a.ru must be a list of texts; 3 is not one"),
        (_theme(ru=["—"]), "themes.a.ru: '—' has no letters or digits"),
        (_theme(en=[]), "themes.a: no keywords"),
        ({**_theme(), "stopwords": {"de": ["und"]}}, "stopwords.de: use all, ru, kk, en"),
        ({**_theme(), "stopwords": {"ru": "и"}}, "stopwords.ru must be a list of texts"),
    ],
)
def test_a_lexicon_error_names_the_problem(raw, message) -> None:
    with pytest.raises(ValueError) as error:
        themes.parse_lexicon(raw)
    assert message in str(error.value)


def test_a_broken_lexicon_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "themes.toml"
    path.write_text('[themes.a]\nlabel = { en = "A" }\nen = ["x"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"themes\.toml: themes\.a\.label: no name in ru, kk"):
        themes.read_lexicon(path)
    path.write_text("[themes.a\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"themes\.toml: "):
        themes.read_lexicon(path)


def test_normalise_composes_text() -> None:
    decomposed = "и\u0306"
    assert unicodedata.normalize("NFC", decomposed) == "й"
    assert themes.normalise("Ё" + decomposed) == "ей"


def test_every_word_character_normalises_in_python_as_in_duckdb(con) -> None:
    ranges = [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x400, 0x52F)]
    chars = [chr(c) for first, last in ranges for c in range(first, last + 1)]
    text = "|".join(chars)
    sql = con.execute(f"SELECT {themes.normalised_sql('$t')}", {"t": text}).fetchone()[0]
    assert sql == themes.normalise(text)
    assert themes.words("a×b÷c İzmir") == ["a", "b", "c", "izmir"]
