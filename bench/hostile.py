"""Hostile uploads: the dashboard server keeps its memory and its readers while a grantee's
browser sends files built to hurt the loader.

``make bench BENCH_ONLY=hostile`` (also part of a plain ``make bench``):

1. builds the demo programme (``campaigns demo``) in a temporary folder and starts the real
   server on it (``streamlit run``, as ``make run`` does) with the default upload limits
   (``CAMPAIGNS_UPLOAD_MEMORY_MB`` 1024, ``CAMPAIGNS_UPLOAD_SECONDS`` 120);
2. writes the files a hostile (or careless) grantee could send: a CSV of 100,000 columns, a zip
   bomb named ``.xlsx`` (4 MB that unpack to over a GB), a CSV whose one field is 8 MB, and a
   "whole year in one file" of 1,000,000 post rows (68 MB, within every limit, and about
   800 MiB of work for the loader);
3. **quiet**: a reader (headless Chromium, signed in as the demo officer) opens a round of pages
   (``READER_PAGES``) ``BENCH_HOSTILE_ROUNDS`` (3) times, timing each from the request to the
   page drawn with its script run finished;
4. **under attack**: the same reader goes on while a second browser, signed in as a grantee,
   sends every file through the Upload page ``BENCH_HOSTILE_ROUNDS`` times (each waits for the
   page's answer: the check's errors, or the refusal), removing it before the next;
5. all along, samples the server process's resident memory (``/proc/PID/status``, every 50 ms,
   and the kernel's own peak ``VmHWM`` at the end) and that of the upload workers it starts.

It prints and records (``docs/benchmarks.md``, block ``hostile``) the server's peak resident
memory (target under 800 MiB), the workers' peak, the reader's page times quiet and under
attack (median, 95th percentile, slowest), and what the grantee was told for each file and how
long it took. Missed targets are printed; the exit code stays 0.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.document import write_block
from bench.page_server import streamlit_server
from etl.demo import demo_password
from etl.warehouse import Warehouse

try:  # a development extra (``make install`` has it); ``run`` says when it is missing
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
ROUNDS = int(os.environ.get("BENCH_HOSTILE_ROUNDS", "3"))
MEMORY_TARGET = 800.0  # MiB, of the server process
READER = "officer"
GRANTEE = "adr"  # the demo grantee of PDP-01
# The reader's round: the pages a programme officer reads most, in the order of the menu.
READER_PAGES = ("", "campaign?campaign=PDP-01", "content", "budget", "feedback", "reports")
# The Upload page's answers to a file (dashboard/locales: upload.verdict, the worker's refusals).
ANSWERED = re.compile(
    r"in the file as a whole|rows? ready|needs more (memory|time) than an upload may use|"
    r"failed on our side|stayed busy"
)
FILE_ERRORS = re.compile(r"errors? in the file as a whole")


# --- the files -----------------------------------------------------------------------------------

METRICS_HEADER = (
    "date,platform,post_id,post_url,impressions,reach,views,likes,comments,shares,saves,clicks,"
    "followers"
)


def wide_csv(path: Path, columns: int = 100_000, rows: int = 10) -> Path:
    """A CSV of ``columns`` columns: a few MB, and gigabytes for a reader that trusts it."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        line = ",".join("1" for _ in range(columns)) + "\n"
        for _ in range(rows):
            fh.write(line)
    return path


