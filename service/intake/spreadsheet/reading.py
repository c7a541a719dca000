"""A spreadsheet's bytes into a header and rows of text: UTF-8 CSV (with or without the
BOM Excel writes), comma, semicolon or tab separated; XLSX through openpyxl. A file we
cannot read as text is refused whole with the reason, before anything is looked at."""

import csv
import io
from dataclasses import dataclass

from service.errors import InvalidInput

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[list[str]]  # each as wide as the header; row 1 is the header, so rows[0] is row 2
    # Rows with more filled cells than the header has columns (a comma in an unquoted
    # cell shifts every cell after it): their cells cannot be trusted.
    too_wide: frozenset[int] = frozenset()


def read_sheet(content: bytes, file_name: str = "") -> Sheet:
    """The file's header and rows, or InvalidInput (field `file`) saying why not."""
    if not content.strip():
        raise InvalidInput("the file is empty", field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    if content.startswith(_XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        from service.intake.spreadsheet.workbook import read_xlsx

        table = read_xlsx(content)
    else:
        table = _read_csv(_decode(content))
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise InvalidInput("the file has no rows", field="file")
    headers = [h.strip() for h in table[0]]
    if len(table) - 1 > MAX_ROWS:
        raise InvalidInput(f"the file has more than {MAX_ROWS:,} rows; split it", field="file")
    width = len(headers)
    rows = [(row + [""] * width)[:width] for row in table[1:]]
    too_wide = frozenset(
        i for i, row in enumerate(table[1:]) if any(c.strip() for c in row[width:])
    )
    return Sheet(headers, rows, too_wide)


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    if b"\x00" in content[:4096]:
        raise InvalidInput("the file is not a spreadsheet (it holds binary data)", field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        # Guessing Windows-1252 or Latin-1 would turn Núñez into NÃºÃ±ez without a word:
        # ask for the file again in the encoding every spreadsheet program can write.
        raise InvalidInput(
            f"the file is not UTF-8 text (line {line}); save it as 'CSV UTF-8' and upload again",
            field="file",
        ) from None


def _read_csv(text: str) -> list[list[str]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise InvalidInput(f"the file is not readable CSV ({exc})", field="file") from None
