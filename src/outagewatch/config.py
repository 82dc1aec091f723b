"""Settings from the environment (OUTAGEWATCH_*); no side effects at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTAGEWATCH_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Where the embedded data lives")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; empty means an embedded SQLite file in data_dir",
    )
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    site_name: str = "OutageWatch"
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL for links")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'outagewatch.db').resolve()}"
