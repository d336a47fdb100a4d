"""The checks before bytes: every check, every branch, on real model dataclasses and a recorded siteinfo."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from wikifile_transfer.i18n import msg
from wikifile_transfer.transfer.checks import (
    ALL_CHECKS,
    EQUIVALENT_EXTENSIONS,
    FILENAME_FORBIDDEN,
    MAX_FILENAME_BYTES,
    CheckContext,
    check_duplicates,
    check_extension,
    check_may_upload,
    check_protection,
    check_readonly,
    check_size,
    check_source_local,
    check_title_free,
    check_title_valid,
    run_checks,
)
from wikifile_transfer.transfer.model import (
    CheckReport,
    CheckResult,
    FileVersion,
    Outcome,
    PageRevision,
    SourceFile,
    SourceRef,
    TransferPlan,
)
from wikifile_transfer.transfer.target import TargetState
from wikifile_transfer.wiki.api import UserInfo
from wikifile_transfer.wiki.siteinfo import SiteInfo, parse_siteinfo

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "wiki"
I18N = ROOT / "i18n"

SHA_A = "a" * 40
SHA_B = "b" * 40
SHA_C = "c" * 40
UPLOADER = UserInfo(name="Uploader", anon=False, rights=frozenset({"read", "edit", "upload", "reupload"}))


def load_site(name: str) -> SiteInfo:
    data: dict[str, Any] = json.loads((FIXTURES / f"siteinfo_{name}.json").read_text("utf-8"))
    return parse_siteinfo(data)


DE_SITE = load_site("de")


def version(sha1: str, size: int = 1000, timestamp: str = "2024-01-01T00:00:00Z") -> FileVersion:
    return FileVersion(
        timestamp=timestamp,
        user="Alice",
        comment="upload",
        sha1=sha1,
        size=size,
        width=10,
        height=10,
        mime="image/png",
        url=f"https://src.example/images/{sha1[:2]}.png",
    )


def source_file(
    title: str = "File:Example.png",
    versions: list[FileVersion] | None = None,
    repository: str = "local",
) -> SourceFile:
    return SourceFile(
        ref=SourceRef("src", title),
        wiki_name="src",
        title=title,
        page_url="https://src.example/wiki/" + title.replace(" ", "_"),
        versions=versions if versions is not None else [version(SHA_A)],
        revisions=[PageRevision(1, "2024-01-01T00:00:00Z", "Alice", "create")],
        text="A picture.",
        repository=repository,
    )


def make_ctx(
    *,
    source: SourceFile | None = None,
    target_title: str = "Datei:Example.png",
    target: TargetState | None = None,
    site: SiteInfo = DE_SITE,
    user: UserInfo | None = UPLOADER,
    duplicates: list[str] | None = None,
    shared_duplicates: list[str] | None = None,
) -> CheckContext:
    plan = TransferPlan(
        source=source or source_file(),
        target_wiki="other",
        target_title=target_title,
        page_text="A picture.",
        summary="transfer",
    )
    return CheckContext(
        plan=plan,
        target_site=site,
        target=target if target is not None else TargetState(title=target_title),
        user=user,
        duplicates=duplicates or [],
        shared_duplicates=shared_duplicates or [],
    )


def expect(result: CheckResult, check_id: str, outcome: Outcome, key: str, *params: str) -> None:
    assert result == CheckResult(check_id, outcome, key, params)


# --- the recorded siteinfo the context uses ------------------------------------------------------------


def test_recorded_target_site_has_the_fields_the_checks_read() -> None:
    assert DE_SITE.max_upload_size == 209715200
    assert DE_SITE.readonly is False
    assert {"png", "jpg", "jpeg", "tif", "tiff", "svg"} <= DE_SITE.file_extensions
    assert DE_SITE.file_title("Example.png") == "Datei:Example.png"


# --- source-local ----------------------------------------------------------------------------------------


def test_source_local_passes_for_a_local_file() -> None:
    result = check_source_local(make_ctx())
    expect(result, "source-local", Outcome.PASS, "wft-check-source-local-pass", "File:Example.png")


@pytest.mark.parametrize("repository", ["shared", "wikimediacommons"])
def test_source_local_blocks_a_file_from_a_shared_repository(repository: str) -> None:
    ctx = make_ctx(source=source_file(repository=repository))
    result = check_source_local(ctx)
    expect(
        result,
        "source-local",
        Outcome.BLOCK,
        "wft-check-source-shared",
        "File:Example.png",
        "src",
        repository,
    )


# --- title-valid -----------------------------------------------------------------------------------------


def test_title_valid_passes_for_a_normal_name() -> None:
    result = check_title_valid(make_ctx())
    expect(result, "title-valid", Outcome.PASS, "wft-check-title-valid-pass", "Datei:Example.png")


def test_title_valid_blocks_with_the_wikis_reason_first() -> None:
    # the wiki's own verdict wins even when the name would otherwise pass every local rule
    target = TargetState(title="Datei:Example.png", invalid_reason="The requested page title is invalid")
    result = check_title_valid(make_ctx(target=target))
    expect(
        result,
        "title-valid",
        Outcome.BLOCK,
        "wft-check-title-invalid",
        "Datei:Example.png",
        "The requested page title is invalid",
    )


def test_title_valid_empty_reason_still_blocks() -> None:
    target = TargetState(title="Datei:Example.png", invalid_reason="")
    result = check_title_valid(make_ctx(target=target))
    assert result.outcome is Outcome.BLOCK
    assert result.params == ("Datei:Example.png", "")


@pytest.mark.parametrize("title", ["Datei:Example", "Datei:   ", "Datei:"])
def test_title_valid_blocks_a_name_without_extension_or_text(title: str) -> None:
    result = check_title_valid(make_ctx(target_title=title))
    expect(result, "title-valid", Outcome.BLOCK, "wft-check-title-invalid", title, "")


@pytest.mark.parametrize(
    ("title", "bad"),
    [
        ("Datei:A:B.png", ":"),
        ("Datei:A/B.png", "/"),
        ("Datei:A\\B.png", "\\"),
        ("Datei:A:B/C\\D.png", ": / \\"),
        ("Datei:A/B/C.png", "/"),  # each forbidden character is named once
    ],
)
def test_title_valid_blocks_forbidden_characters(title: str, bad: str) -> None:
    result = check_title_valid(make_ctx(target_title=title))
    expect(result, "title-valid", Outcome.BLOCK, "wft-check-title-bad-character", title, bad)


def test_forbidden_characters_are_the_ones_mediawiki_replaces() -> None:
    assert set(FILENAME_FORBIDDEN) == {":", "/", "\\"}


def test_title_valid_length_is_counted_in_utf8_bytes() -> None:
    at_limit = "x" * (MAX_FILENAME_BYTES - 4) + ".png"
    assert len(at_limit.encode("utf-8")) == MAX_FILENAME_BYTES
    assert check_title_valid(make_ctx(target_title=f"Datei:{at_limit}")).outcome is Outcome.PASS

    over = "x" * (MAX_FILENAME_BYTES - 3) + ".png"
    result = check_title_valid(make_ctx(target_title=f"Datei:{over}"))
    expect(result, "title-valid", Outcome.BLOCK, "wft-check-title-too-long", f"Datei:{over}", "240")


def test_title_valid_multibyte_name_short_in_characters_is_too_long_in_bytes() -> None:
    # 80 three-byte characters: 84 characters but 244 bytes
    name = "日" * 80 + ".png"
    assert len(name) < MAX_FILENAME_BYTES < len(name.encode("utf-8"))
    result = check_title_valid(make_ctx(target_title=f"Datei:{name}"))
    assert (result.outcome, result.key) == (Outcome.BLOCK, "wft-check-title-too-long")

    # 78 of them (234 + 4 bytes = 238) fit
    fits = "日" * 78 + ".png"
    assert check_title_valid(make_ctx(target_title=f"Datei:{fits}")).outcome is Outcome.PASS


def test_title_valid_namespace_prefix_does_not_count_towards_the_length() -> None:
    name = "x" * (MAX_FILENAME_BYTES - 4) + ".png"
    long_prefix = "Datei" * 10
    result = check_title_valid(make_ctx(target_title=f"{long_prefix}:{name}"))
    assert result.outcome is Outcome.PASS


# --- title-free ------------------------------------------------------------------------------------------


def three_versions() -> SourceFile:
    return source_file(
        versions=[
            version(SHA_A, timestamp="2024-01-01T00:00:00Z"),
            version(SHA_B, timestamp="2024-02-01T00:00:00Z"),
            version(SHA_C, timestamp="2024-03-01T00:00:00Z"),
        ]
    )


def test_title_free_passes_when_nothing_is_there() -> None:
    result = check_title_free(make_ctx())
    expect(result, "title-free", Outcome.PASS, "wft-check-title-free-pass", "Datei:Example.png")


def test_title_free_warns_when_the_shared_repository_has_the_title() -> None:
    # even with the same bytes: a local upload would shadow the shared file
    target = TargetState(title="Datei:Example.png", page_exists=True, repository="shared", sha1s=[SHA_A])
    result = check_title_free(make_ctx(target=target))
    expect(result, "title-free", Outcome.WARN, "wft-check-title-on-shared-repo", "Datei:Example.png")


def test_title_free_already_done_when_every_version_is_there() -> None:
    target = TargetState(
        title="Datei:Example.png", page_exists=True, repository="local", sha1s=[SHA_A, SHA_B, SHA_C]
    )
    result = check_title_free(make_ctx(source=three_versions(), target=target))
    expect(result, "title-free", Outcome.PASS, "wft-check-title-already-done", "Datei:Example.png")


@pytest.mark.parametrize(("present", "count"), [([SHA_A], "1"), ([SHA_A, SHA_B], "2")])
def test_title_free_resumes_when_the_target_holds_a_prefix(present: list[str], count: str) -> None:
    target = TargetState(title="Datei:Example.png", page_exists=True, repository="local", sha1s=present)
    result = check_title_free(make_ctx(source=three_versions(), target=target))
    expect(result, "title-free", Outcome.PASS, "wft-check-title-resume", "Datei:Example.png", count, "3")


@pytest.mark.parametrize(
    "present",
    [
        [SHA_B],  # a version of ours, but not the first
        [SHA_B, SHA_A],  # our versions in the wrong order
        ["d" * 40],  # other bytes
        [SHA_A, SHA_B, SHA_C, "d" * 40],  # more versions than ours
    ],
)
def test_title_free_blocks_a_title_taken_by_other_bytes(present: list[str]) -> None:
    target = TargetState(title="Datei:Example.png", page_exists=True, repository="local", sha1s=present)
    result = check_title_free(make_ctx(source=three_versions(), target=target))
    expect(result, "title-free", Outcome.BLOCK, "wft-check-title-taken", "Datei:Example.png")


def test_title_free_warns_when_only_the_description_page_exists() -> None:
    target = TargetState(title="Datei:Example.png", page_exists=True, repository="", text="Old text")
    result = check_title_free(make_ctx(target=target))
    expect(result, "title-free", Outcome.WARN, "wft-check-title-page-exists", "Datei:Example.png")


def test_title_free_local_repository_without_versions_is_not_a_file() -> None:
    target = TargetState(title="Datei:Example.png", page_exists=False, repository="local", sha1s=[])
    assert not target.has_local_file
    result = check_title_free(make_ctx(target=target))
    assert result.key == "wft-check-title-free-pass"


# --- duplicates ------------------------------------------------------------------------------------------


def test_duplicates_pass_when_there_are_none() -> None:
    expect(check_duplicates(make_ctx()), "duplicate", Outcome.PASS, "wft-check-duplicate-pass")


def test_duplicates_on_the_target_block() -> None:
    ctx = make_ctx(duplicates=["Datei:Copy.png", "Datei:Other copy.png"])
    expect(
        check_duplicates(ctx),
        "duplicate",
        Outcome.BLOCK,
        "wft-check-duplicate",
        "Datei:Copy.png, Datei:Other copy.png",
        "2",
    )


def test_duplicates_on_the_target_are_reported_before_shared_ones() -> None:
    ctx = make_ctx(duplicates=["Datei:Copy.png"], shared_duplicates=["commons:File:Copy.png"])
    result = check_duplicates(ctx)
    assert (result.key, result.params) == ("wft-check-duplicate", ("Datei:Copy.png", "1"))


def test_duplicates_in_a_shared_repository_block() -> None:
    ctx = make_ctx(shared_duplicates=["commons:File:A.png", "commons:File:B.png", "commons:File:C.png"])
    expect(
        check_duplicates(ctx),
        "duplicate",
        Outcome.BLOCK,
        "wft-check-duplicate-shared",
        "commons:File:A.png, commons:File:B.png, commons:File:C.png",
        "3",
    )


# --- extension -------------------------------------------------------------------------------------------


def test_extension_passes_when_unchanged_and_allowed() -> None:
    expect(check_extension(make_ctx()), "extension", Outcome.PASS, "wft-check-extension-pass", "png")


def test_extension_compares_case_insensitively() -> None:
    ctx = make_ctx(source=source_file(title="File:Photo.PNG"), target_title="Datei:Photo.Png")
    expect(check_extension(ctx), "extension", Outcome.PASS, "wft-check-extension-pass", "png")


def test_extension_changed_blocks() -> None:
    ctx = make_ctx(target_title="Datei:Example.gif")
    expect(check_extension(ctx), "extension", Outcome.BLOCK, "wft-check-extension-changed", "png", "gif")


def test_extension_dropped_blocks_with_an_empty_target_extension() -> None:
    ctx = make_ctx(target_title="Datei:Example")
    expect(check_extension(ctx), "extension", Outcome.BLOCK, "wft-check-extension-changed", "png", "")


@pytest.mark.parametrize(
    ("source_name", "target_name"),
    [
        ("Photo.jpg", "Photo.jpeg"),
        ("Photo.jpeg", "Photo.jpg"),
        ("Photo.JPG", "Photo.jpeg"),
        ("Scan.tif", "Scan.tiff"),
        ("Scan.tiff", "Scan.tif"),
    ],
)
def test_extension_equivalent_spellings_pass(source_name: str, target_name: str) -> None:
    ctx = make_ctx(source=source_file(title=f"File:{source_name}"), target_title=f"Datei:{target_name}")
    result = check_extension(ctx)
    assert (result.outcome, result.key) == (Outcome.PASS, "wft-check-extension-pass")
    assert result.params == (target_name.rsplit(".", 1)[1].lower(),)


def test_extension_groups_do_not_mix() -> None:
    assert {"jpg", "jpeg"} <= EQUIVALENT_EXTENSIONS[0]
    ctx = make_ctx(source=source_file(title="File:Photo.jpg"), target_title="Datei:Photo.tif")
    assert check_extension(ctx).key == "wft-check-extension-changed"


def test_extension_not_allowed_on_the_target_blocks_and_lists_the_allowed_ones() -> None:
    site = dataclasses.replace(DE_SITE, file_extensions=frozenset({"svg", "png", "gif"}))
    ctx = make_ctx(source=source_file(title="File:Clip.webm"), target_title="Datei:Clip.webm", site=site)
    expect(
        check_extension(ctx),
        "extension",
        Outcome.BLOCK,
        "wft-check-extension-not-allowed",
        "webm",
        "gif, png, svg",
    )


def test_extension_jpe_is_equivalent_but_must_still_be_allowed() -> None:
    # jpe is the same type as jpg, but the recorded wiki does not list it
    assert "jpe" not in DE_SITE.file_extensions
    ctx = make_ctx(source=source_file(title="File:Photo.jpg"), target_title="Datei:Photo.jpe")
    assert check_extension(ctx).key == "wft-check-extension-not-allowed"


# --- size ------------------------------------------------------------------------------------------------


def test_size_uses_the_largest_version() -> None:
    source = source_file(versions=[version(SHA_A, 10), version(SHA_B, 5000), version(SHA_C, 20)])
    site = dataclasses.replace(DE_SITE, max_upload_size=4999)
    expect(
        check_size(make_ctx(source=source, site=site)),
        "size",
        Outcome.BLOCK,
        "wft-check-size-too-large",
        "5000",
        "4999",
    )


def test_size_exactly_at_the_limit_passes() -> None:
    source = source_file(versions=[version(SHA_A, 5000)])
    site = dataclasses.replace(DE_SITE, max_upload_size=5000)
    expect(
        check_size(make_ctx(source=source, site=site)),
        "size",
        Outcome.PASS,
        "wft-check-size-pass",
        "5000",
        "5000",
    )


def test_size_within_the_recorded_limit_passes() -> None:
    result = check_size(make_ctx())
    expect(result, "size", Outcome.PASS, "wft-check-size-pass", "1000", "209715200")


def test_size_limit_zero_means_unknown_and_passes() -> None:
    source = source_file(versions=[version(SHA_A, 10**12)])
    site = dataclasses.replace(DE_SITE, max_upload_size=0)
    expect(
        check_size(make_ctx(source=source, site=site)),
        "size",
        Outcome.PASS,
        "wft-check-size-pass",
        str(10**12),
        "0",
    )


# --- readonly --------------------------------------------------------------------------------------------


def test_readonly_passes_on_a_writable_wiki() -> None:
    expect(check_readonly(make_ctx()), "readonly", Outcome.PASS, "wft-check-readonly-pass", "other")


def test_readonly_blocks_with_the_reason() -> None:
    site = dataclasses.replace(DE_SITE, readonly=True, readonly_reason="Database maintenance")
    expect(
        check_readonly(make_ctx(site=site)),
        "readonly",
        Outcome.BLOCK,
        "wft-check-readonly",
        "other",
        "Database maintenance",
    )


def test_readonly_without_reason_blocks_with_an_empty_reason() -> None:
    site = dataclasses.replace(DE_SITE, readonly=True, readonly_reason=None)
    expect(check_readonly(make_ctx(site=site)), "readonly", Outcome.BLOCK, "wft-check-readonly", "other", "")


def test_readonly_from_a_parsed_formatversion1_siteinfo() -> None:
    data: dict[str, Any] = json.loads((FIXTURES / "siteinfo_de.json").read_text("utf-8"))
    data["query"]["general"]["readonly"] = ""  # formatversion=1 flag
    data["query"]["general"]["readonlyreason"] = "Upgrade"
    site = parse_siteinfo(data)
    result = check_readonly(make_ctx(site=site))
    assert (result.outcome, result.params) == (Outcome.BLOCK, ("other", "Upgrade"))


# --- may-upload ------------------------------------------------------------------------------------------


def test_may_upload_blocks_without_an_account() -> None:
    expect(
        check_may_upload(make_ctx(user=None)), "may-upload", Outcome.BLOCK, "wft-check-not-logged-in", "other"
    )


def test_may_upload_blocks_an_anonymous_session_even_with_rights() -> None:
    anon = UserInfo(name="127.0.0.1", anon=True, rights=frozenset({"upload", "reupload"}))
    expect(
        check_may_upload(make_ctx(user=anon)), "may-upload", Outcome.BLOCK, "wft-check-not-logged-in", "other"
    )


def test_may_upload_blocks_without_the_upload_right() -> None:
    user = UserInfo(name="Reader", anon=False, rights=frozenset({"read", "edit", "reupload"}))
    expect(
        check_may_upload(make_ctx(user=user)),
        "may-upload",
        Outcome.BLOCK,
        "wft-check-no-upload-right",
        "Reader",
        "other",
    )


def test_may_upload_one_version_needs_no_reupload_right() -> None:
    user = UserInfo(name="Newbie", anon=False, rights=frozenset({"upload"}))
    expect(
        check_may_upload(make_ctx(user=user)),
        "may-upload",
        Outcome.PASS,
        "wft-check-may-upload-pass",
        "Newbie",
        "other",
    )


def test_may_upload_several_versions_need_a_reupload_right() -> None:
    user = UserInfo(name="Newbie", anon=False, rights=frozenset({"upload", "reupload-shared"}))
    expect(
        check_may_upload(make_ctx(source=three_versions(), user=user)),
        "may-upload",
        Outcome.BLOCK,
        "wft-check-no-reupload-right",
        "Newbie",
        "other",
    )


@pytest.mark.parametrize("right", ["reupload", "reupload-own"])
def test_may_upload_several_versions_with_either_reupload_right(right: str) -> None:
    user = UserInfo(name="Bot", anon=False, rights=frozenset({"upload", right}))
    expect(
        check_may_upload(make_ctx(source=three_versions(), user=user)),
        "may-upload",
        Outcome.PASS,
        "wft-check-may-upload-pass",
        "Bot",
        "other",
    )


# --- protection ------------------------------------------------------------------------------------------


def protected(*protections: dict[str, Any]) -> TargetState:
    return TargetState(title="Datei:Example.png", protections=list(protections))


@pytest.mark.parametrize("kind", ["create", "upload", "edit"])
@pytest.mark.parametrize(
    ("level", "right"), [("sysop", "editprotected"), ("autoconfirmed", "editsemiprotected")]
)
def test_protection_blocks_without_the_right(kind: str, level: str, right: str) -> None:
    target = protected({"type": kind, "level": level, "expiry": "infinity"})
    result = check_protection(make_ctx(target=target))
    expect(result, "protection", Outcome.BLOCK, "wft-check-protected", "Datei:Example.png", kind, level)

    with_right = dataclasses.replace(UPLOADER, rights=UPLOADER.rights | {right})
    result = check_protection(make_ctx(target=target, user=with_right))
    expect(result, "protection", Outcome.PASS, "wft-check-protected-pass", "Datei:Example.png")


def test_protection_semi_right_does_not_cover_full_protection() -> None:
    user = dataclasses.replace(UPLOADER, rights=UPLOADER.rights | {"editsemiprotected"})
    target = protected({"type": "upload", "level": "sysop"})
    assert check_protection(make_ctx(target=target, user=user)).outcome is Outcome.BLOCK


def test_protection_with_a_custom_level_needs_that_right() -> None:
    target = protected({"type": "create", "level": "templateeditor"})
    assert check_protection(make_ctx(target=target)).outcome is Outcome.BLOCK
    user = dataclasses.replace(UPLOADER, rights=UPLOADER.rights | {"templateeditor"})
    assert check_protection(make_ctx(target=target, user=user)).outcome is Outcome.PASS


def test_protection_without_a_user_blocks() -> None:
    target = protected({"type": "create", "level": "autoconfirmed"})
    result = check_protection(make_ctx(target=target, user=None))
    assert (result.outcome, result.params) == (
        Outcome.BLOCK,
        ("Datei:Example.png", "create", "autoconfirmed"),
    )


@pytest.mark.parametrize("kind", ["move", "", "cascading"])
def test_protection_other_types_are_ignored(kind: str) -> None:
    target = protected({"type": kind, "level": "sysop"})
    expect(
        check_protection(make_ctx(target=target)),
        "protection",
        Outcome.PASS,
        "wft-check-protected-pass",
        "Datei:Example.png",
    )


def test_protection_with_an_empty_level_is_ignored() -> None:
    target = protected({"type": "edit", "level": ""}, {"type": "upload"})
    assert check_protection(make_ctx(target=target)).outcome is Outcome.PASS


def test_protection_reports_the_first_blocking_entry() -> None:
    target = protected(
        {"type": "move", "level": "sysop"},
        {"type": "edit", "level": "autoconfirmed"},
        {"type": "upload", "level": "sysop"},
    )
    user = dataclasses.replace(UPLOADER, rights=UPLOADER.rights | {"editsemiprotected"})
    result = check_protection(make_ctx(target=target, user=user))
    assert result.params == ("Datei:Example.png", "upload", "sysop")


def test_protection_passes_without_protections() -> None:
    expect(
        check_protection(make_ctx()),
        "protection",
        Outcome.PASS,
        "wft-check-protected-pass",
        "Datei:Example.png",
    )


# --- run_checks and CheckReport --------------------------------------------------------------------------


def test_run_checks_all_pass_on_a_clean_context() -> None:
    report = run_checks(make_ctx())
    assert isinstance(report, CheckReport)
    assert [r.id for r in report.results] == [
        "source-local",
        "title-valid",
        "title-free",
        "duplicate",
        "extension",
        "size",
        "readonly",
        "may-upload",
        "protection",
        "licence",
    ]
    assert all(r.outcome is Outcome.PASS for r in report.results)
    assert report.blocked is False
    assert report.warnings == []


def test_run_checks_collects_warnings_without_blocking() -> None:
    target = TargetState(title="Datei:Example.png", page_exists=True)
    report = run_checks(make_ctx(target=target))
    assert report.blocked is False
    assert [(w.id, w.key) for w in report.warnings] == [("title-free", "wft-check-title-page-exists")]


def test_run_checks_blocked_when_any_check_blocks_and_keeps_running() -> None:
    ctx = make_ctx(
        source=source_file(repository="shared"),
        target=TargetState(title="Datei:Example.png", repository="shared", sha1s=[SHA_A]),
        user=None,
    )
    report = run_checks(ctx)
    assert report.blocked is True
    blocked = {r.id for r in report.results if r.outcome is Outcome.BLOCK}
    assert blocked == {"source-local", "may-upload"}
    assert [w.id for w in report.warnings] == ["title-free"]
    assert len(report.results) == len(ALL_CHECKS)


def test_run_checks_with_a_subset_and_report_get() -> None:
    report = run_checks(make_ctx(user=None), checks=(check_readonly, check_may_upload))
    assert [r.id for r in report.results] == ["readonly", "may-upload"]
    got = report.get("may-upload")
    assert got is not None and got.key == "wft-check-not-logged-in"
    assert report.get("readonly") is report.results[0]
    assert report.get("size") is None
    assert report.blocked


def test_empty_report() -> None:
    report = CheckReport()
    assert (report.blocked, report.warnings, report.get("anything")) == (False, [], None)


# --- every message a check can return ---------------------------------------------------------------------


def every_result() -> list[CheckResult]:
    """One result for each branch of every check."""
    shared = dataclasses.replace(DE_SITE, readonly=True, readonly_reason="x", max_upload_size=1)
    no_ext = dataclasses.replace(DE_SITE, file_extensions=frozenset({"gif"}))
    anon = UserInfo(name="1.2.3.4", anon=True)
    nobody = UserInfo(name="N", anon=False, rights=frozenset({"upload"}))
    contexts = [
        make_ctx(),
        make_ctx(source=source_file(repository="shared"), site=shared, user=anon),
        make_ctx(target=TargetState(title="Datei:Example.png", invalid_reason="bad"), user=nobody),
        make_ctx(target_title="Datei:A/B.png", site=no_ext, duplicates=["Datei:X.png"]),
        make_ctx(target_title="Datei:" + "x" * 300 + ".gif", shared_duplicates=["c:File:X.png"]),
        make_ctx(target=TargetState(title="T", repository="shared", sha1s=[SHA_A])),
        make_ctx(target=TargetState(title="T", repository="local", sha1s=[SHA_A])),
        make_ctx(source=three_versions(), target=TargetState(title="T", repository="local", sha1s=[SHA_A])),
        make_ctx(
            source=three_versions(),
            user=nobody,
            target=TargetState(title="T", repository="local", sha1s=[SHA_B]),
        ),
        make_ctx(
            target=TargetState(title="T", page_exists=True, protections=[{"type": "edit", "level": "sysop"}])
        ),
        make_ctx(user=UserInfo(name="R", anon=False)),
    ]
    return [check(ctx) for ctx in contexts for check in ALL_CHECKS]


def load_messages(lang: str) -> dict[str, str]:
    data: dict[str, Any] = json.loads((I18N / f"{lang}.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@")}


def highest_param(text: str) -> int:
    return max((int(n) for n in re.findall(r"\$(\d+)", text)), default=0)


def test_every_branch_is_reached_by_the_message_sample() -> None:
    keys = {r.key for r in every_result()}
    en = load_messages("en")
    assert keys == {k for k in en if k.startswith("wft-check-")}


def test_every_check_message_exists_and_is_documented() -> None:
    en, qqq = load_messages("en"), load_messages("qqq")
    for result in every_result():
        assert result.key in en, result.key
        assert result.key in qqq, result.key
        assert en[result.key].strip() and qqq[result.key].strip()


def test_check_params_fill_every_placeholder_of_the_message() -> None:
    en, qqq = load_messages("en"), load_messages("qqq")
    for result in every_result():
        used = highest_param(en[result.key])
        documented = highest_param(qqq[result.key])
        # every placeholder the English text shows gets a value ...
        assert used <= len(result.params), (result.key, result.params)
        # ... and every value passed is documented for translators (some only for PLURAL: see qqq)
        assert len(result.params) == documented, (result.key, result.params, qqq[result.key])
        rendered = msg(result.key, *result.params)
        assert not re.search(r"\$\d", rendered), rendered
        assert "⧼" not in rendered


@pytest.mark.parametrize("key", ["wft-check-duplicate", "wft-check-duplicate-shared", "wft-check-size-pass"])
def test_params_beyond_the_english_text_are_documented_extras(key: str) -> None:
    # the English text uses $1 only; $2 is there for translations that need PLURAL or the limit
    en, qqq = load_messages("en"), load_messages("qqq")
    assert highest_param(en[key]) == 1
    assert "$2" in qqq[key]


def test_rendered_messages_contain_the_values() -> None:
    ctx = make_ctx(source=three_versions(), target=TargetState(title="T", repository="local", sha1s=[SHA_A]))
    result = check_title_free(ctx)
    assert msg(result.key, *result.params) == (
        "Datei:Example.png already holds 1 of the 3 versions from an earlier run: the transfer will complete it."
    )
