"""Statements compiled once and run through the driver's executemany, for hot writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


class Prepared:
    """A Core statement compiled once, run through the driver's own executemany.

    For the per-report writes only: SQLAlchemy's per-row parameter handling cost more than
    the database work itself there (bench/ingest.py, profiled). The SQL is still generated
    by SQLAlchemy for each engine, and values still pass through each column type's own
    bind processor, so what is stored is exactly what Core would store.
    """

    def __init__(self, statement: Any, columns: tuple[str, ...], dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        self._sql = str(compiled)
        table = statement.table
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        self._processors = [(index, p) for index, p in enumerate(processors) if p is not None]
        self._columns = columns
        # qmark drivers (sqlite3) want values in the order the SQL names them; None: by name
        self._order = (
            [columns.index(name) for name in compiled.positiontup or ()]
            if compiled.positional
            else None
        )

    def _shape(self, row: tuple[Any, ...]) -> tuple[Any, ...] | dict[str, Any]:
        if self._order is None:
            return dict(zip(self._columns, row, strict=True))
        return tuple(row[index] for index in self._order)

    def execute_many(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._processors:
            converted = []
            for row in rows:
                values = list(row)
                for index, process in self._processors:
                    values[index] = process(values[index])
                converted.append(values)
            rows = [tuple(values) for values in converted]
        connection.exec_driver_sql(self._sql, [self._shape(row) for row in rows])
