"""Settings read from the environment (``TRIAGE_*``), in one typed place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# the environment variable `triage serve` hands its settings to each worker process in (JSON)
SETTINGS_HANDOFF = "TRIAGE_SERVE_SETTINGS"


def _default_data_dir() -> Path:
    """The per-user data folder (``~/.local/share/triage`` on Linux): one audit log, one set of keys
    and staff accounts, wherever a command is run from."""
    return platformdirs.user_data_path("triage")


class Settings(BaseSettings):
    """Where the audit log and the keys live, and how the server decides.

    ``TRIAGE_DATABASE_URL`` (e.g. ``postgresql://user:pass@host/db``) selects a shared database
    and switches auditing on by default; without it, ``--audit`` writes to the embedded SQLite
    file ``TRIAGE_AUDIT_DB`` (default: ``audit.sqlite3`` in the data folder). The server always audits.
    """

    model_config = SettingsConfigDict(env_prefix="TRIAGE_")

    database_url: str | None = None
    # the per-user data folder: the SQLite audit log and the key files live here unless set one by one
    data_dir: Path = Field(default_factory=_default_data_dir)
    audit_db: Path | None = None
    # the key that signs staff session cookies; every server of one deployment must share it
    session_key_file: Path | None = None
    # the key that signs audit checkpoints (never stored in the database) and where checkpoints go
    checkpoint_key_file: Path | None = None
    checkpoint_dir: Path | None = None
    # how often `triage serve` checkpoints the chain's head when the log has grown (0: never)
    checkpoint_seconds: int = Field(default=300, ge=0)
    # the ruleset versions the server decides with (each a policy folder; the one in force on the
    # day a referral was received decides it); default: the project's own. TRIAGE_RULES_DIRS='["a","b"]'
    rules_dirs: list[Path] = []
    engine: Literal["durable", "python"] = "durable"
    # how much each process logs (one JSON line per decision or request at info; warning: problems only)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # the cost-benefit data (unit costs, deflators, outcome assumptions); default: the project's cost_benefit/
    cost_data_dir: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)  # larger request bodies get 413
    # how many generated referrals a ruleset's safeguarding invariants are checked against before it is
    # published (about 1 s per 2,000): more finds rarer counter-examples, and makes publishing slower
    invariant_referrals: int = Field(default=2000, ge=100, le=1_000_000)
    body_timeout_seconds: float = Field(default=10.0, gt=0)  # a request body not in by then gets 408
    # session cookies only over https (browsers allow them on http://127.0.0.1 too); false only to reach a
    # test server over plain http from another machine
    secure_cookies: bool = True

    @property
    def audit_path(self) -> Path:
        """The SQLite audit log's file (used when no TRIAGE_DATABASE_URL is set)."""
        return self.audit_db or self.data_dir / "audit.sqlite3"

    @property
    def session_key_path(self) -> Path:
        return self.session_key_file or self.data_dir / "session.key"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or self.data_dir / "checkpoint.key"

    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_dir or self.data_dir / "checkpoints"

    @property
    def audit_url(self) -> str:
        return self.database_url or f"sqlite:///{self.audit_path}"

    @property
    def audit_by_default(self) -> bool:
        return self.database_url is not None
