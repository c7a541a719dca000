"""Plain log lines on stderr: no full phone number, name or message body at any level.

The code logs ids and masked numbers only; as a last guard, the handler masks any
phone-number-like run left in a formatted line (a library's debug output, say).
"""

import logging
import re
import sys
from typing import TextIO

# Shapes of a phone number in a log line: E.164 (also URL-encoded), a bare run of
# 10-15 digits, and North American formatting. Dates (2027-03-16) and times do not match.
_PHONE_SHAPES = re.compile(
    r"(?:\+|%2[bB])\d{7,15}"
    r"|(?<![\d-])\d{10,15}(?![\d-])"
    r"|\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b"
)


def mask_phone_numbers_in(text: str) -> str:
    """Every phone-number-shaped run, masked down to its last four digits."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "*" * max(0, len(digits) - 4) + digits[-4:]

    return _PHONE_SHAPES.sub(_mask, text)


FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class MaskPhoneNumbers(logging.Filter):
    """Rewrites each record's message with phone numbers masked (+1******0142)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phone_numbers_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _ServiceHandler(logging.StreamHandler):
    """Our handler on the root logger; a second configure_logging() replaces it."""


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """`level`: the setting LOG_LEVEL (Settings.log_level), read nowhere else."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _ServiceHandler)]:
        root.removeHandler(old)
    handler = _ServiceHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskPhoneNumbers())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs every run at info; once per poll is noise.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
