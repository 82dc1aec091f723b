"""Official status sources and statements on SQL."""

from __future__ import annotations

from outagewatch.storage.sql_base import SqlBase


class SqlOfficial(SqlBase):
    pass
