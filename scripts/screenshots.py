"""A screenshot of every page, per role and language, of the dashboard on the demo programme.

``make screenshots`` builds the demo programme in a temporary folder (or takes ``--warehouse``),
starts the dashboard as ``make run`` does, signs in as the demo officer, a grantee and the viewer
in headless Chromium, and opens every page the role has in English, Russian and Kazakh. Each page
is saved whole as ``<out>/<role>/<lang>/<page>.png`` and an ``index.html`` shows them side by
side. A page that draws an error is listed and makes the command fail.

``--docs`` also refreshes the screen-sized pictures that ``docs/dashboard.md`` and the README
show (``docs/screenshots/``).
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.local_server import CHROMIUM, CHROMIUM_ARGS, local_server  # noqa: E402
from etl.demo import build_demo, demo_password  # noqa: E402
from etl.warehouse import ENV_VAR, Warehouse  # noqa: E402

LANGUAGES = ("en", "ru", "kk")
# Role -> the demo account that shows it.
ROLES = {"officer": "officer", "grantee": "adr", "viewer": "viewer"}
VIEWPORT = {"width": 1440, "height": 900}
DOCS_DIR = ROOT / "docs" / "screenshots"
# The screen-sized pictures the docs show: (role, language, page).
DOCS_SHOTS = (
    *(("officer", "en", page) for page in (
        "portfolio", "campaign", "content", "budget", "feedback",
        "reports", "upload", "reporting", "programme", "loads", "alerts",
    )),
    ("grantee", "en", "reporting"),
    ("grantee", "ru", "portfolio"),
    ("grantee", "kk", "upload"),
    ("viewer", "kk", "campaign"),
)  # fmt: skip


@dataclass
class Shot:
    role: str
    lang: str
    page: str
    path: Path
    error: str | None = None


def _settle(tab) -> None:
    """Wait until the page has drawn its title (or an error) and its script run is over."""
    tab.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stException"]', timeout=120_000)
    for _ in range(2):  # the running indicator can blink off between the app and the page
        tab.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
        )
        tab.wait_for_timeout(700)


def _sign_in(tab, url: str, username: str) -> None:
    tab.goto(url)
    tab.get_by_role("textbox", name="Username").fill(username)
    tab.get_by_role("textbox", name="Password").fill(demo_password(username))
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    _settle(tab)


def _pages(tab, url: str) -> dict[str, str]:
    """The role's pages from the sidebar: name (the address's last part) -> address."""
    links = tab.locator('[data-testid="stSidebarNav"] a')
    out = {}
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        path = urlsplit(href).path.strip("/")
        out[path or "portfolio"] = f"{url}/{path}"
    return out


def _whole_page(tab, path: Path) -> None:
    """Save the whole page: the app scrolls inside its main block, not the document, so the
    window is made as tall as that block's content for the picture, then put back."""
    height = tab.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stSidebarContent"]\')]'
        ".map(e => e.scrollHeight))"
    )
    tab.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    tab.wait_for_timeout(800)  # charts and grids redraw to the new size
    tab.screenshot(path=str(path))
    tab.set_viewport_size(VIEWPORT)


def _hide_notices(tab) -> None:
    """Hide the sign-in notice of open alerts: it would cover the top right of every picture
    (each address opened anew is a new session, which shows it again)."""
    tab.add_style_tag(content='[data-testid="stToastContainer"] { display: none !important; }')


def _error_of(tab) -> str | None:
    """The text of an exception the page drew, if it drew one."""
    errors = tab.locator('[data-testid="stException"]')
    return errors.first.inner_text()[:300] if errors.count() else None


