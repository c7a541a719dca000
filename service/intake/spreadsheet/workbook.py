"""XLSX through openpyxl (maintained, pure Python, reads without Excel): the first sheet,
each cell as the text a person sees, dates as ISO so the region's order never matters."""

import io
from datetime import date, datetime, time
from zipfile import BadZipFile

from service.errors import InvalidInput


def read_xlsx(content: bytes) -> list[list[str]]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InvalidInput("XLSX files cannot be read here; save as CSV", field="file") from None
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError):
        raise InvalidInput("the file is not a readable XLSX workbook", field="file") from None
    sheet = book.worksheets[0]
    return [[_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an MRN or phone stored as a number
    return str(value).strip()
