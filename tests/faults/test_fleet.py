"""A fleet under faults: two web processes and two detection workers on PostgreSQL + Redis.

Under a bounded load, a web process is killed with SIGKILL, then the leading worker. After
each: every acknowledged report is in the database, detection resumes (the other worker
takes the lead well within 30 s), and a live page on the surviving node keeps receiving.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from sqlalchemy import Engine

from tests.conftest import _empty_postgres
from tests.faults.fleet import (
    Load,
    count_change_seen,
    detection_worker,
    last_tick,
    running_for_a_day,
    scale_out_environment,
    stored_comments,
    wait_for,
    web_node,
)

FAILOVER_LIMIT_SECONDS = 30.0


def test_killing_a_web_node_and_the_leading_worker_loses_nothing_and_detection_fails_over(
    postgres_engine: Engine, tmp_path: Path, redis_url: str
) -> None:
    _empty_postgres(postgres_engine)
    database_url = postgres_engine.url.render_as_string(hide_password=False)
    environment = scale_out_environment(database_url.replace("+psycopg", ""), redis_url)
    with contextlib.ExitStack() as stack:
        nodes = [
            stack.enter_context(web_node(tmp_path / f"web{index}", environment))
            for index in range(2)
        ]
        running_for_a_day(postgres_engine)
        # The first worker starts alone, so it is the one that leads.
        leader = stack.enter_context(detection_worker(tmp_path / "w1", environment))

        with Load(nodes) as load:
            # A real outage's worth of reports, so the workers have something to watch.
            assert wait_for(lambda: len(load.acknowledged) >= 400, timeout=60) is not None
            assert wait_for(lambda: last_tick(postgres_engine) is not None, timeout=60)
            stack.enter_context(detection_worker(tmp_path / "w2", environment))

            nodes[0].kill()  # web node A dies mid-load; the load goes on against both
            survivors = [nodes[1]]
            load.nodes = survivors
            acknowledged_before = len(load.acknowledged)
            assert wait_for(lambda: len(load.acknowledged) >= acknowledged_before + 100, 60)

            os.killpg(leader.pid, signal.SIGKILL)
            killed_at_tick = last_tick(postgres_engine)
            failover = wait_for(
                lambda: (last_tick(postgres_engine) or killed_at_tick) != killed_at_tick,
                FAILOVER_LIMIT_SECONDS,
            )
            assert failover is not None, "detection did not resume within 30 s"
            print(f"detection resumed {failover:.1f} s after the leader was killed")

            assert count_change_seen(survivors[0])  # live pages still receive

        assert load.acknowledged <= stored_comments(postgres_engine)  # nothing acknowledged lost