def take(url: str, out: Path, roles: dict[str, str], languages: tuple[str, ...]) -> list[Shot]:
    """Every page of each role in each language, saved whole under ``out``."""
    from playwright.sync_api import sync_playwright

    shots: list[Shot] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for role, username in roles.items():
                context = browser.new_context(viewport=VIEWPORT)
                tab = context.new_page()
                _sign_in(tab, url, username)
                for name, address in _pages(tab, url).items():
                    for lang in languages:
                        shot = Shot(role, lang, name, out / role / lang / f"{name}.png")
                        tab.goto(f"{address}?lang={lang}")
                        _settle(tab)
                        shot.error = _error_of(tab)
                        _hide_notices(tab)
                        shot.path.parent.mkdir(parents=True, exist_ok=True)
                        if (role, lang, name) in DOCS_SHOTS:
                            tab.screenshot(path=str(shot.path.with_suffix(".screen.png")))
                        _whole_page(tab, shot.path)
                        shots.append(shot)
                        print(f"  {role:8} {lang}  {name:10} {'ERROR' if shot.error else 'ok'}")
                context.close()
        finally:
            browser.close()
    return shots


def write_index(out: Path, shots: list[Shot]) -> Path:
    """``index.html``: one row per role and page, one column per language."""
    rows = []
    keys = dict.fromkeys((s.role, s.page) for s in shots)
    by_key = {(s.role, s.page, s.lang): s for s in shots}
    languages = list(dict.fromkeys(s.lang for s in shots))
    for role, page in keys:
        cells = []
        for lang in languages:
            s = by_key.get((role, page, lang))
            if s is None:
                cells.append("<td></td>")
                continue
            rel = html.escape(s.path.relative_to(out).as_posix())
            mark = f"<p class=error>{html.escape(s.error)}</p>" if s.error else ""
            cells.append(f'<td><a href="{rel}"><img src="{rel}" loading="lazy"></a>{mark}</td>')
        rows.append(f"<tr><th>{html.escape(role)}<br>{html.escape(page)}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>{html.escape(lang)}</th>" for lang in languages)
    page = (
        "<!doctype html><meta charset=utf-8><title>campaign-dashboard: every page</title>"
        "<style>body{font-family:sans-serif}img{width:420px;border:1px solid #ccc}"
        "td,th{vertical-align:top;padding:4px}.error{color:#b00}</style>"
        f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def copy_to_docs(shots: list[Shot]) -> list[Path]:
    """The screen-sized pictures of ``DOCS_SHOTS``, as
    ``docs/screenshots/<role>-<lang>-<page>.png``.
    """
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for s in shots:
        screen = s.path.with_suffix(".screen.png")
        if (s.role, s.lang, s.page) in DOCS_SHOTS and screen.exists():
            target = DOCS_DIR / f"{s.role}-{s.lang}-{s.page}.png"
            target.write_bytes(screen.read_bytes())
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--warehouse", type=Path, help="a warehouse to show (default: the demo)")
    parser.add_argument("--role", action="append", choices=sorted(ROLES), help="(repeatable)")
    parser.add_argument("--lang", action="append", choices=LANGUAGES, help="(repeatable)")
    parser.add_argument("--docs", action="store_true", help="refresh docs/screenshots too")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"screenshots need Debian's chromium ({CHROMIUM}): apt-get install chromium")
        return 2
    roles = {r: ROLES[r] for r in (args.role or ROLES)}
    languages = tuple(args.lang or LANGUAGES)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="campaigns-screens-") as tmp:
        if args.warehouse:
            wh = Warehouse(args.warehouse)
        else:
            print("building the demo programme…")
            wh = Warehouse(Path(tmp) / "warehouse.duckdb")
            build_demo(wh)
        with local_server({ENV_VAR: str(wh.path)}, Path(tmp) / "server.log") as (url, _):
            print(f"dashboard at {url}; {len(roles)} roles × {len(languages)} languages")
            shots = take(url, args.out, roles, languages)
    index = write_index(args.out, shots)
    failed = [s for s in shots if s.error]
    print(f"{len(shots)} screenshots in {time.monotonic() - started:.0f} s: {index}")
    if args.docs:
        for path in copy_to_docs(shots):
            print(f"  {path.relative_to(ROOT)}")
    for s in failed:
        print(f"error on {s.role} {s.lang} {s.page}: {s.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
