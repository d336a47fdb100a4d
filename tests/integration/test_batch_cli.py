"""Batches end to end through the CLI against the real testbed: URL lists, categories, dry run then run,
history, retry, and the same command run again. The database is a SQLite file of the test's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_transfer import fresh_seed, sha1s_on, src_url, unique
from testbed.tbclient import png_bytes

from wikifile_transfer.cli.main import main

pytestmark = pytest.mark.testbed


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("WFT_DATA_DIR", str(folder))
    monkeypatch.delenv("WFT_DATABASE_URL", raising=False)
    monkeypatch.setenv("WFT_RETRY_BACKOFF", "0.5")
    monkeypatch.setenv("WFT_SLOT_WAIT", "0.2")
    return folder


def cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--config", str(config), *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def new_files(testbed: Any, count: int, *, text: str = "{{Information|description=Batch test}}") -> list[str]:
    client = testbed.client("src", "alice")
    titles = []
    for n in range(count):
        name = unique(f"Batch {n}.png")
        client.upload(
            name, png_bytes(40 + n, 30, seed=fresh_seed(), noise=True), text=text, comment="Own work"
        )
        titles.append(f"File:{name}")
    return titles


def test_a_url_list_runs_to_the_end_and_the_same_command_again_uploads_nothing(
    testbed, write_config, tmp_path, capsys
):
    config = write_config()
    titles = new_files(testbed, 3)
    lines = [src_url(testbed, t) for t in titles]
    missing = src_url(testbed, "File:" + unique("Never uploaded.png"))
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# three files, one missing, one bad line\n" + "\n".join([*lines, missing, "nonsense"]) + "\n"
    )

    code, result = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))

    assert result["status"] == "partial"
    statuses = [item["status"] for item in result["items"]]
    assert statuses == ["done", "done", "done", "failed", "failed"], result
    assert result["items"][3]["error"]["key"] == "wft-error-missing-file"
    assert result["items"][4]["error"]["key"] == "wft-error-bad-input"
    assert code == 2
    for title, item in zip(titles, result["items"], strict=False):
        assert sha1s_on(testbed, "commons", item["target_title"]) == sha1s_on(testbed, "src", title)

    code, again = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))
    assert again["batch"] != result["batch"]
    assert [i["status"] for i in again["items"]][:3] == ["already_done"] * 3
    for item in again["items"][:3]:
        assert len(sha1s_on(testbed, "commons", item["target_title"])) == 1  # no second version


def test_dry_run_uploads_nothing_then_the_same_command_runs_the_planned_batch(
    testbed, write_config, tmp_path, capsys
):
    config = write_config()
    titles = new_files(testbed, 2)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(f"src:{t}" for t in titles) + "\n")

    code, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing), "--dry-run")
    assert code == 0, planned
    assert planned["status"] == "planned"
    assert [i["status"] for i in planned["items"]] == ["ready", "ready"]
    for item in planned["items"]:
        assert sha1s_on(testbed, "commons", item["target_title"]) == []

    code, done = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))
    assert code == 0, done
    assert done["batch"] == planned["batch"]  # the planned batch continued, not a new one
    assert [i["status"] for i in done["items"]] == ["done", "done"]


def test_a_category_batch_with_a_blocked_item(testbed, write_config, capsys):
    config = write_config()
    category = "Category:" + unique("Batch cat.x").rsplit(".", 1)[0]
    free = new_files(testbed, 2, text=f"{{{{Information|description=Free}}}}\n[[{category}]]")
    nonfree = new_files(testbed, 1, text=f"{{{{Non-free logo}}}}\n[[{category}]]")

    code, result = cli(capsys, config, "batch", "--to", "commons", "--category", f"src:{category}")

    by_source = {item["source"].rsplit("/", 1)[-1].replace("_", " "): item for item in result["items"]}
    assert len(by_source) == 3
    assert by_source[nonfree[0]]["status"] == "blocked"
    assert any(c["id"] == "licence" for c in by_source[nonfree[0]]["checks"])
    for title in free:
        assert by_source[title]["status"] == "done", by_source[title]
    assert result["status"] == "partial"
    assert code == 1
    assert sha1s_on(testbed, "commons", by_source[nonfree[0]]["target_title"]) == []


def test_history_lists_the_batch_and_filters_it(testbed, write_config, tmp_path, capsys):
    config = write_config()
    titles = new_files(testbed, 2)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(f"src:{t}" for t in titles) + "\n")
    _, result = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))

    code, page = cli(capsys, config, "history", "--batch", str(result["batch"]))
    assert code == 0
    assert {i["id"] for i in page["items"]} == {i["id"] for i in result["items"]}
    assert all(i["status"] == "done" for i in page["items"]), page

    _, failed = cli(capsys, config, "history", "--batch", str(result["batch"]), "--state", "failed")
    assert failed["items"] == []
    _, by_title = cli(capsys, config, "history", "--title", titles[0].split(":", 1)[1][:20])
    assert [i["id"] for i in by_title["items"]] == [result["items"][0]["id"]]


def test_retry_of_a_failed_item_completes_it_once(
    testbed, write_config, tmp_path, capsys, runtime_switch: Any
):
    config = write_config()
    (title,) = new_files(testbed, 1)
    listing = tmp_path / "urls.txt"
    listing.write_text(f"src:{title}\n")
    # The target refuses every upload: the file is too large for it (a permanent failure for this run).
    code, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing), "--dry-run")
    assert planned["items"][0]["status"] == "ready"
    runtime_switch.set("commons", wgMaxUploadSize=10)
    code, result = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))
    assert result["items"][0]["status"] == "blocked"
    runtime_switch.reset("commons")

    code, retried = cli(capsys, config, "retry", "--batch", str(result["batch"]), "--all")
    assert code == 0
    assert [i["status"] for i in retried["items"]] == ["done"]
    assert sha1s_on(testbed, "commons", retried["items"][0]["target_title"]) == sha1s_on(
        testbed, "src", title
    )
    code, again = cli(capsys, config, "retry", str(retried["items"][0]["id"]))
    assert [i["status"] for i in again["items"]] == ["already_done"]
    assert len(sha1s_on(testbed, "commons", again["items"][0]["target_title"])) == 1


def test_items_left_out_or_renamed_before_the_run(testbed, write_config, tmp_path, capsys):
    config = write_config()
    titles = new_files(testbed, 3)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(f"src:{t}" for t in titles) + "\n")
    _, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing), "--dry-run")
    first, second, third = (item["id"] for item in planned["items"])
    new_name = unique("Renamed in the dry run.png")

    code, excluded = cli(capsys, config, "item", str(first), "--exclude")
    assert code == 0
    assert excluded["status"] == "excluded"
    code, renamed = cli(capsys, config, "item", str(second), "--title", new_name)
    assert renamed["requested_title"] == new_name
    assert renamed["status"] == "planned"  # checked again before the run

    code, done = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing))
    assert done["batch"] == planned["batch"]
    statuses = {item["id"]: item for item in done["items"]}
    assert statuses[first]["status"] == "excluded"
    assert statuses[second]["status"] == "done"
    assert statuses[second]["target_title"] == f"File:{new_name}"
    assert statuses[third]["status"] == "done"
    assert done["status"] == "done"
    assert code == 0
    assert sha1s_on(testbed, "commons", f"File:{new_name}") == sha1s_on(testbed, "src", titles[1])
    assert sha1s_on(testbed, "commons", titles[0]) == []  # the excluded file was not transferred

    code = main(["--config", str(config), "item", str(third), "--exclude"])
    assert code == 2  # it ran already: it can no longer be left out
    assert "cannot be changed" in capsys.readouterr().err


def test_cancelling_a_planned_batch(testbed, write_config, tmp_path, capsys):
    config = write_config()
    titles = new_files(testbed, 2)
    listing = tmp_path / "urls.txt"
    listing.write_text("\n".join(f"src:{t}" for t in titles) + "\n")
    _, planned = cli(capsys, config, "batch", "--to", "commons", "--urls", str(listing), "--dry-run")
    assert main(["--config", str(config), "cancel", str(planned["batch"])]) == 0
    capsys.readouterr()
    _, page = cli(capsys, config, "history", "--batch", str(planned["batch"]))
    assert [i["status"] for i in page["items"]] == ["cancelled", "cancelled"]
    assert main(["--config", str(config), "cancel", "999999"]) == 2
