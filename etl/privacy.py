"""Personal data: masking it in free text before it is stored, and reading kept files to find it
(``etl.erasure`` forgets a respondent with these).

Feedback comments can carry e-mail addresses, Kazakh phone numbers (``+7 701 123 45 67``,
``8 (701) 1234567``) and 12-digit IINs. They are replaced by ``[email]``, ``[phone]`` and
``[IIN]`` on the way into the warehouse; the same patterns serve SQL and Python. The same
patterns screen a file before its bytes are kept (:func:`holds_personal_data`): a file holding
any of them anywhere is kept only as a masked copy (``etl.load``).
"""

from __future__ import annotations

import array
import codecs
import io
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE = r"(\+7|8)[\s\-]*\(?\s*[0-9]{3}\s*\)?[\s\-]*[0-9]{3}[\s\-]*[0-9]{2}[\s\-]*[0-9]{2}"
IIN = r"[0-9]{12}"

RULES: tuple[tuple[str, str], ...] = ((EMAIL, "[email]"), (PHONE, "[phone]"), (IIN, "[IIN]"))


def mask(text: str | None) -> str | None:
    """``text`` with e-mails, phone numbers and IINs replaced by placeholders."""
    if text is None:
        return None
    for pattern, placeholder in RULES:
        text = re.sub(rf"(?<![0-9A-Za-z]){pattern}(?![0-9A-Za-z])", placeholder, text)
    return text


def mask_sql(column: str) -> str:
    """The DuckDB expression masking ``column`` the way ``mask`` does.

    Only a cell in which one of the patterns is found goes through the replacements: one search
    costs far less than the six replacements, and most cells hold none."""
    expr = column
    for pattern, placeholder in RULES:
        # RE2 has no look-around: capture the boundary characters and put them back. A match
        # consumes the character after it, so a second pass catches back-to-back matches.
        for _ in range(2):
            expr = (
                f"regexp_replace({expr}, '(^|[^0-9A-Za-z]){pattern}([^0-9A-Za-z]|$)', "
                f"'\\1{placeholder}\\{3 if pattern == PHONE else 2}', 'g')"
            )
    return f"(CASE WHEN regexp_matches({column}, '{_ANY_RE2}') THEN {expr} ELSE {column} END)"


def none_in_sql(columns: list[str]) -> str:
    """The DuckDB condition that none of ``columns`` holds an e-mail, a phone number or an IIN,
    so that ``mask_sql`` would leave each as it is: one search of the cells joined by a
    separator no pattern can cross (a control character, neither a letter nor a digit nor
    space), instead of one search of each cell."""
    joined = f"concat_ws(chr(31), {', '.join(columns)})"
    return f"NOT regexp_matches({joined}, '{_ANY_RE2}')"


def phone_digits(text: str) -> str:
    """The ten digits that identify a Kazakh number, whatever prefix it was written with."""
    digits = re.sub(r"[^0-9]", "", text)
    return digits[-10:]


# --- finding personal data in files ------------------------------------------------------------

# The three patterns for RE2 (pyarrow's regular expressions, linear in the text: a 200 MB file is
# screened in a fraction of a second), with the boundaries captured rather than looked around.
_ANY_RE2 = rf"(^|[^0-9A-Za-z])({EMAIL}|{PHONE}|{IIN})([^0-9A-Za-z]|$)"
_CHUNK = 1 << 22


def _found(pieces: Iterable[bytes]) -> bool:
    """Whether any of ``pieces`` (whole lines or cells each) holds an e-mail, phone or IIN."""
    batch: list[bytes] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            if _matches(batch):
                return True
            batch, size = [], 0
    return bool(batch) and _matches(batch)


