"""While a report is made, Python's collector looks only at the report's own objects
(``dashboard.report.collector``): garbage the report makes is still collected, what existed
before is set aside and collected once the last report being made ends."""

from __future__ import annotations

import gc
import threading
import weakref

from dashboard.report.collector import report_objects_only


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref:
    """A pair of objects referring to each other, nothing else to them: only the collector
    frees it. Returns a weak reference to one of them."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_garbage_made_during_a_report_is_collected_during_it() -> None:
    with report_objects_only():
        made = _cycle()
        gc.collect()
        assert made() is None


def test_objects_from_before_are_set_aside_until_the_last_report_ends() -> None:
    before = Node()
    before.other = Node()
    before.other.other = before
    old = weakref.ref(before)
    with report_objects_only():
        del before  # garbage now, but made before the report: set aside
        with report_objects_only():  # a report made within another (render in render_files)
            pass
        gc.collect()
        assert old() is not None, "the inner block ended the outer one's setting aside"
        assert gc.get_freeze_count() > 0
    gc.collect()
    assert old() is None
    assert gc.get_freeze_count() == 0


def test_reports_in_two_threads_give_the_objects_back_when_both_end() -> None:
    first_in, second_done, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with report_objects_only():
            first_in.set()
            first_may_end.wait(10)

    def second() -> None:
        first_in.wait(10)
        with report_objects_only():
            pass
        seen.append(gc.get_freeze_count())
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    second_done.wait(10)
    first_may_end.set()
    for t in threads:
        t.join(10)
    assert seen and seen[0] > 0  # the first report was still being made
    assert gc.get_freeze_count() == 0
