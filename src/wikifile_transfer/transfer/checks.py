"""Checks before bytes: each one a pure function from what was looked up to pass / warn / block.

All lookups (target state, duplicates, the account's rights) happen once in ``gather``; the checks
themselves only read the ``CheckContext``, so they are cheap to test and to run again for a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wikifile_transfer.transfer.model import CheckReport, CheckResult, Outcome, TransferPlan
from wikifile_transfer.transfer.target import TargetState
from wikifile_transfer.wiki.api import UserInfo
from wikifile_transfer.wiki.siteinfo import SiteInfo

MAX_FILENAME_BYTES = 240  # MediaWiki's limit for file names (the title without the namespace)
FILENAME_FORBIDDEN = (":", "/", "\\")  # replaced by "-" when a file is stored: refuse instead of renaming
EQUIVALENT_EXTENSIONS = ({"jpg", "jpeg", "jpe"}, {"tif", "tiff"})


@dataclass
class CheckContext:
    plan: TransferPlan
    target_site: SiteInfo
    target: TargetState
    user: UserInfo | None  # None when the tool has no account on the target
    duplicates: list[str] = field(default_factory=list)
    shared_duplicates: list[str] = field(default_factory=list)


Check = Callable[[CheckContext], CheckResult]


def _pass(check_id: str, key: str, *params: object) -> CheckResult:
    return CheckResult(check_id, Outcome.PASS, key, tuple(str(p) for p in params))


def _warn(check_id: str, key: str, *params: object) -> CheckResult:
    return CheckResult(check_id, Outcome.WARN, key, tuple(str(p) for p in params))


def _block(check_id: str, key: str, *params: object) -> CheckResult:
    return CheckResult(check_id, Outcome.BLOCK, key, tuple(str(p) for p in params))


def check_source_local(ctx: CheckContext) -> CheckResult:
    source = ctx.plan.source
    if source.repository == "local":
        return _pass("source-local", "wft-check-source-local-pass", source.title)
    return _block(
        "source-local", "wft-check-source-shared", source.title, source.wiki_name, source.repository
    )


def check_title_valid(ctx: CheckContext) -> CheckResult:
    name = ctx.plan.target_name
    title = ctx.plan.target_title
    if ctx.target.invalid_reason is not None:
        return _block("title-valid", "wft-check-title-invalid", title, ctx.target.invalid_reason)
    if not name.strip() or "." not in name:
        return _block("title-valid", "wft-check-title-invalid", title, "")
    bad = [c for c in FILENAME_FORBIDDEN if c in name]
    if bad:
        return _block("title-valid", "wft-check-title-bad-character", title, " ".join(bad))
    if len(name.encode("utf-8")) > MAX_FILENAME_BYTES:
        return _block("title-valid", "wft-check-title-too-long", title, MAX_FILENAME_BYTES)
    return _pass("title-valid", "wft-check-title-valid-pass", title)


def check_title_free(ctx: CheckContext) -> CheckResult:
    """A taken title blocks, unless it holds our own versions: then the run resumes or is already done."""
    title = ctx.plan.target_title
    wanted = [v.sha1 for v in ctx.plan.source.versions]
    target = ctx.target
    if target.repository == "shared":
        return _warn("title-free", "wft-check-title-on-shared-repo", title)
    if target.has_local_file:
        if target.sha1s == wanted:
            return _pass("title-free", "wft-check-title-already-done", title)
        if wanted[: len(target.sha1s)] == target.sha1s:
            return _pass("title-free", "wft-check-title-resume", title, len(target.sha1s), len(wanted))
        return _block("title-free", "wft-check-title-taken", title)
    if target.page_exists:
        return _warn("title-free", "wft-check-title-page-exists", title)
    return _pass("title-free", "wft-check-title-free-pass", title)


def check_duplicates(ctx: CheckContext) -> CheckResult:
    if ctx.duplicates:
        return _block("duplicate", "wft-check-duplicate", ", ".join(ctx.duplicates), len(ctx.duplicates))
    if ctx.shared_duplicates:
        names = ", ".join(ctx.shared_duplicates)
        return _block("duplicate", "wft-check-duplicate-shared", names, len(ctx.shared_duplicates))
    return _pass("duplicate", "wft-check-duplicate-pass")


def _same_extension(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in EQUIVALENT_EXTENSIONS)


def check_extension(ctx: CheckContext) -> CheckResult:
    source_ext = ctx.plan.source.extension
    name = ctx.plan.target_name
    target_ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not _same_extension(source_ext, target_ext):
        return _block("extension", "wft-check-extension-changed", source_ext, target_ext)
    allowed = ctx.target_site.file_extensions
    if target_ext not in allowed:
        return _block("extension", "wft-check-extension-not-allowed", target_ext, ", ".join(sorted(allowed)))
    return _pass("extension", "wft-check-extension-pass", target_ext)


def check_size(ctx: CheckContext) -> CheckResult:
    largest = max(v.size for v in ctx.plan.source.versions)
    limit = ctx.target_site.max_upload_size
    if limit and largest > limit:
        return _block("size", "wft-check-size-too-large", largest, limit)
    return _pass("size", "wft-check-size-pass", largest, limit)


def check_readonly(ctx: CheckContext) -> CheckResult:
    if ctx.target_site.readonly:
        return _block(
            "readonly", "wft-check-readonly", ctx.plan.target_wiki, ctx.target_site.readonly_reason or ""
        )
    return _pass("readonly", "wft-check-readonly-pass", ctx.plan.target_wiki)


def check_may_upload(ctx: CheckContext) -> CheckResult:
    user = ctx.user
    wiki = ctx.plan.target_wiki
    if user is None or user.anon:
        return _block("may-upload", "wft-check-not-logged-in", wiki)
    if "upload" not in user.rights:
        return _block("may-upload", "wft-check-no-upload-right", user.name, wiki)
    several = len(ctx.plan.source.versions) > 1
    if several and not ({"reupload", "reupload-own"} & user.rights):
        return _block("may-upload", "wft-check-no-reupload-right", user.name, wiki)
    return _pass("may-upload", "wft-check-may-upload-pass", user.name, wiki)


def check_protection(ctx: CheckContext) -> CheckResult:
    rights = ctx.user.rights if ctx.user else frozenset()
    for protection in ctx.target.protections:
        kind = str(protection.get("type", ""))
        level = str(protection.get("level", ""))
        if kind not in ("create", "upload", "edit"):
            continue
        needed = {"sysop": "editprotected", "autoconfirmed": "editsemiprotected"}.get(level, level)
        if needed and needed not in rights:
            return _block("protection", "wft-check-protected", ctx.plan.target_title, kind, level)
    return _pass("protection", "wft-check-protected-pass", ctx.plan.target_title)


def check_licence(ctx: CheckContext) -> CheckResult:
    """The licence gate of the description rewrite: Bad templates or categories, a non-free file going
    to a wiki that does not take one, or no accepted licence. Only the first block is the verdict here;
    ``description_notes`` lists the rest."""
    blocks = ctx.plan.description.blocks
    if blocks:
        return CheckResult("licence", Outcome.BLOCK, blocks[0].key, blocks[0].params)
    return _pass("licence", "wft-check-licence-pass", ctx.plan.target_wiki)


def description_notes(ctx: CheckContext) -> list[CheckResult]:
    """Further blocks and every warning of the description rewrite (FtCG PotentialProblem rules, templates
    missing on the target…), each as a check result the user sees before any byte moves."""
    report = ctx.plan.description
    results = [CheckResult("licence", Outcome.BLOCK, n.key, n.params) for n in report.blocks[1:]]
    results += [CheckResult("description", Outcome.WARN, n.key, n.params) for n in report.warnings]
    return results


ALL_CHECKS: tuple[Check, ...] = (
    check_source_local,
    check_title_valid,
    check_title_free,
    check_duplicates,
    check_extension,
    check_size,
    check_readonly,
    check_may_upload,
    check_protection,
    check_licence,
)


def run_checks(ctx: CheckContext, checks: tuple[Check, ...] = ALL_CHECKS) -> CheckReport:
    results = [check(ctx) for check in checks]
    if check_licence in checks:
        results += description_notes(ctx)
    return CheckReport(results)
