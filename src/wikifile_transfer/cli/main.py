"""The ``wikifile-transfer`` command.

Exit codes: 0 done (or already done, or a dry run that passed), 1 blocked by a check, 2 error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from wikifile_transfer import __version__
from wikifile_transfer.cli import batch, convert, serve, sites
from wikifile_transfer.cli.factory import make_service
from wikifile_transfer.cli.progress import ProgressBars
from wikifile_transfer.config import Config, load_config
from wikifile_transfer.errors import WftError
from wikifile_transfer.i18n import available_languages, msg
from wikifile_transfer.transfer.executor import Listener
from wikifile_transfer.transfer.model import ArticleUse, FollowUp, Outcome, Status
from wikifile_transfer.transfer.service import TransferOptions, TransferOutcome

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
SYMBOLS = {Outcome.PASS: "✔", Outcome.WARN: "⚠", Outcome.BLOCK: "✖"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wikifile-transfer",
        description="Move media files between MediaWiki wikis with every version and every credit.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", type=Path, help="configuration file (default: $WIKIFILE_TRANSFER_CONFIG)")
    parser.add_argument(
        "--lang", help="language of messages, e.g. de, hi, ar (default: from the configuration)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    transfer = commands.add_parser("transfer", help="transfer one file with all its versions")
    transfer.add_argument("source", help="a file page URL, or WIKI:File:Name (e.g. en.wikipedia:File:X.jpg)")
    transfer.add_argument(
        "--to",
        required=True,
        dest="target",
        help="target wiki: configured name, en.wikipedia, commons, or a URL",
    )
    transfer.add_argument("--title", help="another file name on the target")
    transfer.add_argument(
        "--dry-run", action="store_true", help="check and show the planned page; upload nothing"
    )
    transfer.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    transfer.add_argument(
        "--no-mark-source",
        dest="mark_source",
        action="store_false",
        help="do not tag the source page with its NowCommons template (after a transfer to its shared repo)",
    )
    transfer.add_argument(
        "--use-in", metavar="ARTICLE", help="put the file into this article on the target wiki"
    )
    transfer.add_argument("--caption", help="caption of the image in the article (with --use-in)")
    transfer.add_argument(
        "--base-revid",
        type=int,
        metavar="N",
        help="save the article edit only if the article is still at revision N (from a --dry-run preview)",
    )
    transfer.add_argument("--rules", type=Path, help="a rules file (project TOML, FtCG or CommonsHelper2)")
    transfer.add_argument(
        "--rules-page",
        metavar="WIKI:PAGE",
        help="a rule page on a wiki, e.g. commons:Extension:FileImporter/Data/x",
    )
    convert.add_parser(commands)
    batch.add_parsers(commands)
    serve.add_parser(commands)
    sites.add_parser(commands)
    return parser


def outcome_json(outcome: TransferOutcome, lang: str) -> dict[str, Any]:
    source = outcome.source
    error = outcome.error
    return {
        "status": outcome.status.value,
        "source": source.page_url if source else outcome.source_text,
        "target_title": outcome.plan.target_title if outcome.plan else None,
        "target_url": outcome.target_url,
        "versions": [
            {"sha1": v.sha1, "size": v.size, "timestamp": v.timestamp, "user": v.user}
            for v in (source.versions if source else [])
        ],
        "checks": [
            {"id": r.id, "result": r.outcome.value, "message": msg(r.key, *r.params, lang=lang)}
            for r in outcome.report.results
        ],
        "steps": list(outcome.result.steps) if outcome.result else [],
        "follow_ups": [follow_up_json(f, lang) for f in follow_ups(outcome)],
        "error": None
        if error is None
        else {
            "key": error.key,
            "params": list(error.params),
            "message": msg(error.key, *error.params, lang=lang),
        },
    }


def follow_ups(outcome: TransferOutcome) -> list[FollowUp]:
    """What became of the post-transfer edits, or what is planned (a dry run, or a run that stopped)."""
    if outcome.result is not None:
        return outcome.result.follow_ups
    return outcome.plan.follow_ups if outcome.plan is not None else []


def follow_up_json(follow_up: FollowUp, lang: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": follow_up.id,
        "status": follow_up.status.value,
        "message": msg(follow_up.key, *follow_up.params, lang=lang),
    }
    if follow_up.diff is not None:
        data["diff"] = follow_up.diff
        data["base_revid"] = follow_up.revision
    return data


def print_text(outcome: TransferOutcome, lang: str, out: TextIO, *, dry_run: bool) -> None:
    for check in outcome.report.results:
        out.write(f"{SYMBOLS[check.outcome]} {msg(check.key, *check.params, lang=lang)}\n")
    if dry_run and outcome.plan is not None:
        out.write("\n" + msg("wft-cli-planned-page", outcome.plan.target_title, lang=lang) + "\n")
        out.write(outcome.plan.page_text + "\n")
    for follow_up in follow_ups(outcome) if outcome.error is None else []:
        out.write(f"→ {msg(follow_up.key, *follow_up.params, lang=lang)}\n")
        if dry_run and follow_up.diff:
            out.write(follow_up.diff + "\n")
            out.write(msg("wft-cli-article-diff", follow_up.revision or "", lang=lang) + "\n")
    if outcome.error is not None:
        out.write(
            msg("wft-cli-error", msg(outcome.error.key, *outcome.error.params, lang=lang), lang=lang) + "\n"
        )
        return
    result = outcome.result
    key = {
        Status.DONE: "wft-cli-done",
        Status.ALREADY_DONE: "wft-cli-already-done",
        Status.BLOCKED: "wft-cli-blocked",
        Status.PLANNED: "wft-cli-planned",
    }.get(outcome.status, "wft-cli-failed")
    uploaded = len(result.uploaded) if result else 0
    out.write(msg(key, outcome.target_url or "", uploaded, lang=lang) + "\n")


def exit_code(outcome: TransferOutcome) -> int:
    if outcome.status is Status.BLOCKED:
        return EXIT_BLOCKED
    if outcome.status is Status.FAILED:
        return EXIT_ERROR
    return EXIT_OK


def transfer_options(args: argparse.Namespace) -> TransferOptions:
    use_in = None
    if args.use_in:
        use_in = ArticleUse(args.use_in, caption=args.caption, base_revid=args.base_revid)
    return TransferOptions(
        title=args.title,
        dry_run=args.dry_run,
        mark_source=args.mark_source,
        use_in=use_in,
        rules_file=args.rules,
        rules_page=args.rules_page,
    )


def run_transfer(args: argparse.Namespace, config: Config, lang: str) -> int:
    for flag, value in (("--caption", args.caption), ("--base-revid", args.base_revid)):
        if value is not None and not args.use_in:
            sys.stderr.write(
                msg("wft-cli-error", msg("wft-cli-needs-use-in", flag, lang=lang), lang=lang) + "\n"
            )
            return EXIT_ERROR
    service = make_service(config)
    options = transfer_options(args)
    if args.json:
        outcome = service.transfer(args.source, args.target, options=options)
        sys.stdout.write(json.dumps(outcome_json(outcome, lang), ensure_ascii=False, indent=2) + "\n")
        return exit_code(outcome)
    listener: Listener
    with ProgressBars(lang) as bars:
        listener = bars
        outcome = service.transfer(args.source, args.target, options=options, listener=listener)
    print_text(outcome, lang, sys.stdout, dry_run=args.dry_run)
    return exit_code(outcome)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lang = args.lang or "en"
    try:
        config = load_config(args.config)
    except WftError as error:
        sys.stderr.write(msg("wft-cli-error", msg(error.key, *error.params, lang=lang), lang=lang) + "\n")
        return EXIT_ERROR
    lang = args.lang or config.lang
    if lang not in available_languages() and lang.split("-")[0] not in available_languages():
        sys.stderr.write(msg("wft-cli-unknown-language", lang, lang="en") + "\n")
        lang = "en"
    if args.command == "transfer":
        return run_transfer(args, config, lang)
    if args.command == "convert":
        try:
            return convert.run_convert(args, config, lang)
        except WftError as error:
            sys.stderr.write(msg("wft-cli-error", msg(error.key, *error.params, lang=lang), lang=lang) + "\n")
            return EXIT_ERROR
        except OSError as error:
            problem = msg("wft-error-read-file", args.file, error.strerror or str(error), lang=lang)
            sys.stderr.write(msg("wft-cli-error", problem, lang=lang) + "\n")
            return EXIT_ERROR
    runners = {
        "batch": batch.run_batch,
        "retry": batch.run_retry,
        "history": batch.run_history,
        "worker": batch.run_worker,
        "cancel": batch.run_cancel,
        "item": batch.run_item,
        "serve": serve.run_serve,
        "sites": sites.run_sites,
    }
    if args.command in runners:
        try:
            return runners[args.command](args, config, lang)
        except WftError as error:
            sys.stderr.write(msg("wft-cli-error", msg(error.key, *error.params, lang=lang), lang=lang) + "\n")
            return EXIT_ERROR
        except OSError as error:
            problem = msg(
                "wft-error-read-file",
                getattr(error, "filename", "") or "",
                error.strerror or str(error),
                lang=lang,
            )
            sys.stderr.write(msg("wft-cli-error", problem, lang=lang) + "\n")
            return EXIT_ERROR
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
