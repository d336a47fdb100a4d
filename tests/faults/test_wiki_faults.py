"""A batch while the target wiki misbehaves: read-only for a while, a rate-limited account, fake
replication lag, HTML 502 pages or no answer at all (a fault proxy in front of it).

The batch is the CLI's own (``batch`` without ``--detach``), run in this process so the test can watch
the database and the client's log while it runs, and lift a fault once the batch has met it (never
after a fixed sleep). Every test ends with the files on the target exactly once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    assert_exactly_once,
    finished,
    items,
    start_worker,
    states,
    stop,
    the_batch,
    url_list,
    wait_for,
)
from sqlalchemy import select

from wikifile_transfer.cli.main import main
from wikifile_transfer.store.models import Event

pytestmark = pytest.mark.testbed


def cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--config", str(config), *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


class LogWatch(logging.Handler):
    """Sets ``seen`` when the wiki client logs a message containing ``text`` (a wait it makes)."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.INFO)
        self.text = text
        self.seen = threading.Event()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.count += 1
            self.seen.set()


@pytest.fixture
def api_log() -> Any:
    """``api_log("maxlag")``: a LogWatch on the API client's log for the test."""
    logger = logging.getLogger("wikifile_transfer.wiki.api")
    handlers: list[LogWatch] = []
    level = logger.level

    def watch(text: str) -> LogWatch:
        handler = LogWatch(text)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        handlers.append(handler)
        return handler

    yield watch
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(level)


def in_background(action: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def api_errors(db: Any, batch_id: int, key: str) -> int:
    with db.read_session() as session:
        return len(
            list(session.scalars(select(Event.id).where(Event.batch_id == batch_id, Event.key == key)))
        )


@pytest.mark.parametrize("runs_it", ["cli", "worker"])
def test_a_target_going_read_only_mid_batch_makes_the_items_wait_and_they_finish_afterwards(
    testbed, fault_env, write_config, sources, tmp_path, runtime_switch, capsys, runs_it
):
    # The production dispatch grace (300 s): with a worker, the wait must come from the retry's own
    # countdown message, not from the reconciler finding the item overdue.
    fault_env.set(WFT_RETRY_BACKOFF="1", WFT_MAX_ATTEMPTS="20", WFT_DISPATCH_GRACE="300")
    files = sources(5, versions=lambda n: 2 if n == 2 else 1)
    config = write_config()
    listing = str(url_list(tmp_path, files))
    db = fault_env.store()

    def read_only_for_a_while() -> None:
        batch_id = wait_for(lambda: the_batch(db), timeout=60, what="the batch")
        wait_for(
            lambda: states(db, batch_id).get("done"), timeout=60, interval=0.05, what="a first item done"
        )
        runtime_switch.set("commons", wgReadOnly="Fault test: the database is being moved")
        # lifted once every item that had not finished has met the read-only wiki and waits for it
        wait_for(
            lambda: all(
                i.state == "done" or i.error_key == "wft-error-readonly" for i in items(db, batch_id)
            ),
            timeout=60,
            what="every unfinished item waiting for the read-only wiki",
        )
        runtime_switch.reset("commons")

    switcher = in_background(read_only_for_a_while)
    if runs_it == "cli":
        code, result = cli(capsys, config, "batch", "--to", "commons", "--urls", listing)
        assert (code, result["status"]) == (0, "done"), result
        batch_id = result["batch"]
    else:
        code, queued = cli(capsys, config, "batch", "--to", "commons", "--urls", listing, "--detach")
        batch_id = queued["batch"]
        worker = start_worker(config, fault_env.log("worker"))
        try:
            wait_for(lambda: finished(db, batch_id), timeout=90, what="every item finished")
        finally:
            stop(worker)
    switcher.join(5)

    rows = items(db, batch_id)
    assert [(row.state, row.outcome) for row in rows] == [("done", "done")] * 5
    assert api_errors(db, batch_id, "wft-error-readonly") >= 1  # the batch did meet it
    assert any(row.attempts > 1 for row in rows), "no item had to wait"
    assert_exactly_once(testbed, files, [row.target_title for row in rows])


def test_a_rate_limited_account_is_paced_and_every_item_succeeds(
    testbed, fault_env, write_config, sources, tmp_path, runtime_switch, capsys, api_log
):
    # Alice's bot password has no highvolume grant, so $wgRateLimits applies to her: 2 uploads in 5 s.
    window, files_count = 5, 5
    runtime_switch.set("commons", wgRateLimits={"upload": {"user": [2, window]}})
    files = sources(files_count)
    config = write_config("alice", api_backoff=1.0)
    refused = api_log("ratelimited")

    code, result = cli(capsys, config, "batch", "--to", "commons", "--urls", str(url_list(tmp_path, files)))

    assert (code, result["status"]) == (0, "done"), result
    assert [i["status"] for i in result["items"]] == ["done"] * files_count
    targets = [i["target_title"] for i in result["items"]]
    assert_exactly_once(testbed, files, targets)
    assert refused.count >= 1  # the wiki did refuse, and the client waited
    log = testbed.anon("commons").get(
        action="query", list="logevents", letype="upload", leuser="Alice", lelimit="max"
    )["query"]["logevents"]
    times = sorted(e["timestamp"] for e in log if e["title"] in targets)
    assert len(times) == files_count
    # five uploads at two per window cannot all fall into one window
    first, last = (time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) for t in (times[0], times[-1]))
    assert last - first >= window - 1, times


