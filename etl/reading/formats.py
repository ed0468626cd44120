"""Telling a file's format from its first bytes, and reading a large file once to hash it.

Files above ``FAST_PATH_BYTES`` are not held in memory: ``scan`` hashes them in chunks and says
whether their text lets DuckDB read them (UTF-8, no blank lines).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import queue
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from etl.messages import message

# Files above this size skip the Python CSV reader and are parsed by DuckDB itself.
FAST_PATH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Scan:
    """One pass over a large file: its checksum, first bytes, and what its text looks like."""

    checksum: str
    head: bytes
    utf8: bool
    blank_lines: bool


def scan(path: Path, head_bytes: int = 65536) -> Scan:
    """Hash a file and check it is UTF-8 without blank lines, reading it once in chunks.

    A thread hashes each chunk (hashlib lets go of the interpreter's lock on large buffers)
    while this one checks its text; where no thread can be started, this one hashes too."""
    digest = hashlib.sha256()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=2)

    def hash_chunks() -> None:
        while (chunk := chunks.get()) is not None:
            digest.update(chunk)

    hasher: threading.Thread | None = threading.Thread(
        target=hash_chunks, name="checksum", daemon=True
    )
    try:
        hasher.start()
    except RuntimeError:  # no memory for its stack (an upload's worker has a limit): hash here
        hasher = None
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, blank, tail = True, False, b""
    head = b""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                if hasher is None:
                    digest.update(chunk)
                else:
                    chunks.put(chunk)
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                # ASCII is UTF-8: only other text (or a character cut at the chunk's start)
                # needs decoding.
                if utf8 and (not chunk.isascii() or decoder.getstate()[0]):
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
                if not blank:
                    blank = bool(_BLANK_LINE.search(tail + chunk[:2]) or _BLANK_LINE.search(chunk))
                    tail = chunk[-2:]
    finally:
        if hasher is not None:
            chunks.put(None)
            hasher.join()
    return Scan(digest.hexdigest(), head, utf8, blank)


_BLANK_LINE = re.compile(rb"\n\r?\n")


def sniff_format(data: bytes) -> str:
    """ "xlsx", "xls", "json" or "csv", from the first bytes of a file."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "json"
    return "csv"


def json_message(data: bytes, name: str) -> str:
    """Why a JSON file is not loaded, and what to upload instead."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("messages"), list)
        and str(doc.get("type", "")).endswith("channel")
    ):
        return message("reading.telegram_export", name=name)
    return message("reading.json", name=name)
