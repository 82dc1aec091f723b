"""The hot path of report intake: reports and their counts written in one transaction, and the
atomic claim of a reporter's counting window."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Engine, bindparam, delete, insert

from outagewatch.basics.minutes import MINUTES_PER_HOUR, unix_minute
from outagewatch.storage import schema
from outagewatch.storage.prepared import Prepared
from outagewatch.storage.records import NetworkClaim, NewReport, UncountedReason, WindowClaim
from outagewatch.storage.sql_base import SqlBase

_TOTALS_COLUMN: dict[UncountedReason | None, str] = {
    None: "reports",
    "duplicate": "duplicates",
    "brigade": "discarded",
}


class SqlIntake(SqlBase):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        # Built once: constructing an upsert (its `excluded` columns above all) costs more
        # than executing it on the hot path of report intake.
        dialect = engine.dialect
        self._insert_reports = Prepared(insert(schema.reports), _REPORT_COLUMNS, dialect)
        self._add_totals = Prepared(
            self._adding_upsert(
                schema.minute_totals, ["service_id", "minute"], list(_TOTALS_COLUMN.values())
            ),
            ("service_id", "minute", *_TOTALS_COLUMN.values()),
            dialect,
        )
        self._add_hours = Prepared(
            self._adding_upsert(schema.hour_totals, ["service_id", "hour"], ["reports"]),
            ("service_id", "hour", "reports"),
            dialect,
        )
        breakdown_key = ("service_id", "minute", "problem", "country", "platform")
        self._add_breakdowns = Prepared(
            self._adding_upsert(schema.minute_breakdowns, list(breakdown_key), ["reports"]),
            (*breakdown_key, "reports"),
            dialect,
        )
        self._claim_windows = self._conditional_claim()
        self._number_networks = self._network_upsert()

    def record_reports(self, reports: Sequence[NewReport]) -> None:
        if not reports:
            return
        totals: dict[tuple[int, int], Counter[str]] = {}
        breakdowns: Counter[tuple[int, int, str, str, str]] = Counter()
        for report in reports:
            minute = unix_minute(report.received_at)
            column = _TOTALS_COLUMN[report.uncounted_reason]
            totals.setdefault((report.service_id, minute), Counter())[column] += 1
            if report.counted:
                key = (
                    report.service_id,
                    minute,
                    report.problem,
                    report.country or "",
                    report.platform or "",
                )
                breakdowns[key] += 1
        with self._connection(writes=True) as connection:
            self._insert_reports.execute_many(
                connection,
                [
                    (
                        report.service_id,
                        report.received_at,
                        report.problem,
                        report.platform,
                        report.country,
                        report.reporter_key,
                        report.network_key,
                        report.counted,
                        report.uncounted_reason,
                        report.comment,
                    )
                    for report in reports
                ],
            )
            self._add_totals.execute_many(
                connection,
                [
                    (service_id, minute, *(counts[name] for name in _TOTALS_COLUMN.values()))
                    for (service_id, minute), counts in totals.items()
                ],
            )
            if breakdowns:
                self._add_breakdowns.execute_many(
                    connection, [(*key, n) for key, n in breakdowns.items()]
                )
            hours = _by_hour(
                (service_id, minute, counts["reports"])
                for (service_id, minute), counts in totals.items()
            )
            if hours:
                self._add_hours.execute_many(connection, hours)

    def add_counts(
        self,
        totals: Sequence[tuple[int, int, int]],
        breakdowns: Sequence[tuple[int, int, str, str, str, int]],
    ) -> None:
        with self._connection(writes=True) as connection:
            self._add_totals.execute_many(
                connection, [(service_id, minute, n, 0, 0) for service_id, minute, n in totals]
            )
            self._add_breakdowns.execute_many(connection, list(breakdowns))
            hours = _by_hour(totals)
            if hours:
                self._add_hours.execute_many(connection, hours)

    def claim_reporter_windows(
        self, claims: Sequence[WindowClaim], *, window: timedelta
    ) -> list[bool]:
        if not claims:
            return []
        claim_ids = [secrets.randbits(62) for _ in claims]
        window_seconds = int(window.total_seconds())
        rows = [
            {
                "service_id": claim.service_id,
                "reporter_key": claim.reporter_key,
                "last_counted_at": int(claim.at.timestamp()),
                "claim": claim_id,
                "window_seconds": window_seconds,
            }
            for claim, claim_id in zip(claims, claim_ids, strict=True)
        ]
        # One statement may not touch a row twice (PostgreSQL refuses), so a reporter's
        # repeats within the batch go in later rounds, in order; usually there is one round.
        rounds: list[list[dict[str, Any]]] = []
        seen: Counter[tuple[int, str]] = Counter()
        for claim, row in zip(claims, rows, strict=True):
            key = (claim.service_id, claim.reporter_key)
            if seen[key] == len(rounds):
                rounds.append([])
            rounds[seen[key]].append(row)
            seen[key] += 1
        winners: set[int] = set()
        with self._connection(writes=True) as connection:
            for round_rows in rounds:
                # RETURNING yields a row only where the upsert inserted or updated: the winners.
                winners.update(connection.execute(self._claim_windows, round_rows).scalars())
        return [claim_id in winners for claim_id in claim_ids]

    def prune_reporter_windows(self, *, before: datetime) -> int:
        table = schema.reporter_windows
        networks = schema.network_windows
        with self._connection(writes=True) as connection:
            result = connection.execute(
                delete(table).where(table.c.last_counted_at < int(before.timestamp()))
            )
            # A network's window is done once it started before the horizon less a window
            # (the horizon is itself `now - window`, so the current one is never touched).
            connection.execute(
                delete(networks).where(
                    networks.c.window_start < int(before.timestamp()) - _LONGEST_WINDOW_SECONDS
                )
            )
            return int(result.rowcount)

    def number_network_reporters(
        self, claims: Sequence[NetworkClaim], *, window: timedelta
    ) -> list[int]:
        if not claims:
            return []
        window_seconds = int(window.total_seconds())
        keys = [
            (c.service_id, c.network_key, int(c.at.timestamp()) // window_seconds * window_seconds)
            for c in claims
        ]
        # One row per key and statement (PostgreSQL refuses to touch a row twice): each adds
        # its claims at once, and RETURNING gives the new total, from which each claim's
        # place follows; the row lock makes the addition atomic across writers.
        added = Counter(keys)
        rows = [
            {"service_id": service_id, "network_key": network, "window_start": start, "added": n}
            for (service_id, network, start), n in added.items()
        ]
        with self._connection(writes=True) as connection:
            totals = {
                (row.service_id, row.network_key, row.window_start): int(row.reporters)
                for row in connection.execute(self._number_networks, rows)
            }
        places: list[int] = []
        given: Counter[tuple[int, str, int]] = Counter()
        for key in keys:
            given[key] += 1
            places.append(totals[key] - added[key] + given[key])
        return places

    def _adding_upsert(self, table: Any, key: list[str], added: list[str]) -> Any:
        """INSERT the counts, or add them to the row already there."""
        statement = self._upsert(table)
        return statement.on_conflict_do_update(
            index_elements=key,
            set_={name: table.c[name] + statement.excluded[name] for name in added},
        )

    def _conditional_claim(self) -> Any:
        table = schema.reporter_windows
        statement = self._upsert(table).values(
            service_id=bindparam("service_id"),
            reporter_key=bindparam("reporter_key"),
            last_counted_at=bindparam("last_counted_at"),
            claim=bindparam("claim"),
        )
        # The row changes only when the reporter's last counted report is a window old; the
        # engine evaluates that under its row lock, so two writers cannot both win.
        return statement.on_conflict_do_update(
            index_elements=["service_id", "reporter_key"],
            set_={
                "last_counted_at": statement.excluded.last_counted_at,
                "claim": statement.excluded.claim,
            },
            where=table.c.last_counted_at
            <= statement.excluded.last_counted_at - bindparam("window_seconds", type_=BigInteger),
        ).returning(table.c.claim)

    def _network_upsert(self) -> Any:
        table = schema.network_windows
        statement = self._upsert(table).values(
            service_id=bindparam("service_id"),
            network_key=bindparam("network_key"),
            window_start=bindparam("window_start"),
            reporters=bindparam("added"),
        )
        return statement.on_conflict_do_update(
            index_elements=["service_id", "network_key", "window_start"],
            set_={"reporters": table.c.reporters + statement.excluded.reporters},
        ).returning(
            table.c.service_id, table.c.network_key, table.c.window_start, table.c.reporters
        )


# Network windows are kept this long past their start; longer than any sensible
# REPORT_WINDOW_MINUTES, and pruning is only housekeeping.
_LONGEST_WINDOW_SECONDS = 24 * 60 * 60

_REPORT_COLUMNS = (
    "service_id",
    "received_at",
    "problem",
    "platform",
    "country",
    "reporter_key",
    "network_key",
    "counted",
    "uncounted_reason",
    "comment",
)


def _by_hour(minutes: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """(service, minute, reports) summed into (service, hour, reports), zeros left out."""
    hours: Counter[tuple[int, int]] = Counter()
    for service_id, minute, reports in minutes:
        if reports:
            hours[(service_id, minute // MINUTES_PER_HOUR)] += reports
    return [(service_id, hour, n) for (service_id, hour), n in hours.items()]
