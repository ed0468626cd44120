"""Every random draw of the demo: one reproducible stream per part, from one seed.

Each part of the demo (a campaign's metrics on one platform, its spend, its events, ...) draws
from a ``random.Random`` of its own, seeded from the demo's seed and the part's name, so the same
seed gives byte-identical files and one part's draws never shift another's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from random import Random

DEFAULT_SEED = 2026


def stream(seed: int, *parts: str) -> Random:
    """An independent, reproducible stream for one part of the demo."""
    return Random(f"{seed}:{':'.join(parts)}")


def sround(rng: Random, x: float) -> int:
    """``x`` rounded up or down at random so that the expected value is ``x``."""
    if x <= 0:
        return 0
    whole = math.floor(x)
    return whole + (1 if rng.random() < x - whole else 0)


def pick(rng: Random, weighted: Sequence[tuple[str, float]]) -> str:
    """One of the values of ``(value, weight)`` pairs, drawn by weight."""
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]