def long_field_csv(path: Path, chars: int = 8 * 1024 * 1024) -> Path:
    """A metrics CSV whose one quoted field holds ``chars`` characters."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write('date,platform,impressions\n2026-03-02,instagram,"')
        fh.write("x" * chars)
        fh.write('"\n')
    return path


def zip_bomb_xlsx(path: Path, rows: int = 10_000_000) -> Path:
    """A workbook whose one sheet unpacks to over a GB of rows (4 MB packed)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="metrics" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }
    cell = '<c t="inlineStr"><is><t>{}</t></is></c>'
    header = "<row>" + "".join(cell.format(h) for h in ("date", "platform", "impressions"))
    row = "<row>" + cell.format("2026-03-02") + cell.format("instagram") + "<c><v>1000</v></c>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for name, text in parts.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>'.encode())
            sheet.write((header + "</row>").encode())
            chunk = ((row + "</row>") * 10_000).encode()
            for _ in range(rows // 10_000):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def whole_year_csv(path: Path, rows: int = 1_000_000) -> Path:
    """Months of post rows in one file, January to August 2026: within every limit, and heavy
    to check (the demo's September and October are approved, so locked, and would refuse it)."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write(METRICS_HEADER + "\n")
        fh.writelines(
            f"2026-0{1 + i % 8}-{1 + i % 28:02d},instagram,p{i},https://example.org/p/{i},"
            f"{i % 5000 + 10},{i % 5000},,{i % 40},1,1,1,1,\n"
            for i in range(rows)
        )
    return path


def hostile_files(folder: Path) -> dict[str, Path]:
    """The files the benchmark sends, by what they are."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "100,000-column CSV": wide_csv(folder / "wide.csv"),
        "zip bomb XLSX": zip_bomb_xlsx(folder / "bomb.xlsx"),
        "8 MB single-field CSV": long_field_csv(folder / "one-field.csv"),
        "1,000,000-row CSV (legitimate, heavy)": whole_year_csv(folder / "whole-year.csv"),
    }


# --- the server and the browsers -----------------------------------------------------------------


def serve(
    wh: Warehouse, log: Path, env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[tuple[str, subprocess.Popen]]:
    """The real server on ``wh`` (as ``make run`` starts it) on a free local port, its output in
    ``log``; yields its address and process."""
    return streamlit_server(wh, env, log)


def healthy(url: str) -> bool:
    with (
        contextlib.suppress(OSError),
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
    ):
        return r.read() == b"ok"
    return False


def settle(page, timeout: float = 180_000) -> None:
    """Wait until the page has drawn its title (or an error) and its script run is over."""
    page.wait_for_selector(
        '[data-testid="stMain"] h1, [data-testid="stException"]', timeout=timeout
    )
    for _ in range(2):  # the running indicator can blink off between the app and the page
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
        )
        page.wait_for_timeout(100)


def sign_in(page, url: str, username: str) -> None:
    """Sign in as ``username`` and wait for the page behind the form: the form gone (until the
    run after the click draws the page, the sign-in heading stays on screen, and a busy server
    can leave it there past the navigation's first drawing), then the page settled."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(demo_password(username))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    page.get_by_role("textbox", name="Username").wait_for(state="detached", timeout=60_000)
    settle(page)


def upload_and_wait(page, path: Path, timeout: float = 300_000) -> str:
    """Send ``path`` through the Upload page open in ``page`` and wait for its answer; the
    answer's text (the refusal, or what the check found), with the file removed after."""
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    # The file's own box (its name and size head it), not what is left of the one before.
    box = page.locator('[data-testid="stVerticalBlock"]').filter(has_text=f"{path.name} · ").last
    answer = box.get_by_text(ANSWERED).first
    answer.wait_for(timeout=timeout)
    settle(page, timeout)
    shown = answer.inner_text(timeout=timeout).strip()
    # What to fix, when the file as a whole was refused: the first message under the verdict.
    if FILE_ERRORS.search(shown):
        alerts = box.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]')
        said = [t.strip() for t in alerts.all_inner_texts()]
        reasons = [t for t in said if t and not FILE_ERRORS.search(t)]
        if reasons:
            shown = f"{shown}: {reasons[0]}"
    page.get_by_role("button", name=f"Remove {path.name}").click(timeout=timeout)
    page.locator('[data-testid="stMain"]').get_by_text(f"{path.name} · ").wait_for(
        state="detached", timeout=timeout
    )
    settle(page, timeout)
    return shown


# --- measuring -----------------------------------------------------------------------------------


