"""The targets of the page benchmark, a page's figures, and how they are judged against them.

Cold within ``1.5 x raw + 0.3 s``, no page's raw SQL above twice the Campaign page's (the page
of one campaign), warm under 0.1 s, peak memory of the app process under 500 MiB (see
``bench.pages``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

COLD_FACTOR = 1.5
COLD_ALLOWANCE = 0.3  # seconds
WARM_TARGET = 0.1  # seconds
MEMORY_TARGET = 500.0  # MiB
# No page's raw SQL above this many times the Campaign page's.
RAW_FACTOR = 2.0
RAW_REFERENCE = "campaign"
COLD_RUNS = int(os.environ.get("BENCH_COLD", "3"))
WARM_RUNS = int(os.environ.get("BENCH_WARM", "9"))
# The server's peak memory is read after every page is drawn in each of these.
LANGUAGES = ("en", "ru", "kk")


@dataclass
class PageTiming:
    """One page's figures, in seconds; ``reads`` counts every read the cold run sent (served
    from the cache or not), ``slowest`` holds the slowest distinct statements as
    ``(seconds, first words)``."""

    page: str
    cold: float
    warm: float
    raw: float
    reads: int
    statements: int
    slowest: list[tuple[float, str]] = field(default_factory=list)
    error: str | None = None
    # Of a page of lazy tabs, timed tab by tab: the raw SQL of every statement its tabs sent,
    # each once (the SQL of the whole page).
    whole_raw: float | None = None


@dataclass
class Memory:
    """Peak resident memory in MiB: of the ``streamlit run`` server (``None`` when no browser
    could drive it) and of the child process that timed the pages."""

    server: float | None
    timing_process: float
    server_pages: list[tuple[str, float]] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return self.server if self.server is not None else self.timing_process


def cold_limit(raw: float) -> float:
    """The longest a cold run may take: ``COLD_FACTOR`` x its raw SQL + ``COLD_ALLOWANCE``."""
    return COLD_FACTOR * raw + COLD_ALLOWANCE


def cold_ratio(timing: PageTiming) -> float:
    """Cold run over its limit: at most 1.0 meets the target."""
    return timing.cold / cold_limit(timing.raw)


def cold_ok(timing: PageTiming) -> bool:
    return timing.error is None and timing.cold <= cold_limit(timing.raw)


def warm_ok(timing: PageTiming) -> bool:
    return timing.error is None and timing.warm < WARM_TARGET


def _of_reference(timing: PageTiming) -> bool:
    return timing.page == RAW_REFERENCE or timing.page.startswith(f"{RAW_REFERENCE}/")


def reference_raw(timings: Sequence[PageTiming]) -> float | None:
    """The Campaign page's raw SQL: that of the whole page, every statement of all its tabs
    (each tab timed on its own as ``campaign/tab``) once, or None when one of them failed or
    it was not timed."""
    parts = [p for p in timings if _of_reference(p)]
    if not parts or any(p.error is not None for p in parts):
        return None
    page = next((p for p in parts if p.page == RAW_REFERENCE), None)
    if page is None:
        return None
    return page.whole_raw if page.whole_raw is not None else page.raw


def missed_targets(timings: Sequence[PageTiming], memory: Memory | None) -> list[str]:
    """One plain sentence per missed target (a page that failed misses both of its own)."""
    out = []
    reference = reference_raw(timings)
    for p in timings:
        if p.error is not None:
            out.append(f"{p.page}: the page failed ({p.error}), so it meets no target")
            continue
        if not cold_ok(p):
            out.append(
                f"{p.page}: cold run {p.cold:.2f} s, over its limit of {cold_limit(p.raw):.2f} s "
                f"({COLD_FACTOR:g} x {p.raw:.2f} s raw SQL + {COLD_ALLOWANCE} s)"
            )
        if reference is not None and not _of_reference(p) and p.raw > RAW_FACTOR * reference:
            out.append(
                f"{p.page}: raw SQL {p.raw:.2f} s, over {RAW_FACTOR:g} x the {RAW_REFERENCE} "
                f"page's {reference:.2f} s (all its tabs)"
            )
        if not warm_ok(p):
            out.append(f"{p.page}: warm run {p.warm:.3f} s, not under {WARM_TARGET} s")
    if memory is not None and memory.peak >= MEMORY_TARGET:
        out.append(
            f"peak memory of the app process {memory.peak:.0f} MiB, not under "
            f"{MEMORY_TARGET:.0f} MiB"
        )
    return out
