"""``triage serve``: the HTTP API under uvicorn, on the configured database (SQLite by default)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from triage.cli.common import (
    EXIT_INVALID_INPUT,
    EngineName,
    RulesDirs,
    audit_store,
    fail,
    library,
    run_settings,
    versions_today,
)
from triage.keyfile import KeyFileProblem, read_or_create_key
from triage.settings import SETTINGS_HANDOFF


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (share one database).")] = 1,
    rules: RulesDirs = None,
    engine: EngineName = "durable",
) -> None:
    """Serve the HTTP API (docs at /docs). Every decision is recorded in the audit log.

    The database is TRIAGE_DATABASE_URL when set, else the SQLite file TRIAGE_AUDIT_DB (default:
    audit.sqlite3 in the per-user data folder); the start-up line says which. Session
    cookies are always marked Secure (https only): Chromium and Firefox accept them on
    http://127.0.0.1 and http://localhost too (Safari does not: TRIAGE_SECURE_COOKIES=false), and a
    reverse proxy on this host can never be left serving cookies that would travel over plain http.
    """
    import uvicorn

    from triage.db.urls import where

    # a database that cannot be opened, a broken policy folder or an unsafe key file is reported
    # here, once, in one line, not as a traceback from every worker
    store = audit_store(create=True)
    versions = library(rules, engine, store)
    store.db.dispose()
    settings = run_settings()
    try:  # the session key file is also made here on first run, before the workers race to make it
        read_or_create_key(settings.session_key_path, "session key")
    except KeyFileProblem as error:
        raise fail(str(error), EXIT_INVALID_INPUT) from None
    typer.echo(
        f"triage serve: http://{host}:{port} (API docs at /docs), {workers} worker(s); audit log "
        f"{where(settings.audit_url)}; data folder {settings.data_dir}; {versions_today(versions)}",
        err=True,
    )
    # every worker process builds its app from exactly these settings (the options applied), handed
    # over whole: the one way settings reach a process other than reading TRIAGE_* itself
    serving = settings.model_copy(
        update={
            "engine": engine,
            "rules_dirs": [folder.resolve() for folder in rules] if rules else settings.rules_dirs,
        }
    )
    os.environ[SETTINGS_HANDOFF] = serving.model_dump_json()
    uvicorn.run(
        "triage.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )
