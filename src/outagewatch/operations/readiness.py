"""Is this node ready to serve? The database answers at the newest schema, and, where this
process runs detection, its last tick is recent. Each failed check gives a reason a person
can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from outagewatch.operations.ticks import TickRecord
from outagewatch.storage import migrate

STALLED_AFTER_TICKS = 6  # intervals without a completed tick before the node says so
STALLED_AFTER_AT_LEAST = timedelta(seconds=30)  # a long tick on a busy host is not a stall


@dataclass(frozen=True, slots=True)
class Readiness:
    reasons: tuple[str, ...]
    schema_revision: str | None
    last_tick_at: datetime | None
    last_tick_error: str | None

    @property
    def ready(self) -> bool:
        return not self.reasons


@cache
def newest_revision() -> str:
    head = ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def stalled_after(interval_seconds: float) -> timedelta:
    return max(timedelta(seconds=interval_seconds * STALLED_AFTER_TICKS), STALLED_AFTER_AT_LEAST)


def check(
    engine: Engine, *, ticks: TickRecord | None, interval_seconds: float, now: datetime
) -> Readiness:
    """Blocking (one small query): call it from a thread."""
    reasons: list[str] = []
    revision: str | None = None
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as error:
        reasons.append(f"database unreachable: {type(error).__name__}")
    else:
        if revision != newest_revision():
            reasons.append(
                f"database schema is at {revision}, the code needs {newest_revision()}: "
                "run `outagewatch migrate`"
            )
    age = ticks.age(now=now) if ticks is not None else None
    if age is not None and age > stalled_after(interval_seconds):
        seconds = int(age.total_seconds())
        reasons.append(
            f"detection tick stalled: none completed in {seconds} s"
            + (f" (last error: {ticks.last_error})" if ticks and ticks.last_error else "")
        )
    return Readiness(
        reasons=tuple(reasons),
        schema_revision=revision,
        last_tick_at=ticks.last_completed_at if ticks else None,
        last_tick_error=ticks.last_error if ticks else None,
    )
