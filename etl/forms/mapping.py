"""Form mappings: which question of a form is which feedback field, read, checked and written.

A mapping is TOML (``[questions]``, ``[scales]``, ``[form]``, ``[keep]``; see ``etl.forms``):
from a file (``--mapping``), from a source in the sources file, saved with a campaign, or
proposed. Every problem with one is a :class:`MappingError` naming the file and the key.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from etl.kinds import PERSONAL_FIELDS
from etl.normalise import DATE_ORDERS  # day first, month first

QUESTION_FIELDS = (
    "submitted_at",
    "event_code",
    "rating",
    "usefulness",
    "would_recommend",
    "comment",
    "sex",
    "age_group",
    "region",
    "language",
)
SCALED = ("rating", "usefulness")


class MappingError(ValueError):
    """The mapping file cannot be used as written."""


@dataclass
class Mapping:
    """Which question is which field, with the mapping as written and where it came from."""

    questions: dict[str, tuple[str, ...]]
    scales: dict[str, int] = field(default_factory=dict)
    event: str | None = None
    language: str | None = None
    keep: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: str = ""  # the mapping as written, kept with the batch
    source: str = ""
    date_order: str | None = None  # "dmy" or "mdy", for slashed dates that read either way
    origin: str = "file"  # file, saved (with a campaign) or proposed
    saved_id: int | None = None

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; every problem names the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML ({exc})") from None
    return mapping_from(data, text=text, source=str(path))


def mapping_from(data: dict, *, text: str = "", source: str = "mapping") -> Mapping:
    """A mapping from its parsed TOML (a file, or a source in the sources file)."""
    unknown = set(data) - {"questions", "scales", "form", "keep"}
    if unknown:
        raise MappingError(
            f"{source}: unknown section {', '.join(sorted(unknown))}; use [questions], "
            "[scales], [form] and [keep]"
        )

    def texts(section: str, allowed: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        out = {}
        for name, value in data.get(section, {}).items():
            if name not in allowed:
                raise MappingError(
                    f"{source}: [{section}] {name} is not a field; use one of: "
                    + ", ".join(allowed)
                )
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise MappingError(
                    f"{source}: [{section}] {name} must be a question text or a list of them"
                )
            out[name] = tuple(values)
        return out

    questions = texts("questions", QUESTION_FIELDS)
    keep = texts("keep", PERSONAL_FIELDS)
    scales = {}
    for name, value in data.get("scales", {}).items():
        if name not in SCALED or value not in (5, 10):
            raise MappingError(
                f"{source}: [scales] takes rating and usefulness, each 5 or 10; got {name} = "
                f"{value!r}"
            )
        scales[name] = value
    form = data.get("form", {})
    bad = set(form) - {"event", "language", "date_order"}
    if bad:
        raise MappingError(
            f"{source}: [form] takes event, language and date_order; got {', '.join(sorted(bad))}"
        )
    for name in ("event", "language"):
        if name in form and not isinstance(form[name], str):
            raise MappingError(f"{source}: [form] {name} must be text, got {form[name]!r}")
    date_order = form.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingError(
            f'{source}: [form] date_order is "dmy" (day first) or "mdy" (month first); got '
            f"{date_order!r}"
        )
    if not questions:
        raise MappingError(f"{source}: [questions] is empty; say which question is which field")
    return Mapping(
        questions,
        scales,
        form.get("event") or None,
        form.get("language") or None,
        keep,
        text,
        source,
        date_order,
    )


def _toml_text(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def mapping_text(
    questions: dict[str, Sequence[str]],
    *,
    scales: dict[str, int] | None = None,
    event: str | None = None,
    language: str | None = None,
    date_order: str | None = None,
    keep: dict[str, Sequence[str]] | None = None,
    title: str = "",
) -> str:
    """A mapping written as TOML, as a mapping file holds it (fields in a fixed order)."""
    lines = [f"# {title}"] if title else []
    lines.append("[questions]")
    for fname in QUESTION_FIELDS:
        texts = [t for t in questions.get(fname, ()) if t]
        if texts:
            value = (
                _toml_text(texts[0])
                if len(texts) == 1
                else "[" + ", ".join(_toml_text(t) for t in texts) + "]"
            )
            lines.append(f"{fname} = {value}")
    scaled = {k: v for k, v in (scales or {}).items() if k in questions and k in SCALED}
    if scaled:
        lines += ["", "[scales]"] + [f"{k} = {scaled[k]}" for k in SCALED if k in scaled]
    form = [("event", event), ("language", language), ("date_order", date_order)]
    if any(v for _, v in form):
        lines += ["", "[form]"] + [f"{k} = {_toml_text(v)}" for k, v in form if v]
    kept = {k: [t for t in v if t] for k, v in (keep or {}).items()}
    if any(kept.values()):
        lines += ["", "[keep]"]
        for name in PERSONAL_FIELDS:
            if kept.get(name):
                lines.append(
                    f"{name} = " + "[" + ", ".join(_toml_text(t) for t in kept[name]) + "]"
                )
    return "\n".join(lines) + "\n"
