"""``wikifile-transfer convert``: rewrite a description page for another wiki without transferring.

The same engine as ``transfer`` (``transfer.describe``), so a page can be checked, or a rules file tried
out, before any file moves. ``--offline`` makes no request at all: categories without a rule are
commented out and nothing is looked up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from wikifile_transfer.cli.factory import make_registry
from wikifile_transfer.config import Config, default_cache_dir
from wikifile_transfer.errors import InputError
from wikifile_transfer.i18n import msg, params_json
from wikifile_transfer.transfer.describe import Sites, build_context, describe, load_rules_page, rules_for
from wikifile_transfer.wiki.lookups import WikiLookups
from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.rules.rulepage import RulePageCache
from wikifile_transfer.wikitext.steps.base import Converted, Lookups, Note

EXIT_OK, EXIT_BLOCKED = 0, 1


def add_parser(commands: Any) -> None:
    convert = commands.add_parser("convert", help="rewrite a description page for another wiki")
    convert.add_argument("--from", dest="source", required=True, help="the wiki the page comes from")
    convert.add_argument("--to", dest="target", required=True, help="the wiki the page is for")
    convert.add_argument("--rules", type=Path, help="a rules file (project TOML, FtCG or CommonsHelper2)")
    convert.add_argument(
        "--rules-page",
        metavar="WIKI:PAGE",
        help="a rule page on a wiki, e.g. commons:Extension:FileImporter/Data/en.wikipedia",
    )
    convert.add_argument("--offline", action="store_true", help="make no network request")
    convert.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    convert.add_argument("file", help="the wikitext file, or - for standard input")


def notes_json(notes: list[Note], lang: str) -> list[dict[str, Any]]:
    """Each note with its key, its parameters (a nested reason as ``{"key", "params"}``) and the message
    rendered in ``lang``."""
    return [
        {"key": n.key, "params": params_json(n.params), "message": msg(n.key, *n.params, lang=lang)}
        for n in notes
    ]


def converted_json(result: Converted, lang: str) -> dict[str, Any]:
    report = result.report
    return {
        "text": result.text,
        "status": report.status,
        "changes": notes_json(report.changes, lang),
        "warnings": notes_json(report.warnings, lang),
        "blocks": notes_json(report.blocks, lang),
        "removed": list(report.removed),
        "categories": {
            "kept": list(report.categories_kept),
            "localised": dict(report.categories_localised),
            "commented": list(report.categories_commented),
        },
    }


def print_converted(result: Converted, lang: str, out: TextIO, err: TextIO) -> None:
    out.write(result.text if result.text.endswith("\n") else result.text + "\n")
    for prefix, notes in (
        ("✖", result.report.blocks),
        ("⚠", result.report.warnings),
        ("·", result.report.changes),
    ):
        for note in notes:
            err.write(f"{prefix} {msg(note.key, *note.params, lang=lang)}\n")


def read_input(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8-sig")


def run_convert(args: argparse.Namespace, config: Config, lang: str) -> int:
    """Raises WftError (and OSError for an unreadable file); the caller turns both into messages."""
    if args.offline and args.rules_page:
        raise InputError("--rules-page", key="wft-error-offline-rules-page")
    text = read_input(args.file)
    sites = Sites()
    lookups: Lookups | None = None
    page: RuleSet | None = None
    source_name, target_name = args.source, args.target
    if not args.offline:
        registry = make_registry(config)
        source, target = registry.get(args.source), registry.get(args.target)
        sites = Sites(source.siteinfo(), target.siteinfo())
        lookups = WikiLookups(source, target, registry.wikidata_for(source, target))
        source_name, target_name = source.name, target.name
        if args.rules_page:
            cache = RulePageCache(config.cache_dir or default_cache_dir())
            page = load_rules_page(registry, args.rules_page, cache)
    rules = rules_for(source_name, target_name, args.rules, page)
    result = describe(text, build_context(rules, sites, lookups=lookups))
    if args.json:
        sys.stdout.write(json.dumps(converted_json(result, lang), ensure_ascii=False, indent=2) + "\n")
    else:
        print_converted(result, lang, sys.stdout, sys.stderr)
    return EXIT_BLOCKED if result.report.blocks else EXIT_OK
