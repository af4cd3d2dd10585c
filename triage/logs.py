"""Structured logging: JSON lines on stderr, one event per decision, never personal data.

Log ids, routes, rule ids and timings only. Ages, narratives, names and flags stay out of logs:
they are about children, health and offending.
"""

from __future__ import annotations

import atexit
import logging
import sys

import structlog

_BATCH_LINES = 256
_pending: list[str] | None = None  # events held back in batch mode, written 256 at a time


class _StderrLogger:
    """Writes each rendered event to whatever ``sys.stderr`` is at that moment.

    structlog's PrintLogger keeps the stream it was given; tools and tests that swap stderr
    between commands would then write to a closed file and lose the event. In batch mode events
    are written in blocks: one write per event cost more than deciding the referral.
    """

    def msg(self, message: str) -> None:
        if _pending is None:
            print(message, file=sys.stderr)
            return
        _pending.append(message)
        if len(_pending) >= _BATCH_LINES:
            flush_logs()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def flush_logs() -> None:
    """Write any events held back in batch mode."""
    if _pending:
        sys.stderr.write("\n".join(_pending) + "\n")
        sys.stderr.flush()
        _pending.clear()


def configure_logging(level: str = "info", batch: bool = False) -> None:
    """Set up structlog for the process, at ``level`` (a command or the server passes the one its
    settings say: TRIAGE_LOG_LEVEL).

    ``batch`` holds events back and writes them in blocks (see ``flush_logs``, also run at exit).
    """
    global _pending
    _pending = [] if batch else None
    if batch:
        atexit.register(flush_logs)
    name = level.upper()
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


def ensure_logging() -> None:
    """Configure the safe defaults when the engine is used as a library without configuring:
    structlog's own default prints to stdout, where decisions may be written."""
    if not structlog.is_configured():
        configure_logging()
