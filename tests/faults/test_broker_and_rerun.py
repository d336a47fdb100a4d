"""The queue loses everything, and the same batch is run a second time.

* Redis restarted in the middle of a batch (a Redis server of the test's own, without persistence, so
  every queued message is gone): the reconciler dispatches the lost items again and every file arrives
  exactly once. The state is in PostgreSQL here.
* The same ``batch`` command run again after it finished: a new batch that uploads nothing, creates no
  file version and no revision anywhere, and says "already done" for every item.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    assert_exactly_once,
    clean_env,
    cli_command,
    finished,
    items,
    revision_count,
    sha1s_on,
    start_worker,
    states,
    stop,
    url_list,
    wait_for,
)

from wikifile_transfer.cli.main import main

pytestmark = pytest.mark.testbed


def queue(config: Path, files: list[Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = ["batch", "--to", "commons", "--urls", str(url_list(tmp_path, files)), "--detach", "--json"]
    return subprocess.run(
        cli_command(config, *command),
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=120,
        check=False,
    )


def test_redis_restarted_mid_batch_loses_nothing(
    testbed, fault_env, write_config, sources, tmp_path, redis_server, database_url
):
    fault_env.set(
        CELERY_BROKER_URL=redis_server.url,
        WFT_QUEUE_PREFIX=f"wft-fault-{uuid.uuid4().hex[:8]}:",
        WFT_DATABASE_URL=database_url("postgresql"),
        WFT_DISPATCH_GRACE="3",
    )
    files = sources(10, versions=lambda n: 2 if n % 4 == 1 else 1)
    late = sources(2, stem="Queued during the outage")
    config = write_config()
    queued = queue(config, files, tmp_path)
    assert queued.returncode == 0, queued.stderr
    batch_id = json.loads(queued.stdout)["batch"]
    db = fault_env.store()

    log = fault_env.log("worker")
    worker = start_worker(config, log)
    try:
        at_restart = wait_for(
            lambda: (c := states(db, batch_id)).get("done", 0) >= 2 and c,
            timeout=90,
            interval=0.05,
            what="2 done",
        )
        redis_server.stop()
        # queueing while Redis is down: a clear error, and the items are kept for the reconciler
        refused = queue(config, late, tmp_path)
        redis_server.start()
        assert refused.returncode == 2, refused.stderr
        assert "cannot be reached" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
        late_batch = batch_id + 1  # the refused command's batch: created, planned, its items kept
        wait_for(
            lambda: finished(db, batch_id) and finished(db, late_batch),
            timeout=120,
            what="every item of both batches finished after the restart",
        )
    finally:
        stop(worker)
    assert at_restart.get("done", 0) < len(files), at_restart  # work was left when the messages went

    for batch, made in ((batch_id, files), (late_batch, late)):
        rows = items(db, batch)
        assert [(row.state, row.error_key) for row in rows] == [("done", None)] * len(made), log.read_text()[
            -3000:
        ]
        assert_exactly_once(testbed, made, [row.target_title for row in rows])


def wiki_state(testbed: Any, sources: list[Any], targets: list[str]) -> dict[str, Any]:
    """What a second run must not change: versions and revisions on the target, the source pages'
    revisions (the NowCommons tag), the target's upload log."""
    uploads = testbed.anon("commons").get(action="query", list="logevents", letype="upload", lelimit="max")
    return {
        "versions": [sha1s_on(testbed, "commons", t) for t in targets],
        "target_revisions": [revision_count(testbed, "commons", t) for t in targets],
        "source_revisions": [revision_count(testbed, "src", s.title) for s in sources],
        "uploads": sorted(
            (e["title"], e["timestamp"]) for e in uploads["query"]["logevents"] if e["title"] in targets
        ),
    }


def test_the_same_batch_run_twice_the_second_run_is_a_no_op_reported_as_already_done(
    testbed, fault_env, write_config, sources, tmp_path, capsys
):
    files = sources(3, versions=lambda n: 3 - n)
    config = write_config()
    command = [
        "--config",
        str(config),
        "batch",
        "--to",
        "commons",
        "--urls",
        str(url_list(tmp_path, files)),
        "--json",
    ]

    assert main(command) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["status"], [i["status"] for i in first["items"]]) == ("done", ["done"] * 3)
    targets = [i["target_title"] for i in first["items"]]
    assert_exactly_once(testbed, files, targets)
    before = wiki_state(testbed, files, targets)

    assert main(command) == 0
    second = json.loads(capsys.readouterr().out)

    assert second["batch"] != first["batch"]  # the first one finished: this is a new run of it
    assert second["status"] == "done"
    assert [i["status"] for i in second["items"]] == ["already_done"] * 3
    assert [i["target_title"] for i in second["items"]] == targets
    assert wiki_state(testbed, files, targets) == before
    db = fault_env.store()
    assert [(i.uploaded_count, i.steps_done) for i in items(db, second["batch"])] == [(0, [])] * 3
