"""One file transferred between two real wikis, end to end, through the library and the CLI.

Every test transfers to a title of its own on the Commons-like wiki, so tests do not depend on each
other's order. The temp folder of every run is checked empty after every test (``temp_dir`` fixture).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from testbed.seed import SUNSET_V1, SUNSET_V2, SUNSET_V3, SUNSET_V4
from testbed.tbclient import ogg_bytes, pdf_bytes, png_bytes, svg_bytes, wait_next_second, webm_bytes

from wikifile_transfer.cli.main import main, make_service
from wikifile_transfer.config import load_config
from wikifile_transfer.transfer.executor import NullListener
from wikifile_transfer.transfer.model import Outcome, Status
from wikifile_transfer.transfer.service import TransferOutcome, TransferService

pytestmark = pytest.mark.testbed


def unique(name: str) -> str:
    stem, ext = name.rsplit(".", 1)
    return f"WFT {uuid.uuid4().hex[:8]} {stem}.{ext}"


@pytest.fixture
def temp_dir(tmp_path: Path) -> Iterator[Path]:
    """The folder every transfer of a test downloads into: it must be empty again after the test."""
    folder = tmp_path / "wft-temp"
    folder.mkdir()
    yield folder
    assert list(folder.iterdir()) == [], "a transfer left temp files behind"


@pytest.fixture
def write_config(testbed: Any, tmp_path: Path, temp_dir: Path) -> Callable[..., Path]:
    """A configuration file for the testbed wikis; ``user`` picks the account used on every wiki."""

    def write(user: str = "admin", **extra: Any) -> Path:
        account = testbed.users[user]
        lines = ['contact = "tests@localhost"', f'temp_dir = "{temp_dir}"']
        lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
        for name, wiki in testbed.wikis.items():
            lines += [
                f"[wikis.{name}]",
                f'url = "{wiki["url"]}"',
                f'username = "{account["login"]}"',
                f'password = "{account["password"]}"',
            ]
        path = tmp_path / f"config-{user}-{uuid.uuid4().hex[:6]}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


def fresh_seed() -> int:
    return uuid.uuid4().int % 1_000_000_000


@pytest.fixture
def sunset(testbed: Any) -> str:
    """A new copy of the seeded three-version file, with bytes of its own: File:… on ``src``.

    Each test transfers its own copy, because the target refuses bytes it already holds (the duplicate
    check), and tests must not depend on each other or on a fresh testbed.
    """
    admin, alice, bob = (testbed.client("src", user) for user in ("admin", "alice", "bob"))
    name = unique("Sunset.png")
    seed = fresh_seed()
    alice.upload(
        name, png_bytes(320, 200, seed=seed), text=SUNSET_V1, comment="Sunset over the sea, own work"
    )
    bob.edit(f"File:{name}", SUNSET_V2, "Mention the sailing boat")
    wait_next_second()
    bob.upload(name, png_bytes(400, 250, seed=seed + 1), comment="Larger version, better crop")
    admin.edit(f"File:{name}", SUNSET_V3, "Add [[Category:Test images]]")
    wait_next_second()
    admin.upload(name, png_bytes(480, 300, seed=seed + 2), comment="Colour-corrected version")
    alice.edit(f"File:{name}", SUNSET_V4, "More precise date")
    return f"File:{name}"


MAKERS: dict[str, Callable[[int], bytes]] = {
    "png": lambda seed: png_bytes(64, 48, seed=seed),
    "svg": lambda seed: svg_bytes(seed=seed),
    "pdf": lambda seed: pdf_bytes(seed=seed),
    "ogg": lambda seed: ogg_bytes(20_000, seed=seed),
    "webm": lambda seed: webm_bytes(30_000, seed=seed),
}


@pytest.fixture
def one_file(testbed: Any) -> Callable[..., str]:
    """Upload a new one-version file of ``kind`` with unique bytes to ``src``; returns its title."""

    def make(kind: str = "png", text: str = "{{Information|description=A test file}}") -> str:
        name = unique(f"Test file.{kind}")
        testbed.client("src", "alice").upload(name, MAKERS[kind](fresh_seed()), text=text, comment="Own work")
        return f"File:{name}"

    return make


def sha1s_on(testbed: Any, wiki: str, title: str) -> list[str]:
    """sha1 of every version under ``title`` on ``wiki``, oldest first."""
    return [v["sha1"] for v in reversed(testbed.anon(wiki).page(title).get("imageinfo", []))]


def service_for(config: Path) -> TransferService:
    return make_service(load_config(config))


def source_url(testbed: Any, role: str, wiki: str = "src") -> str:
    return testbed.url(wiki).rstrip("/") + "/wiki/" + testbed.files[role].replace(" ", "_")


def target_page(testbed: Any, title: str) -> dict[str, Any]:
    return testbed.anon("commons").page(title)


def target_sha1s(testbed: Any, title: str) -> list[str]:
    return sha1s_on(testbed, "commons", title)


def run_cli(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--config", str(config), "transfer", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def check_of(outcome: TransferOutcome, check_id: str) -> Any:
    result = outcome.report.get(check_id)
    assert result is not None, f"no check {check_id}"
    return result


class SwitchingListener(NullListener):
    """Flips a run-time switch when the executor reaches a given step: a wiki that breaks mid-run."""

    def __init__(self, key: str, params: tuple[str, ...], action: Callable[[], None]) -> None:
        self.key, self.params, self.action = key, params, action

    def step(self, key: str, *params: str) -> None:
        if key == self.key and params == self.params:
            self.action()


# --- the main path -----------------------------------------------------------------------------


def src_url(testbed: Any, title: str, wiki: str = "src") -> str:
    return testbed.url(wiki).rstrip("/") + "/wiki/" + title.replace(" ", "_")


def test_three_versions_arrive_oldest_first_with_credits_and_a_second_run_changes_nothing(
    testbed, write_config, capsys, sunset
):
    config = write_config("admin")
    title = unique("Sunset.png")
    expected = sha1s_on(testbed, "src", sunset)
    assert len(expected) == 3
    code, answer = run_cli(capsys, config, src_url(testbed, sunset), "--to", "commons", "--title", title)
    assert code == 0, answer["error"]
    assert answer["status"] == "done"
    assert [v["sha1"] for v in answer["versions"]] == expected
    assert [v["user"] for v in answer["versions"]] == ["Alice", "Bob", "Admin"]
    assert all(c["result"] == "pass" for c in answer["checks"])

    page = target_page(testbed, f"File:{title}")
    assert target_sha1s(testbed, f"File:{title}") == expected
    text = page["revisions"][0]["slots"]["main"]["content"]
    for uploader in ("Alice", "Bob", "Admin"):
        assert f"[[:en:User:{uploader}|{uploader}]]" in text
    assert "{{int:filedesc}}" in text and "{{int:license-header}}" in text
    # a category that exists on the target is kept; one that does not is commented out, not lost
    assert "\n[[Category:Sunsets]]" in text
    assert "<!-- [[Category:Test images]] -->" in text
    # the account may import: the description page's own history came along, with its authors
    history = testbed.anon("commons").page(f"File:{title}", rvlimit="max")["revisions"]
    assert {"Alice", "Bob", "Admin"} <= {r["user"] for r in history}
    assert "More precise date" in {r.get("comment") for r in history}
    # later versions name their original uploader in the upload comment
    comments = [v["comment"] for v in reversed(page["imageinfo"])]
    assert "Bob" in comments[1] and "Larger version, better crop" in comments[1]
    assert "Admin" in comments[2] and "Colour-corrected version" in comments[2]

    code, again = run_cli(capsys, config, src_url(testbed, sunset), "--to", "commons", "--title", title)
    assert code == 0
    assert again["status"] == "already_done"
    assert target_sha1s(testbed, f"File:{title}") == expected
    assert len(testbed.anon("commons").page(f"File:{title}", rvlimit="max")["revisions"]) == len(history)


def test_without_import_right_the_page_names_every_author(testbed, write_config, sunset):
    config = write_config("alice")  # no import grant: the provenance section carries the credits
    title = unique("Sunset.png")
    outcome = service_for(config).transfer(f"src:{sunset}", "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert outcome.plan is not None and not outcome.plan.import_history
    text = target_page(testbed, f"File:{title}")["revisions"][0]["slots"]["main"]["content"]
    assert "== Original upload log ==" in text
    assert (
        "Authors of the original description page: "
        "[[:en:User:Alice|Alice]], [[:en:User:Bob|Bob]], [[:en:User:Admin|Admin]]."
    ) in text
    assert target_sha1s(testbed, f"File:{title}") == sha1s_on(testbed, "src", sunset)


@pytest.mark.parametrize("kind", ["svg", "pdf", "ogg", "webm"])
def test_every_kind_of_file_goes_through(testbed, write_config, one_file, kind):
    config = write_config("admin")
    source = one_file(kind)
    title = unique(f"Copy.{kind}")
    outcome = service_for(config).transfer(src_url(testbed, source), "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert target_sha1s(testbed, f"File:{title}") == sha1s_on(testbed, "src", source)


def test_the_seeded_roles_plan_and_check_as_expected(testbed, write_config):
    """Dry runs of the seeded files: the duplicate is blocked, the others pass (nothing is uploaded)."""
    config = write_config("admin")
    service = service_for(config)
    for role in ("own_work", "loose_text", "svg", "pdf", "audio", "video", "duplicate"):
        outcome = service.transfer(src_url(testbed, testbed.files[role]), "commons", dry_run=True)
        duplicate = check_of(outcome, "duplicate")
        if role == "duplicate":
            assert outcome.status is Status.BLOCKED
            assert duplicate.outcome is Outcome.BLOCK
        else:
            assert outcome.status in (Status.PLANNED, Status.BLOCKED), outcome.error
            assert check_of(outcome, "extension").outcome is Outcome.PASS
            assert outcome.plan is not None and outcome.plan.page_text


def test_a_german_source_with_localised_namespace(testbed, write_config):
    config = write_config("admin")
    url = testbed.url("other").rstrip("/") + "/wiki/Datei:Sonnenuntergang_Berg.png"
    title = unique("Berg.png")
    outcome = service_for(config).transfer(url, "commons", title=title, dry_run=True)
    assert outcome.source is not None and outcome.source.title == "Datei:Sonnenuntergang Berg.png"
    assert outcome.plan is not None and outcome.plan.target_title == f"File:{title}"
    assert "Kategorie:" in outcome.plan.page_text  # categories are commented out, not lost
    assert outcome.plan.page_text.count("<!-- [[Kategorie:") >= 1
    assert target_page(testbed, f"File:{title}").get("missing") is True  # a dry run uploads nothing


# --- checks that block ----------------------------------------------------------------------------


def test_duplicate_bytes_on_the_target_are_blocked_naming_the_duplicate(testbed, write_config, capsys):
    config = write_config("admin")
    title = unique("Lighthouse.png")
    code, answer = run_cli(
        capsys, config, src_url(testbed, testbed.files["duplicate"]), "--to", "commons", "--title", title
    )
    assert code == 1
    assert answer["status"] == "blocked"
    duplicate = next(c for c in answer["checks"] if c["id"] == "duplicate")
    assert duplicate["result"] == "block"
    assert testbed.files["duplicate_on_commons"].split(":", 1)[1] in duplicate["message"]
    assert target_page(testbed, f"File:{title}").get("missing") is True


def test_a_title_taken_by_other_bytes_is_blocked(testbed, write_config, one_file):
    config = write_config("admin")
    taken = testbed.files["duplicate_on_commons"].split(":", 1)[1]
    outcome = service_for(config).transfer(src_url(testbed, one_file()), "commons", title=taken)
    assert outcome.status is Status.BLOCKED
    assert check_of(outcome, "title-free").key == "wft-check-title-taken"


def test_extension_change_is_blocked(testbed, write_config, one_file):
    config = write_config("admin")
    outcome = service_for(config).transfer(src_url(testbed, one_file()), "commons", title=unique("X.jpg"))
    assert outcome.status is Status.BLOCKED
    assert check_of(outcome, "extension").key == "wft-check-extension-changed"


def test_a_file_over_the_target_limit_is_blocked_before_any_byte(
    testbed, write_config, runtime_switch, sunset
):
    runtime_switch.set("commons", wgMaxUploadSize=50_000)
    config = write_config("admin")
    title = unique("Sunset.png")
    outcome = service_for(config).transfer(src_url(testbed, sunset), "commons", title=title)
    assert outcome.status is Status.BLOCKED
    assert check_of(outcome, "size").key == "wft-check-size-too-large"
    assert target_page(testbed, f"File:{title}").get("missing") is True


def test_an_anonymous_account_is_blocked(testbed, tmp_path, temp_dir, one_file):
    # no credentials at all for the target: anonymous users may not upload
    config = tmp_path / "anon.toml"
    config.write_text(
        f'temp_dir = "{temp_dir}"\n[wikis.src]\nurl = "{testbed.url("src")}"\n'
        f'[wikis.commons]\nurl = "{testbed.url("commons")}"\n',
        encoding="utf-8",
    )
    outcome = service_for(config).transfer(src_url(testbed, one_file()), "commons", title=unique("H.png"))
    assert outcome.status is Status.BLOCKED
    assert check_of(outcome, "may-upload").key == "wft-check-not-logged-in"


# --- wikis that misbehave -------------------------------------------------------------------------


def test_read_only_target_is_explained_and_a_later_run_completes(
    testbed, write_config, runtime_switch, capsys, sunset
):
    config = write_config("admin")
    title = unique("Sunset.png")
    runtime_switch.set("commons", wgReadOnly="Database maintenance, back in ten minutes")
    code, answer = run_cli(capsys, config, src_url(testbed, sunset), "--to", "commons", "--title", title)
    # a read-only wiki refuses even the bot-password login: the run stops before any byte moves
    assert code == 2
    assert answer["status"] == "failed"
    assert answer["error"]["key"] == "wft-error-readonly"
    assert "Database maintenance" in answer["error"]["message"]
    assert target_page(testbed, f"File:{title}").get("missing") is True

    runtime_switch.reset("commons")
    code, answer = run_cli(capsys, config, src_url(testbed, sunset), "--to", "commons", "--title", title)
    assert code == 0 and answer["status"] == "done"
    assert len(target_sha1s(testbed, f"File:{title}")) == 3


def test_a_wiki_going_read_only_mid_run_fails_cleanly_and_the_next_run_resumes(
    testbed, write_config, runtime_switch, sunset
):
    config = write_config("alice")
    title = unique("Sunset.png")
    expected = sha1s_on(testbed, "src", sunset)
    listener = SwitchingListener(
        "wft-step-upload", ("2", "3"), lambda: runtime_switch.set("commons", wgReadOnly="Maintenance")
    )
    service = service_for(config)
    service.registry.get("commons").api.sleep = lambda _s: None
    outcome = service.transfer(src_url(testbed, sunset), "commons", title=title, listener=listener)
    assert outcome.status is Status.FAILED
    assert outcome.error is not None and outcome.error.key == "wft-error-readonly"
    assert target_sha1s(testbed, f"File:{title}") == expected[:1]

    runtime_switch.reset("commons")
    outcome = service_for(config).transfer(src_url(testbed, sunset), "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert outcome.result is not None
    assert [v.sha1 for v in outcome.result.skipped] == expected[:1]
    assert [v.sha1 for v in outcome.result.uploaded] == expected[1:]
    assert target_sha1s(testbed, f"File:{title}") == expected


def test_maxlag_makes_the_client_wait_as_told_and_then_succeed(
    testbed, write_config, runtime_switch, one_file
):
    config = write_config("admin")
    source, title = one_file(), unique("Lagged.png")
    service = service_for(config)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the wiki "catches up" while we wait
        waits.append(seconds)
        runtime_switch.reset("commons")

    service.registry.get("commons").api.sleep = sleep
    runtime_switch.set("commons", tbFakeLag=12)
    outcome = service.transfer(src_url(testbed, source), "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert waits == [5.0]  # the Retry-After the wiki sent
    assert target_sha1s(testbed, f"File:{title}") == sha1s_on(testbed, "src", source)


def test_ratelimited_uploads_back_off_and_succeed(testbed, write_config, runtime_switch, caplog, sunset):
    config = write_config("alice")  # no highvolume grant: rate limits apply
    title = unique("Sunset.png")
    service = service_for(config)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        runtime_switch.reset("commons")

    service.registry.get("commons").api.sleep = sleep
    runtime_switch.set("commons", wgRateLimits={"upload": {"user": [1, 60]}})
    with caplog.at_level(logging.INFO, logger="wikifile_transfer"):
        outcome = service.transfer(src_url(testbed, sunset), "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert waits, "the second upload should have been rate limited"
    assert any("ratelimited" in record.getMessage() for record in caplog.records)
    assert target_sha1s(testbed, f"File:{title}") == sha1s_on(testbed, "src", sunset)


def test_an_html_502_is_a_typed_error_and_nothing_is_uploaded(
    testbed, write_config, runtime_switch, one_file
):
    config = write_config("admin")
    source, title = one_file(), unique("Gateway.png")
    runtime_switch.set("commons", tbHttpError={"status": 502, "count": 1000})
    service = service_for(config)
    service.registry.get("commons").api.sleep = lambda _s: None
    outcome = service.transfer(src_url(testbed, source), "commons", title=title)
    assert outcome.status is Status.FAILED
    assert outcome.error is not None and outcome.error.key == "wft-error-http-status"
    runtime_switch.reset("commons")
    assert target_page(testbed, f"File:{title}").get("missing") is True


def test_a_short_502_burst_is_retried(testbed, write_config, runtime_switch, one_file):
    config = write_config("admin")
    source, title = one_file(), unique("Burst.png")
    service = service_for(config)
    service.registry.get("commons").api.sleep = lambda _s: None
    runtime_switch.set("commons", tbHttpError={"status": 502, "count": 2})
    outcome = service.transfer(src_url(testbed, source), "commons", title=title)
    assert outcome.status is Status.DONE, outcome.error
    assert target_sha1s(testbed, f"File:{title}") == sha1s_on(testbed, "src", source)


# --- user errors ----------------------------------------------------------------------------------


def test_missing_file_unknown_wiki_and_article_are_clear_errors(testbed, write_config, capsys):
    config = write_config("admin")
    code, answer = run_cli(capsys, config, "src:File:No such file here.png", "--to", "commons")
    assert code == 2
    assert answer["error"]["key"] == "wft-error-missing-file"
    assert "No such file here.png" in answer["error"]["message"]

    code, answer = run_cli(
        capsys, config, src_url(testbed, testbed.files["own_work"]), "--to", "no such wiki"
    )
    assert code == 2
    assert answer["error"]["key"] == "wft-error-unknown-wiki"

    code, answer = run_cli(capsys, config, testbed.url("src").rstrip("/") + "/wiki/Sunset", "--to", "commons")
    assert code == 2
    assert answer["error"]["key"] == "wft-error-not-a-file"


def test_text_output_in_german_for_a_dry_run(testbed, write_config, capsys, one_file):
    config = write_config("admin")
    source = one_file()
    args = ["--config", str(config), "--lang", "de", "transfer", src_url(testbed, source), "--to", "commons"]
    code = main([*args, "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Probelauf: Nichts wurde hochgeladen." in out
    assert "{{Information|description=A test file}}" in out  # the planned page is printed
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0
    assert "Fertig:" in out and "1 Version hochgeladen" in out


# --- a big file -----------------------------------------------------------------------------------


def test_a_50_mb_file_goes_through_chunked_upload_in_little_memory(testbed, write_config):
    data = webm_bytes(50 * 1024 * 1024 + 4321, seed=fresh_seed())
    name = unique("Big timelapse.webm")
    answer = testbed.client("src").chunked_upload(name, data, text="A big video", chunk_size=20 * 1024 * 1024)
    assert answer["upload"]["result"] == "Success"
    sha1 = hashlib.sha1(data).hexdigest()
    del data

    config = write_config("admin", chunk_size=5 * 1024 * 1024)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    command = [sys.executable, "-m", "wikifile_transfer.cli.main", "--config", str(config)]
    command += ["transfer", f"src:File:{name}", "--to", "commons", "--json"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    watcher = psutil.Process(proc.pid)
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, watcher.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch)
    thread.start()
    out, err = proc.communicate(timeout=300)
    stop.set()
    thread.join()
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["status"] == "done"
    assert target_sha1s(testbed, f"File:{name}") == [sha1]
    print(f"50 MB chunked transfer: peak RSS {peak / 2**20:.1f} MB")
    assert 0 < peak < 120 * 2**20, f"peak RSS {peak / 2**20:.1f} MB"


# --- the description rewrite (issue 4) --------------------------------------------------------------


def test_a_non_free_file_to_the_commons_like_wiki_is_blocked_before_any_byte(testbed, write_config, capsys):
    config = write_config("admin")
    title = unique("Logo.png")
    code, answer = run_cli(
        capsys, config, src_url(testbed, testbed.files["non_free"]), "--to", "commons", "--title", title
    )
    assert code == 1
    assert answer["status"] == "blocked"
    licence = [c for c in answer["checks"] if c["id"] == "licence"]
    assert licence and licence[0]["result"] == "block"
    assert target_page(testbed, f"File:{title}").get("missing") is True


def test_convert_localises_a_category_through_its_langlink(testbed, write_config, tmp_path, capsys):
    config = write_config("admin")
    page = tmp_path / "page.wikitext"
    page.write_text(
        "A sunset.\n\n[[Category:Sunsets]]\n[[Category:No such category here]]\n", encoding="utf-8"
    )
    code = main(["--config", str(config), "convert", "--from", "src", "--to", "other", "--json", str(page)])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert answer["categories"]["localised"] == {"Category:Sunsets": "Kategorie:Sonnenuntergänge"}
    assert "[[Kategorie:Sonnenuntergänge]]" in answer["text"]
    assert "<!-- [[Category:No such category here]] -->" in answer["text"]