def test_fake_replication_lag_makes_requests_wait_then_pass(
    testbed, fault_env, write_config, sources, tmp_path, runtime_switch, capsys, api_log
):
    files = sources(2)
    config = write_config()
    listing = str(url_list(tmp_path, files))
    code, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", listing, "--dry-run")
    assert [i["status"] for i in planned["items"]] == ["ready"] * 2, planned
    lagged = api_log("maxlag")
    runtime_switch.set("commons", tbFakeLag=12)  # over the client's maxlag=5: the wiki says "wait"

    def lift_when_met() -> None:
        if lagged.seen.wait(60):
            runtime_switch.reset("commons")

    lifter = in_background(lift_when_met)
    code, result = cli(capsys, config, "batch", "--to", "commons", "--urls", listing)
    lifter.join(5)

    assert lagged.count >= 1
    assert (code, result["status"]) == (0, "done"), result
    db = fault_env.store()
    # the requests waited and passed: no item needed a second attempt
    assert [(i.state, i.attempts) for i in items(db, result["batch"])] == [("done", 1)] * 2
    assert_exactly_once(testbed, files, [i["target_title"] for i in result["items"]])


@pytest.mark.parametrize(
    ("mode", "key"), [("html", "wft-error-http-status"), ("hang", "wft-error-wiki-unreachable")]
)
def test_a_target_answering_502_or_nothing_fails_items_clearly_and_a_later_retry_completes_them(
    testbed, fault_env, write_config, sources, tmp_path, fault_proxy, capsys, mode, key
):
    attempts, retries = 2, 1
    fault_env.set(WFT_MAX_ATTEMPTS=str(attempts), WFT_RETRY_BACKOFF="0.5")
    proxy = fault_proxy("commons")
    config = write_config(
        urls={"commons": proxy.api_url}, api_retries=retries, api_backoff=0.2, http_timeout=2
    )
    files = sources(2, versions=lambda n: 2 if n == 0 else 1)
    listing = str(url_list(tmp_path, files))
    code, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", listing, "--dry-run")
    assert [i["status"] for i in planned["items"]] == ["ready"] * 2, planned
    targets = [i["target_title"] for i in planned["items"]]

    proxy.html_error(502) if mode == "html" else proxy.hang()
    proxy.reset_counts()
    code, failed = cli(capsys, config, "batch", "--to", "commons", "--urls", listing)

    assert (code, failed["status"]) == (2, "failed"), failed
    for item in failed["items"]:
        assert item["status"] == "failed"
        assert item["error"]["key"] == key, item
        assert "Try again later" in item["error"]["message"] or "try again later" in item["error"]["message"]
    if mode == "html":
        assert "502" in failed["items"][0]["error"]["message"]
    # bounded: each attempt sent its request once and retried it once, then gave up
    sent = proxy.count(mode=mode)
    assert 2 * attempts <= sent <= 2 * attempts * (retries + 1), sent
    for target in targets:
        assert testbed.anon("commons").page(target).get("missing") is True  # nothing half-done

    proxy.pass_through()
    code, retried = cli(capsys, config, "retry", "--batch", str(failed["batch"]))
    assert code == 0, retried
    assert [i["status"] for i in retried["items"]] == ["done", "done"]
    assert_exactly_once(testbed, files, targets, marked=False)
