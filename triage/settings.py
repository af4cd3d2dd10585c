"""Settings read from the environment (``TRIAGE_*``), in one typed place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the audit log lives, and how the server decides.

    ``TRIAGE_DATABASE_URL`` (e.g. ``postgresql://user:pass@host/db``) selects a shared database
    and switches auditing on by default; without it, ``--audit`` writes to the embedded SQLite
    file ``TRIAGE_AUDIT_DB``. The server always audits.
    """

    model_config = SettingsConfigDict(env_prefix="TRIAGE_")

    database_url: str | None = None
    audit_db: Path = Path("triage-audit.sqlite3")
    # the ruleset versions the server decides with (each a policy folder; the one in force on the
    # day a referral was received decides it); default: the project's own. TRIAGE_RULES_DIRS='["a","b"]'
    rules_dirs: list[Path] = []
    engine: Literal["durable", "python"] = "durable"
    # the cost-benefit data (unit costs, deflators, outcome assumptions); default: the project's cost_benefit/
    cost_data_dir: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)  # larger request bodies get 413
    # session cookies only over https (browsers allow them on http://127.0.0.1 too); false only to reach a
    # test server over plain http from another machine
    secure_cookies: bool = True

    @property
    def audit_url(self) -> str:
        return self.database_url or f"sqlite:///{self.audit_db}"

    @property
    def audit_by_default(self) -> bool:
        return self.database_url is not None
