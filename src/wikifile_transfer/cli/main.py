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
from wikifile_transfer.cli import convert
from wikifile_transfer.cli.progress import ProgressBars
from wikifile_transfer.config import Config, load_config
from wikifile_transfer.errors import WftError
from wikifile_transfer.i18n import available_languages, msg
from wikifile_transfer.transfer.executor import ExecutorSettings, Listener
from wikifile_transfer.transfer.model import Outcome, Status
from wikifile_transfer.transfer.service import TransferOutcome, TransferService
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.registry import WikiRegistry

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
    convert.add_parser(commands)
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
        "error": None
        if error is None
        else {
            "key": error.key,
            "params": list(error.params),
            "message": msg(error.key, *error.params, lang=lang),
        },
    }


def print_text(outcome: TransferOutcome, lang: str, out: TextIO, *, dry_run: bool) -> None:
    for check in outcome.report.results:
        out.write(f"{SYMBOLS[check.outcome]} {msg(check.key, *check.params, lang=lang)}\n")
    if dry_run and outcome.plan is not None:
        out.write("\n" + msg("wft-cli-planned-page", outcome.plan.target_title, lang=lang) + "\n")
        out.write(outcome.plan.page_text + "\n")
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


def make_service(config: Config) -> TransferService:
    registry = WikiRegistry(config, HttpClient(contact=config.contact))
    settings = ExecutorSettings(
        temp_dir=config.temp_dir, chunk_size=config.chunk_size, max_download_bytes=config.max_download_bytes
    )
    return TransferService(registry, settings)


def run_transfer(args: argparse.Namespace, config: Config, lang: str) -> int:
    service = make_service(config)
    listener: Listener | None = None
    if args.json:
        outcome = service.transfer(args.source, args.target, title=args.title, dry_run=args.dry_run)
        sys.stdout.write(json.dumps(outcome_json(outcome, lang), ensure_ascii=False, indent=2) + "\n")
        return exit_code(outcome)
    with ProgressBars(lang) as bars:
        listener = bars
        outcome = service.transfer(
            args.source, args.target, title=args.title, dry_run=args.dry_run, listener=listener
        )
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
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
