"""``kill -9`` in the middle of a 20-file batch (some files with two or three versions), then a restart:
every file ends up on the target exactly once — every version, in order, none missing, none twice, and
its bytes under no other name.

Two processes get killed: a ``wikifile-transfer worker`` (Celery, the embedded SQLite broker, whose
transport loses the messages the dead worker held: the reconciler dispatches them again) and the CLI
running a batch itself (the same command run again continues the batch, taking over the dead process's
claims at once). The CLI case keeps its state in MariaDB, the worker case in the embedded SQLite file.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from faultkit import (
    assert_exactly_once,
    clean_env,
    cli_command,
    finished,
    items,
    kill_9,
    start_worker,
    states,
    stop,
    the_batch,
    url_list,
    wait_for,
)
from sqlalchemy import select

from wikifile_transfer.store.models import Transfer, WikiSlot

pytestmark = pytest.mark.testbed

FILES = 20


def versions(n: int) -> int:
    """Four files with three versions, three with two, the others with one (each later version costs a
    second: MediaWiki archives versions by the second)."""
    return {0: 3, 3: 2}.get(n % 6, 1)


def mid_batch(db: Any, batch_id: int) -> dict[str, int] | None:
    """The moment to kill: some items done, several not started, and one in the middle of an upload
    (the request may or may not have reached the wiki: the next run must cope with either)."""
    rows = items(db, batch_id)
    done = sum(1 for row in rows if row.state == "done")
    uploading = any(row.state == "running" and row.current_step == "wft-step-upload" for row in rows)
    if 3 <= done <= len(rows) - 5 and uploading:
        return states(db, batch_id)
    return None


def test_kill_9_of_the_worker_mid_batch_then_a_restart_moves_every_file_exactly_once(
    testbed, fault_env, write_config, sources, tmp_path
):
    # The dead worker's claims would hold 60 s: the restarted worker must take them over at once. A
    # message lost with it is sent again 3 s after its deadline (both are minutes in production).
    fault_env.set(WFT_LEASE_SECONDS="60", WFT_DISPATCH_GRACE="3")
    files = sources(FILES, versions=versions)
    config = write_config()
    listing = url_list(tmp_path, files)

    queued = subprocess.run(
        cli_command(config, "batch", "--to", "commons", "--urls", str(listing), "--detach", "--json"),
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )
    assert queued.returncode == 0, queued.stderr
    batch_id = json.loads(queued.stdout)["batch"]
    assert json.loads(queued.stdout)["queued"] == FILES
    db = fault_env.store()

    worker = start_worker(config, fault_env.log("worker-1"))
    try:
        at_kill = wait_for(
            lambda: mid_batch(db, batch_id), timeout=90, interval=0.05, what="the batch under way"
        )
        kill_9(worker)
    finally:
        stop(worker)
    assert at_kill.get("done", 0) < FILES, at_kill

    restarted = start_worker(config, fault_env.log("worker-2"))
    try:
        wait_for(lambda: not held_by(db, worker.pid), timeout=20, what="the dead worker's claims taken over")
        wait_for(lambda: finished(db, batch_id), timeout=150, what="every item finished after the restart")
    finally:
        stop(restarted)

    rows = items(db, batch_id)
    assert [(row.state, row.error_key) for row in rows] == [("done", None)] * FILES
    assert_exactly_once(testbed, files, [row.target_title for row in rows])


def test_kill_9_of_the_cli_running_a_batch_then_the_same_command_finishes_it_exactly_once(
    testbed, fault_env, write_config, sources, tmp_path, database_url
):
    # The claims of the killed CLI last 60 s: the second run must take them over at once, not wait.
    fault_env.set(WFT_DATABASE_URL=database_url("mariadb"), WFT_LEASE_SECONDS="60")
    files = sources(FILES, versions=versions)
    config = write_config()
    command = cli_command(
        config, "batch", "--to", "commons", "--urls", str(url_list(tmp_path, files)), "--json"
    )
    db = fault_env.store()

    with open(fault_env.log("cli-1"), "ab") as log:
        first = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        batch_id = wait_for(lambda: the_batch(db), timeout=60, what="the batch in the database")
        at_kill = wait_for(
            lambda: mid_batch(db, batch_id), timeout=90, interval=0.05, what="the batch under way"
        )
        kill_9(first)
    finally:
        stop(first)
    assert at_kill.get("done", 0) < FILES, at_kill

    again = subprocess.run(command, capture_output=True, text=True, env=clean_env(), timeout=100, check=False)
    assert again.returncode == 0, again.stderr[-3000:]
    result = json.loads(again.stdout)
    assert result["batch"] == batch_id  # the same batch, continued
    assert result["status"] == "done"
    assert {item["status"] for item in result["items"]} <= {"done", "already_done"}
    assert_exactly_once(testbed, files, [item["target_title"] for item in result["items"]])
    # the dead process's claims were taken over at once, its wiki slots too (not left to expire)
    assert held_by(db, first.pid) == []


def held_by(db: Any, pid: int) -> list[str]:
    """Item claims and wiki slots whose owner names process ``pid``."""
    with db.read_session() as session:
        owners = list(session.scalars(select(Transfer.lease_owner).where(Transfer.lease_owner.is_not(None))))
        owners += list(session.scalars(select(WikiSlot.holder).where(WikiSlot.holder.is_not(None))))
    return [owner for owner in owners if f":{pid}:" in owner]
