"""Reading a file as people save it into a table of text cells, row numbers kept.

Handles the encodings (UTF-8 with or without BOM, UTF-16, Windows-1251), the delimiters
(``,`` ``;`` tab, and Excel's ``sep=`` hint), title lines above the header, ragged rows and XLSX
workbooks. The result is a DuckDB table ``raw_<n>`` with a ``row_number`` column (the row as a
spreadsheet shows it, header row included in the count) and one VARCHAR column per header cell.
Values are not interpreted here: that is ``normalise``'s job.

- ``formats``: a file's format from its first bytes; one pass over a large file (``scan``);
- ``csv_text``: a CSV file's text and rows (encoding, delimiter, shape checks);
- ``large_csv``: DuckDB's reader for files above ``FAST_PATH_BYTES``;
- ``xlsx``: a workbook's sheets, read safely;
- ``table``: rows stored as a ``RawTable``, the footer set aside (``footers``);
- ``refusals``: ``FileRejected``, the shape limits and the messages that name them.
"""

from etl.reading.csv_text import decode, read_csv_text, sniff_delimiter
from etl.reading.footers import TOTAL_WORDS
from etl.reading.formats import FAST_PATH_BYTES, Scan, json_message, scan, sniff_format
from etl.reading.large_csv import remove_temporary_files
from etl.reading.refusals import (
    LIMIT_SETTINGS,
    VALUE_OUT_OF_RANGE,
    FileRejected,
    Limits,
    SettingError,
    limits,
    out_of_range,
)
from etl.reading.table import RawTable, numbered_table, read_sheet
from etl.reading.xlsx import EXCEL_ROWS, MAX_WORKBOOK_PARTS, Workbook, read_workbook

__all__ = [
    "EXCEL_ROWS",
    "FAST_PATH_BYTES",
    "LIMIT_SETTINGS",
    "MAX_WORKBOOK_PARTS",
    "TOTAL_WORDS",
    "VALUE_OUT_OF_RANGE",
    "FileRejected",
    "Limits",
    "RawTable",
    "Scan",
    "SettingError",
    "Workbook",
    "decode",
    "json_message",
    "limits",
    "numbered_table",
    "out_of_range",
    "read_csv_text",
    "read_sheet",
    "read_workbook",
    "remove_temporary_files",
    "scan",
    "sniff_delimiter",
    "sniff_format",
]
