"""Real engine faults: PostgreSQL restarted and Redis stopped under load, on a fleet of two
web processes and a detection worker (servers of the test's own; see tests/engines.py).

After each: every acknowledged report is in the database, detection resumes, and live pages
resume, across nodes too. Two deliverers send the followers' mails meanwhile: each message
arrives exactly once.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from outagewatch.notify.deliverer import LEASE
from outagewatch.storage.sql import make_engine
from tests.engines import PrivatePostgres, PrivateRedis, private_postgres, private_redis
from tests.faults.fleet import (
    Load,
    add_followers,
    count_change_seen,
    deliverer,
    detection_worker,
    last_tick,
    outbox_states,
    running_for_a_day,
    scale_out_environment,
    stored_comments,
    wait_for,
    web_node,
)
from tests.mailserver import MailServer
from tests.serving import ServerProcess

RESUME_LIMIT_SECONDS = 30.0
FOLLOWERS = 40
LEASE_BOUND = LEASE.total_seconds() + 60
DOWN_SECONDS = 4.0


def test_postgresql_restarted_and_redis_stopped_lose_nothing_and_all_resumes(
    tmp_path: Path, mail_server: MailServer
) -> None:
    with contextlib.ExitStack() as stack:
        postgres = stack.enter_context(private_postgres())
        redis_server = stack.enter_context(private_redis())
        engine = make_engine(postgres.url)
        stack.callback(engine.dispose)
        environment = scale_out_environment(postgres.url, redis_server.url)
        # One after the other: the first migrates the empty database and loads the catalog.
        nodes = [
            stack.enter_context(web_node(tmp_path / f"web{index}", environment))
            for index in range(2)
        ]
        running_for_a_day(engine)
        stack.enter_context(detection_worker(tmp_path / "worker", environment))
        add_followers(engine, FOLLOWERS, now=datetime.now(UTC))
        for name in ("mail1", "mail2"):
            stack.enter_context(deliverer(tmp_path / name, environment, mail_server))

        with Load(nodes) as load:
            assert wait_for(lambda: len(load.acknowledged) >= 300, timeout=60) is not None
            assert wait_for(lambda: last_tick(engine) is not None, timeout=60) is not None

            _restart_postgresql(postgres, engine, load, nodes)
            _stop_redis_for_a_while(redis_server, load, nodes)

        assert load.acknowledged <= stored_comments(engine)  # nothing acknowledged lost
        print(f"{len(load.acknowledged)} acknowledged, {load.refused} refused meanwhile")

        # The outage was detected, so each follower was sent "problems started" (and maybe
        # "worse"): every queued message sent, each exactly once.
        # Deliverers retry what they held through the restart at once; the bound still allows
        # for a lease (90 s) running out, which is how a message of a dead deliverer moves on.
        settled = wait_for(lambda: set(outbox_states(engine)) == {"sent"}, LEASE_BOUND)
        unsettled = f"outbox {outbox_states(engine)}, {len(mail_server.messages)} mails"
        assert settled is not None, unsettled
        sent = outbox_states(engine)["sent"]
        mails = mail_server.wait_for(sent)
        assert sent >= FOLLOWERS
        assert len(mails) == sent
        assert len({mail["Message-ID"] for mail in mails}) == sent


def _restart_postgresql(
    postgres: PrivatePostgres, engine: Engine, load: Load, nodes: list[ServerProcess]
) -> None:
    tick_before = last_tick(engine)
    refused_before = load.refused
    postgres.stop()
    # Down for several of the worker's turns (one a second), so it meets the database away;
    # meanwhile reports are refused (503 with Retry-After), never acknowledged.
    back_after = time.monotonic() + DOWN_SECONDS
    down = wait_for(
        lambda: load.refused >= refused_before + 20 and time.monotonic() >= back_after, 30
    )
    assert down is not None
    acknowledged_while_down = len(load.acknowledged)
    postgres.start()
    engine.dispose()  # this test's own pooled connections died with the server

    resumed = wait_for(lambda: len(load.acknowledged) >= acknowledged_while_down + 100, 60)
    assert resumed is not None, "report intake did not recover after PostgreSQL came back"
    detection = wait_for(lambda: last_tick(engine) != tick_before, RESUME_LIMIT_SECONDS)
    assert detection is not None, "detection did not resume after PostgreSQL came back"
    print(f"after the restart: intake back in {resumed:.1f} s, detection in {detection:.1f} s")
    assert all(count_change_seen(node) for node in nodes)


def _stop_redis_for_a_while(
    redis_server: PrivateRedis, load: Load, nodes: list[ServerProcess]
) -> None:
    redis_server.stop()
    acknowledged = len(load.acknowledged)
    # The site keeps working: rate limits fall back to each node's own buckets...
    assert wait_for(lambda: len(load.acknowledged) >= acknowledged + 100, 30) is not None
    # ...and a viewer on one node still sees reports taken by the other (through PostgreSQL).
    load.nodes = [nodes[0]]
    assert count_change_seen(nodes[1])

    redis_server.start()
    acknowledged = len(load.acknowledged)
    assert wait_for(lambda: len(load.acknowledged) >= acknowledged + 100, 30) is not None
    assert count_change_seen(nodes[1])
    load.nodes = nodes
