"""Settings: the generated secret of an installation."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from outagewatch.config import Settings


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
