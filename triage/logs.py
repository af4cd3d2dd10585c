"""Structured logging: JSON lines on stderr, one event per decision, never personal data.

Log ids, routes, rule ids and timings only. Ages, narratives, names and flags stay out of logs:
they are about children, health and offending.
"""

from __future__ import annotations

import logging
import os
import sys

import structlog


class _StderrLogger:
    """Writes each rendered event to whatever ``sys.stderr`` is at that moment.

    structlog's PrintLogger keeps the stream it was given; tools and tests that swap stderr
    between commands would then write to a closed file and lose the event.
    """

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def configure_logging(level: str | None = None) -> None:
    """Set up structlog once for the process (level from TRIAGE_LOG_LEVEL, default info)."""
    name = (level or os.environ.get("TRIAGE_LOG_LEVEL", "info")).upper()
    numeric = logging.getLevelNamesMapping().get(name, logging.INFO)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=lambda *_: _StderrLogger(),
        cache_logger_on_first_use=True,
    )
