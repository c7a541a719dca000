"""Plain key=value log lines on stderr; numbers and bodies never appear at info level."""

import logging
import os


def configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # APScheduler logs every run at info; once per poll is noise.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
