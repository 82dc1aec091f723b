"""Settings: the generated secret of an installation."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from outagewatch.config import Settings, SettingsError


def test_a_generated_secret_is_kept_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).resolved_secret()

    again = Settings(data_dir=tmp_path).resolved_secret()

    assert first == again and len(first) == 64
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret.key"]  # no temporary left


def test_a_temporary_file_left_by_a_crash_does_not_stop_the_next_start(tmp_path: Path) -> None:
    # Its name is the pid's, and a restarted process may get the same pid.
    (tmp_path / f"secret.{os.getpid()}.tmp").write_text("half-written")
    settings = Settings(data_dir=tmp_path)

    secret = settings.resolved_secret()

    assert len(secret) == 64


def test_a_postgresql_installation_must_name_its_shared_secret(tmp_path: Path) -> None:
    fleet = Settings(data_dir=tmp_path, database_url="postgresql://db.internal/outagewatch")

    with pytest.raises(SettingsError, match="OUTAGEWATCH_SECRET_KEY must be set"):
        fleet.resolved_secret()
    assert list(tmp_path.iterdir()) == []  # no per-host secret was made
    assert fleet.model_copy(update={"secret_key": "s" * 64}).resolved_secret() == b"s" * 64
