"""Settings from the environment (OUTAGEWATCH_*); no side effects at import."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class SettingsError(ValueError):
    """A setting is missing or does not fit with the others; the message says which."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTAGEWATCH_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Where the embedded data lives")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; empty means an embedded SQLite file in data_dir",
    )
    redis_url: str | None = None
    redis_live_channel: str = Field(
        default="ow:live",
        description="Redis channel of live updates: one site's nodes share it, another "
        "site on the same Redis picks its own",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    site_name: str = "OutageWatch"
    show_comments: bool = Field(
        default=True,
        description="Show report comments that pass the automatic checks on public pages",
    )
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL for links")

    secret_key: str | None = Field(
        default=None,
        description="Secret for reporter keys and tokens; empty: generated once into data_dir",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated networks whose X-Forwarded-For is believed",
    )
    report_window_minutes: int = Field(default=30, ge=1, description="One counted report per")
    rate_limit_burst: float = Field(default=30, gt=0, description="Reports per network at once")
    rate_limit_per_minute: float = Field(default=60, gt=0, description="Sustained, per network")
    max_pending_reports: int = Field(default=20_000, ge=1)
    run_detection: bool = Field(default=True, description="Run the detection tick in serve")
    demo: bool = Field(default=False, description="Simulated live traffic (serve --demo)")
    detection_interval_seconds: float = Field(default=5.0, gt=0)
    catalog_refresh_seconds: float = Field(
        default=5.0, gt=0, description="How soon an operator's catalog edit reaches other nodes"
    )

    smtp_host: str | None = Field(
        default=None, description="Outgoing mail server; empty: mail goes to a local maildir"
    )
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (port 587), tls (port 465) or none"
    )
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=20.0, gt=0)
    mail_from: str = Field(default="OutageWatch <alerts@localhost>", description="From address")
    run_delivery: bool = Field(default=True, description="Deliver notifications in serve")
    delivery_interval_seconds: float = Field(default=2.0, gt=0)
    operator_emails: str = Field(
        default="", description="Comma-separated addresses whose accounts are operators"
    )
    probe_websites: bool = Field(
        default=False,
        description="Probe each service's website from this server (outbound HTTP requests)",
    )
    poll_official_status: bool = Field(
        default=True, description="Read services' official status pages (outbound HTTP)"
    )
    allow_private_webhooks: bool = Field(
        default=False, description="Let webhooks and Apprise URLs reach private addresses"
    )
    notify_proxy: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+/?$",
        description="Send webhooks and Apprise notifications through this proxy "
        "(http://host:port); HTTP_PROXY and the like are never used for them",
    )
    local_mail_page: bool = Field(
        default=False,
        description="Show /operator/mail (everyone's sign-in links) to anyone on this machine",
    )
    metrics_networks: str = Field(
        default="127.0.0.0/8,::1/128",
        description="Comma-separated networks that may read /metrics",
    )
    # Retention (operations/retention.py): detection reads a week of mentions and the last
    # hour of minutes, usual levels read weeks of hours; the floors keep them working.
    keep_reports_days: int = Field(default=30, ge=1, description="Raw report rows")
    keep_minutes_days: int = Field(default=14, ge=8, description="Per-minute totals")
    keep_hours_days: int = Field(default=35, ge=35, description="Hourly totals")
    keep_daily_days: int = Field(default=3 * 365, ge=35, description="Daily totals")
    keep_messages_days: int = Field(default=30, ge=1, description="Sent or failed messages")
    log_format: Literal["text", "json"] = Field(
        default="text", description="One line per request and background step: text or json"
    )
    # A line per request costs the leanest answer (status JSON under a crowd) 8-24 % of its
    # rate, 8-14 us of server CPU per answer, the echoed header in the server about half of
    # it (bench/read.py --request-log-cost); behind a proxy that logs requests, turn it off.
    log_requests: bool = Field(default=True, description="One log line per request")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'outagewatch.db').resolve()}"

    def maildir_path(self) -> Path:
        return self.data_dir / "mail"

    def operators(self) -> frozenset[str]:
        return frozenset(
            address.strip().lower()
            for address in self.operator_emails.split(",")
            if address.strip()
        )

    def resolved_secret(self) -> bytes:
        """The configured secret, or one generated on first use and kept in the data dir.

        Every process of an installation must share it, or one person would count once per
        process; a file beside the database gives that without any set-up.
        """
        if self.secret_key:
            return self.secret_key.encode()
        if self.database_url and self.database_url.startswith("postgresql"):
            raise SettingsError(
                "OUTAGEWATCH_SECRET_KEY must be set when the database is PostgreSQL: every web "
                "node and worker must share one secret (it keys reporters and signs sign-in and "
                "unsubscribe links), and one generated per host would differ. Generate one "
                "with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            candidate = path.with_suffix(f".{os.getpid()}.tmp")
            # Created owner-only: written first and chmod-ed after, it would be readable by
            # anyone on the host for a moment. A crashed process of the same pid may have
            # left one behind.
            candidate.unlink(missing_ok=True)
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
            try:
                os.link(candidate, path)  # atomic: if another process won, keep its secret
            except FileExistsError:
                pass
            finally:
                candidate.unlink()
        return path.read_text().strip().encode()