def _status_kib(pid: int, name: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


@dataclass
class MemorySampler:
    """Samples the resident memory of the server and of its child processes (the workers)."""

    pid: int
    interval: float = 0.05
    server_peak_kib: int = 0
    worker_peak_kib: int = 0
    phase_peaks: dict[str, int] = field(default_factory=dict)
    phase: str = "start"
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = _status_kib(self.pid, "VmRSS") or 0
            self.server_peak_kib = max(self.server_peak_kib, rss)
            self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), rss)
            for child in _children(self.pid):
                self.worker_peak_kib = max(self.worker_peak_kib, _status_kib(child, "VmRSS") or 0)
            time.sleep(self.interval)

    def stop(self) -> int:
        """Stop sampling; the kernel's own peak (``VmHWM``) of the server, in KiB."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return max(_status_kib(self.pid, "VmHWM") or 0, self.server_peak_kib)


@dataclass
class Upload:
    what: str
    seconds: float
    answer: str


@dataclass
class Result:
    quiet: list[float]
    attack: list[float]
    uploads: list[Upload]
    server_peak: float  # MiB
    server_before: float  # MiB, once the quiet round is over
    worker_peak: float  # MiB
    phase_peaks: dict[str, float]
    server_alive: bool
    load: float = 0.0  # the machine's load average before the run
    failures: list[str] = field(default_factory=list)


def _reader_round(tab, url: str, times: list[float], errors: list[str] | None = None) -> None:
    """Open each of ``READER_PAGES`` and time it; a page that does not finish drawing within
    ``settle``'s timeout is reported in ``errors`` (raised when None)."""
    for address in READER_PAGES:
        t0 = time.perf_counter()
        try:
            tab.goto(f"{url}/{address}")
            settle(tab)
        except Exception as exc:
            if errors is None:
                raise
            errors.append(f"/{address} did not finish drawing: {exc}".splitlines()[0])
            continue
        times.append(time.perf_counter() - t0 - 0.2)  # less settle's two pauses


def _reader(url: str, times: list[float], stop: threading.Event, errors: list[str]) -> None:
    """The reader under attack, in a thread with its own Playwright: rounds until ``stop``."""
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                tab = browser.new_page()
                sign_in(tab, url, READER)
                while not stop.is_set():
                    _reader_round(tab, url, times, errors)
            finally:
                browser.close()
    except Exception as exc:  # reported, not raised: the figures so far still count
        errors.append(f"the reader failed: {exc}".splitlines()[0])


def measure(wh: Warehouse, files: dict[str, Path], rounds: int = ROUNDS) -> Result:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-hostile-") as tmp:
        log = Path(tmp) / "server.log"
        with serve(wh, log) as (url, server):
            sampler = MemorySampler(server.pid)
            sampler.start()
            quiet: list[float] = []
            attack: list[float] = []
            uploads: list[Upload] = []
            errors: list[str] = []
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    reader = browser.new_page()
                    sign_in(reader, url, READER)
                    _reader_round(reader, url, [])  # every page once: code imported, caches warm
                    sampler.phase = "quiet"
                    for _ in range(rounds):
                        _reader_round(reader, url, quiet)
                    before = (_status_kib(server.pid, "VmRSS") or 0) / 1024
                    reader.close()

                    grantee = browser.new_context().new_page()
                    sign_in(grantee, f"{url}/upload", GRANTEE)
                    grantee.get_by_text("Uploads of PDP-01").wait_for(timeout=60_000)
                    sampler.phase = "attack"
                    stop = threading.Event()
                    thread = threading.Thread(target=_reader, args=(url, attack, stop, errors))
                    thread.start()
                    time.sleep(5)  # the reader signed in and reading before the first file
                    for n in range(rounds):
                        for what, path in files.items():
                            # A new name each round: a browser sends a file it was given
                            # again only when the choice changes.
                            sent = path.with_name(f"{path.stem}-{n + 1}{path.suffix}")
                            if not sent.exists():
                                os.link(path, sent)
                            t0 = time.perf_counter()
                            try:
                                answer = upload_and_wait(grantee, sent)
                            except Exception as exc:  # recorded; the next file goes on
                                answer = f"no answer: {exc}".splitlines()[0]
                                with contextlib.suppress(Exception):
                                    grantee.goto(f"{url}/upload")
                                    settle(grantee)
                            uploads.append(Upload(what, time.perf_counter() - t0, answer))
                    stop.set()
                    thread.join()
                finally:
                    browser.close()
            alive = server.poll() is None and healthy(url)
            peak = sampler.stop()
            logged = log.read_text(encoding="utf-8", errors="replace")
    if "Traceback" in logged and not re.search(r"incident [0-9a-f]{8}", logged):
        errors.append("the server log has a traceback without an incident number")
    return Result(
        quiet=quiet,
        attack=attack,
        uploads=uploads,
        server_peak=peak / 1024,
        server_before=before,
        worker_peak=sampler.worker_peak_kib / 1024,
        phase_peaks={k: v / 1024 for k, v in sampler.phase_peaks.items()},
        server_alive=alive,
        load=load,
        failures=errors,
    )


