"""The executor's pure parts: export retitling, re-upload spacing, and the resume rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wikifile_transfer.errors import ApiError, UploadError
from wikifile_transfer.transfer.executor import ARCHIVE_RETRIES, Executor, retitle_export, text_sha1_base36
from wikifile_transfer.transfer.model import FileVersion, SourceFile, SourceRef, TransferPlan
from wikifile_transfer.transfer.target import TargetState
from wikifile_transfer.wiki.upload import UploadResult

EXPORT = b"""<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="de">
  <siteinfo>
    <sitename>Testwiki</sitename>
    <namespaces><namespace key="6" case="first-letter">Datei</namespace></namespaces>
  </siteinfo>
  <page>
    <title>Datei:Sonnenuntergang Berg.png</title>
    <ns>6</ns>
    <id>7</id>
    <revision><id>9</id><text>[[Datei:Sonnenuntergang Berg.png]] &lt;title&gt;</text></revision>
  </page>
</mediawiki>
"""


def test_retitle_export_renames_the_page_only():
    out = retitle_export(EXPORT, "File:Sunset & <Mountain>.png")
    assert b"<title>File:Sunset &amp; &lt;Mountain&gt;.png</title>" in out
    assert b"<title>Datei:" not in out
    # the page text and the site information are untouched
    assert b"[[Datei:Sonnenuntergang Berg.png]] &lt;title&gt;" in out
    assert b"<sitename>Testwiki</sitename>" in out
    assert out.count(b"<title>") == 1


def test_retitle_export_keeps_non_ascii_titles_in_utf8():
    out = retitle_export(EXPORT, "File:Sonnenuntergänge über Berg.png")
    assert "<title>File:Sonnenuntergänge über Berg.png</title>".encode() in out


def test_retitle_export_without_a_page_changes_nothing():
    xml = b"<mediawiki><siteinfo><sitename>X</sitename></siteinfo></mediawiki>"
    assert retitle_export(xml, "File:Y.png") == xml


class FakeTime:
    def __init__(self, start: float) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def executor(fake: FakeTime) -> Executor:
    nowhere: Any = None  # these methods never reach a wiki
    return Executor(nowhere, nowhere, clock=fake.clock, sleep=fake.sleep)


SUCCESS = UploadResult(result="Success", filename="X.png")


def publish(before_publish: Callable[[], None] | None) -> UploadResult:
    """An upload whose commit is published at once (the hook runs right before it, as upload() does)."""
    if before_publish is not None:
        before_publish()
    return SUCCESS


def test_reuploads_are_spaced_into_different_seconds():
    fake = FakeTime(1000.25)
    ex = executor(fake)
    assert ex._reupload(publish) is SUCCESS
    assert fake.slept == []  # nothing uploaded before in this run: no wait
    fake.now = 1000.5  # the next version is ready within the same second
    ex._reupload(publish)
    assert len(fake.slept) == 1
    assert int(fake.now) == 1001
    fake.now = 1003.1  # a slow download: already a later second, no wait
    ex._reupload(publish)
    assert len(fake.slept) == 1


def test_the_second_version_waits_for_the_second_after_the_first():
    """MediaWiki sleeps a second inside its write transaction when a re-upload comes within the second of
    the version before: the executor waits on its side instead, after the first version too."""
    fake = FakeTime(2000.1)
    ex = executor(fake)
    assert ex._first_upload(publish) is SUCCESS
    assert fake.slept == []
    fake.now = 2000.4
    ex._reupload(publish)
    assert len(fake.slept) == 1 and int(fake.now) == 2001


def test_a_new_version_sends_its_bytes_at_once_and_waits_only_to_publish():
    """The bytes go to the stash within the second of the version before; only the commit waits."""
    fake = FakeTime(3000.1)
    ex = executor(fake)
    ex._first_upload(publish)
    sent: list[float] = []
    published: list[float] = []

    def send(before_publish: Callable[[], None] | None) -> UploadResult:
        sent.append(fake.now)
        assert before_publish is not None
        before_publish()
        published.append(fake.now)
        return SUCCESS

    fake.now = 3000.3
    ex._reupload(send)
    assert int(sent[0]) == 3000 and int(published[0]) == 3001


def test_an_archive_collision_is_retried_in_the_next_second():
    fake = FakeTime(50.0)
    ex = executor(fake)
    calls: list[float] = []

    def send(before_publish: Callable[[], None] | None) -> UploadResult:
        assert before_publish is not None
        before_publish()
        calls.append(fake.now)  # when the commit is sent
        if len(calls) == 1:
            raise ApiError("backend-fail-alreadyexists", "The file mwstore://…/archive/… already exists.")
        return SUCCESS

    assert ex._reupload(send) is SUCCESS
    assert len(calls) == 2
    assert int(calls[1]) > int(calls[0])


def test_archive_collisions_are_bounded():
    fake = FakeTime(50.0)
    ex = executor(fake)
    calls = 0

    def send(before_publish: Callable[[], None] | None) -> UploadResult:
        nonlocal calls
        assert before_publish is not None
        calls += 1
        raise ApiError("backend-fail-alreadyexists", "already exists")

    with pytest.raises(ApiError):
        ex._reupload(send)
    assert calls == ARCHIVE_RETRIES + 1


def test_other_upload_errors_are_not_retried():
    fake = FakeTime(50.0)
    ex = executor(fake)
    calls = 0

    def send(before_publish: Callable[[], None] | None) -> UploadResult:
        nonlocal calls
        assert before_publish is not None
        calls += 1
        raise ApiError("verification-error", "File extension does not match the MIME type")

    with pytest.raises(ApiError) as raised:
        ex._reupload(send)
    assert raised.value.code == "verification-error"
    assert calls == 1


def version(sha1: str) -> FileVersion:
    return FileVersion("2026-01-01T00:00:00Z", "Alice", "", sha1, 1, 1, 1, "image/png", "http://x/a.png")


def plan(*sha1s: str) -> TransferPlan:
    source = SourceFile(
        ref=SourceRef("src", "File:X.png"),
        wiki_name="src",
        title="File:X.png",
        page_url="http://src/wiki/File:X.png",
        versions=[version(s) for s in sha1s],
        revisions=[],
        text="",
    )
    return TransferPlan(source, "commons", "File:X.png", "text", "summary")


def test_present_versions_counts_the_prefix_already_on_the_target():
    p = plan("a" * 40, "b" * 40, "c" * 40)
    assert Executor._present_versions(p, TargetState("File:X.png")) == 0
    state = TargetState("File:X.png", page_exists=True, repository="local", sha1s=["a" * 40, "b" * 40])
    assert Executor._present_versions(p, state) == 2
    shared = TargetState("File:X.png", repository="shared", sha1s=["a" * 40])
    assert Executor._present_versions(p, shared) == 0


def test_a_target_that_diverged_is_never_overwritten():
    p = plan("a" * 40, "b" * 40)
    state = TargetState("File:X.png", page_exists=True, repository="local", sha1s=["a" * 40, "f" * 40])
    with pytest.raises(UploadError) as raised:
        Executor._present_versions(p, state)
    assert raised.value.key == "wft-error-target-diverged"


def test_text_sha1_base36_is_mediawikis_revision_sha1() -> None:
    """The value Special:Export writes in <sha1>: base 36 of the text's SHA-1, 31 digits, zero-padded."""

    assert text_sha1_base36("") == "phoiac9h4m842xq45sp7s6u21eteeq1"  # MediaWiki's empty-text sha1
    assert len(text_sha1_base36("x")) == 31
