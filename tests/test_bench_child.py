"""The benchmarks' child processes run to their end whatever they print."""

from __future__ import annotations

import sys

from bench.child import run_child


def test_a_child_printing_more_than_a_pipe_holds_runs_to_its_end() -> None:
    script = (
        "import sys; sys.stderr.write('e' * 300_000); sys.stdout.write('o' * 300_000); "
        "sys.exit(3)"
    )
    done = run_child([sys.executable, "-c", script])
    assert done.code == 3
    assert (len(done.stdout), len(done.stderr)) == (300_000, 300_000)
    assert done.seconds > 0 and done.peak_mib > 0