# --- the report ----------------------------------------------------------------------------------


def _stats(times: list[float]) -> tuple[float, float, float]:
    if not times:
        return (float("nan"),) * 3
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def _answer(text: str) -> str:
    first = " ".join(text.replace("\u2060", "").split())
    first = re.sub(r"\*\*([0-9a-f]{8})\*\*", r"\1", first)
    return first if len(first) <= 110 else first[:109] + "…"


def missed_targets(r: Result) -> list[str]:
    out = list(r.failures)
    if r.server_peak >= MEMORY_TARGET:
        out.append(
            f"peak memory of the server {r.server_peak:.0f} MiB, not under {MEMORY_TARGET:.0f} MiB"
        )
    if not r.server_alive:
        out.append("the server did not survive the uploads")
    return out


def report_lines(r: Result, sizes: dict[str, int]) -> list[str]:
    q, a = _stats(r.quiet), _stats(r.attack)
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, load average {r.load:.1f} before the run; the "
        f"demo programme; upload limits {os.environ.get('CAMPAIGNS_UPLOAD_MEMORY_MB', '1024')} "
        f"MiB and {os.environ.get('CAMPAIGNS_UPLOAD_SECONDS', '120')} s; each file sent "
        f"{ROUNDS} times.",
        "",
        "| server process | peak resident memory |",
        "|---|---|",
        f"| the whole run (`VmHWM`) | **{r.server_peak:.0f} MiB** (target < "
        f"{MEMORY_TARGET:.0f} MiB) |",
        f"| once the quiet rounds were read | {r.server_before:.0f} MiB |",
        f"| sampled under attack | {r.phase_peaks.get('attack', 0):.0f} MiB |",
        f"| the upload workers (each its own process) | {r.worker_peak:.0f} MiB |",
        "",
        "| reader's page times | pages | median | 95th percentile | slowest |",
        "|---|---|---|---|---|",
        f"| quiet | {len(r.quiet)} | {q[0]:.2f} s | {q[1]:.2f} s | {q[2]:.2f} s |",
        f"| while the files were sent | {len(r.attack)} | {a[0]:.2f} s | {a[1]:.2f} s | "
        f"{a[2]:.2f} s |",
        "",
        "| file sent | size | answers | slowest answer | what the grantee was told |",
        "|---|---|---|---|---|",
    ]
    for what in dict.fromkeys(u.what for u in r.uploads):
        mine = [u for u in r.uploads if u.what == what]
        lines.append(
            f"| {what} | {sizes[what] / 1048576:.1f} MB | {len(mine)} | "
            f"{max(u.seconds for u in mine):.1f} s | {_answer(mine[-1].answer)} |"
        )
    missed = missed_targets(r)
    lines += ["", "Missed targets:" if missed else "Every target met; the server kept serving."]
    lines += [f"- {line}" for line in missed]
    return lines


def run(record: bool = False) -> list[str]:
    """Build, serve, attack, print (and record); the missed targets."""
    if not CHROMIUM.exists():
        print("hostile uploads: skipped, no /usr/bin/chromium (apt-get install chromium)")
        return []
    if sync_playwright is None:
        print("hostile uploads: skipped, no Playwright (pip install -e '.[dev]')")
        return []
    with tempfile.TemporaryDirectory(prefix="campaigns-bench-hostile-") as tmp:
        folder = Path(tmp)
        wh = Warehouse(folder / "demo" / "warehouse.duckdb")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cli", "--warehouse", str(wh.path), "demo"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        files = hostile_files(folder / "files")
        sizes = {what: path.stat().st_size for what, path in files.items()}
        ready = time.perf_counter() - t0
        print(f"hostile uploads: demo programme and files ready in {ready:.0f} s")
        result = measure(wh, files)
        shutil.rmtree(folder / "files", ignore_errors=True)
    lines = report_lines(result, sizes)
    print("\n".join(lines))
    if record:
        write_block("hostile", lines)
    return missed_targets(result)


if __name__ == "__main__":
    run(record="--record" in sys.argv[1:])
