"""Settings, read from ``ZHILIANG_*`` environment variables (and an optional ``.env`` file).

There is deliberately no module-level instance: the composition root (``app.create_app``, the CLI) builds one
and passes it down, so tests can build their own.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Platform configuration. Every field can be set as ``ZHILIANG_<FIELD>`` (e.g. ``ZHILIANG_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="ZHILIANG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Directory for the SQLite file and kept uploads.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means sqlite:///<data_dir>/zhiliang.db.")
    default_locale: str = Field("zh", description="zh or en; pages are Chinese first.")
    holiday_table: Path | None = Field(
        None, description="JSON file {\"holidays\": [...], \"workdays\": [...]} for years chinese-calendar lacks."
    )
    import_batch_size: int = Field(5000, ge=100, le=100_000, description="Rows per import transaction.")
    upload_max_mb: int = Field(512, ge=1, description="Largest accepted upload, in MB.")
    session_days: int = Field(7, ge=1, description="Days a console login lasts.")
    secure_cookies: bool = Field(False, description="Send cookies with the Secure flag (behind HTTPS).")
    certs_max_suspension_months: int = Field(
        6, ge=1, le=6, description="Longest suspension before a certificate must be restored or withdrawn (CNCA "
                                   "practice: at most 6 months; a CB's own rules may set less).")
    inspections_publish_workdays: int = Field(
        20, ge=1, le=250, description="Working days after a draw within which inspection results must be published "
                                      "(一公开); later plans are listed as overdue.")
    attachment_max_mb: int = Field(10, ge=1, le=100, description="Largest evidence file attached to an inspection "
                                                                 "finding (PDF, JPEG or PNG), in MB.")
    credit_model_file: Path | None = Field(
        None, description="The credit-risk scoring model (TOML: baseline, indicators with points and half-lives, "
                          "class bounds; see zhiliang/credit/data/credit_model.toml); empty means that default.")
    credit_institution_model_file: Path | None = Field(
        None, description="The credit evaluation model of certification bodies and laboratories (same TOML format; "
                          "see zhiliang/credit/data/institution_model.toml); empty means that default.")
    credit_report_overdue_days: int = Field(
        35, ge=1, le=400, description="Days after a CB's last report (any write, or 'no change this month') after "
                                      "which its reporting counts as overdue in its credit evaluation.")
    credit_serious_list_years: int = Field(
        3, ge=1, le=10, description="Years a listing on the serious-violation list is published before it ends "
                                    "by itself (Order 44: 3).")
    credit_early_removal_years: int = Field(
        1, ge=1, le=10, description="Years after listing before early removal (信用修复) may be applied for "
                                    "(Order 44 Article 21: 1).")
    credit_penalty_repair_months: int = Field(
        6, ge=1, le=60, description="Months after an ordinary penalty's publication before its public display may "
                                    "be repaired (信用修复管理办法: 6).")
    credit_penalty_repair_months_special: int = Field(
        12, ge=1, le=60, description="The same for food, drugs and special equipment (12).")
    credit_listing_review_workdays: int = Field(
        20, ge=1, le=120, description="Chinese working days within which an application for early removal from the "
                                      "serious-violation list is to be decided (Order 44: 20).")
    credit_penalty_review_workdays: int = Field(
        15, ge=1, le=120, description="Chinese working days within which an application to repair a penalty's "
                                      "publication is to be decided (信用修复管理办法: 15).")
    credit_penalty_publication_years: int = Field(
        3, ge=1, le=10, description="Years an administrative penalty stays on the public credit profile unless "
                                    "repaired earlier.")
    credit_class_public: bool = Field(
        False, description="Show the credit-risk class on public profiles (by default staff only).")
    ledger_origin: str = Field(
        "zhiliang.local/ledger",
        description="The log's name: the first line of every checkpoint and the name of its signing key "
                    "(a schema-less URL you control, e.g. zhiliang.example.gov.cn/ledger).")
    ledger_key_file: Path | None = Field(
        None, description="The platform's Ed25519 signing key (signed-note PRIVATE+KEY form); empty means "
                          "<data_dir>/ledger.key, created on first use with mode 0600.")
    ledger_witnesses: list[str] = Field(
        default_factory=list,
        description="Verifier keys (name+hexID+base64, C2SP tlog-cosignature) of witnesses whose cosignatures "
                    "are accepted; JSON list in the environment.")
    ledger_interval_ms: int = Field(200, ge=10, le=60_000,
                                    description="How often the sequencer looks for newly committed events.")
    ledger_batch_size: int = Field(2000, ge=1, le=100_000, description="Most events logged per transaction.")
    ledger_in_process: bool = Field(
        True, description="Run the sequencer inside zhiliang serve (one process wins the lock); turn off when "
                          "zhiliang ledger run runs on its own.")

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("zh", "en"):
            raise ValueError("default_locale must be zh or en / 语言只能是 zh 或 en")
        return value

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhiliang.db').resolve()}"

    def resolved_ledger_key_file(self) -> Path:
        """Where the ledger's signing key lives."""
        return self.ledger_key_file or self.data_dir / "ledger.key"

    def holiday_mapping(self) -> dict[str, list[str]] | None:
        """The extra holiday table from ``holiday_table``, or None when none is configured."""
        if self.holiday_table is None:
            return None
        return json.loads(self.holiday_table.read_text(encoding="utf-8"))