def _matches(batch: list[bytes]) -> bool:
    # Imported on use: every ``campaigns`` command imports this module, few screen a file.
    import pyarrow as pa
    import pyarrow.compute as pc

    # The array is made from its buffers: ``pa.array`` of a list imports pandas (0.2 s) to
    # check the list is not a pandas object.
    offsets = array.array("q", [0])
    for piece in batch:
        offsets.append(offsets[-1] + len(piece))
    pieces = pa.Array.from_buffers(
        pa.large_binary(), len(batch), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(batch))]
    )
    matched = pc.match_substring_regex(pieces, _ANY_RE2)
    return bool(pc.any(matched).as_py())


def _text_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of a file in pieces of about 4 MB cut after a line, so that no piece starts
    inside a word."""
    with Path(path).open("rb") as fh:
        carry = b""
        while chunk := fh.read(_CHUNK):
            chunk = carry + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                carry = chunk
                continue
            carry = chunk[cut:]
            yield chunk[:cut]
        if carry:
            yield carry


def holds_personal_data(path: Path) -> bool:
    """Whether the file at ``path`` holds an e-mail address, a phone number or an IIN anywhere:
    in any cell of any sheet of a workbook, anywhere in the text of any other file."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        try:
            return _found(text.encode("utf-8") for text in workbook_cells(path, strict=True))
        except Exception:  # not a workbook openpyxl can read: not screened, so not clean
            return True
    if _utf16(head):
        return _found(line.encode("utf-8") for line in text_lines(path))
    # Every other text keeps ASCII as ASCII (UTF-8, Windows-1251): its bytes are searched.
    return _found(_text_chunks(path))


class Screening:
    """:func:`holds_personal_data` of the file at ``path``, worked out in a thread of its own
    while the caller goes on (pyarrow searches without holding the interpreter's lock, so the
    search runs beside the loader's own work); :meth:`result` waits for the answer."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._found: bool | None = None
        self._error: BaseException | None = None
        # A daemon: a load that ends without asking (a refusal, a file sent again) does not
        # wait for it.
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, name="screening", daemon=True
        )
        try:
            self._thread.start()
        except RuntimeError:  # no memory for its stack (an upload's worker has a limit)
            self._thread = None
            self._run()

    def _run(self) -> None:
        try:
            self._found = holds_personal_data(self._path)
        except BaseException as exc:  # raised where the answer is asked for
            self._error = exc

    def result(self) -> bool:
        """Whether the file holds an e-mail address, a phone number or an IIN anywhere."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return bool(self._found)


def _utf16(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[:4096]
    half = len(sample) // 2
    return half > 2 and max(sample[1::2].count(0), sample[0::2].count(0)) > 0.6 * half


def workbook_cells(path: Path, *, strict: bool = False) -> Iterator[str]:
    """The text of every cell of every sheet of the workbook at ``path`` (numbers as written,
    without ``.0``); nothing when it cannot be opened, or ValueError with ``strict``."""
    import openpyxl  # imported on use, as pyarrow above: few commands read a workbook

    with Path(path).open("rb") as fh:  # kept files have no extension for openpyxl to go by
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            if strict:
                raise ValueError(f"cannot open {path} as a workbook") from exc
            return
        try:
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    for value in row:
                        if value is None:
                            continue
                        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                            value = int(value)
                        yield str(value)
        finally:
            wb.close()


def text_lines(path: Path) -> Iterator[str]:
    """The lines of the text file at ``path``: UTF-8 (with or without a byte-order mark),
    UTF-16, else Windows-1251."""
    data = Path(path).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        text = data.decode("utf-8-sig", errors="replace")
    elif _utf16(data[:4096]):
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = data.decode(encoding, errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")
    yield from io.StringIO(text)


def file_texts(path: Path) -> Iterator[str]:
    """The text of a kept file, piece by piece: a workbook's cells, another file's lines."""
    with Path(path).open("rb") as fh:
        head = fh.read(4)
    if head == b"PK\x03\x04" and zipfile.is_zipfile(path):
        yield from workbook_cells(path)
    else:
        yield from text_lines(path)
