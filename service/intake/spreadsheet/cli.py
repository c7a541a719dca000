"""`reminders import FILE [--dry-run] [--result OUT.csv]`: the same check and import as
the console and the API, columns guessed from the file's headers. Exit 0 when every row
went in (or would), 1 when some rows have problems, 2 when the file is refused whole."""

import getpass
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from service.audit.service import Source
from service.config import Settings
from service.errors import InvalidInput
from service.intake.spreadsheet.columns import LABELS, check, guess
from service.intake.spreadsheet.importing import import_sheet
from service.intake.spreadsheet.reading import read_sheet
from service.intake.spreadsheet.results import result_csv


def run_import(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    dry_run: bool,
    result_path: Path | None,
    now: Callable[[], datetime],
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    try:
        sheet = read_sheet(path.read_bytes(), path.name)
        mapping = guess(sheet.headers)
        check(mapping, sheet.headers)
    except InvalidInput as refused:
        print(f"{path.name} refused, nothing imported: {refused.message}", file=out)
        return 2
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=out)
        return 2
    for column, index in mapping.items():
        print(f"  {LABELS[column]:<24} <- {sheet.headers[index]!r}", file=out)
    with Session(engine, expire_on_commit=False) as session:
        result = import_sheet(
            session, sheet, mapping, file_name=path.name, settings=settings,
            actor=Source(f"reminders import by {getpass.getuser()}"), now=now(),
            dry_run=dry_run,
        )  # fmt: skip
    refused_rows = [row for row in result.rows if row.errors]
    for row in refused_rows:
        print(f"row {row.number}: " + "; ".join(row.errors), file=out)
    counts = result.counts()
    words = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items())
    print(("dry run, nothing written: " if dry_run else "imported: ") + words, file=out)
    if result_path is not None:
        result_path.write_text(result_csv(result), encoding="utf-8")
        print(f"every row's outcome: {result_path}", file=out)
    return 1 if refused_rows else 0
