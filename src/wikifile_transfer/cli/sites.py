"""``wikifile-transfer sites``: search the Wikimedia site list, or refresh it from Meta.

``--refresh`` asks Meta's ``action=sitematrix`` (one request, about a megabyte) and writes the answer to
the data folder, where the web app's wiki picker and this command read it from then on (see
wiki/sitelist.py). Without a network the bundled copy keeps working.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from wikifile_transfer.config import Config
from wikifile_transfer.i18n import msg
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.sitelist import SITEMATRIX_PARAMS, load_sites, search, write_refreshed

META_API = "https://meta.wikimedia.org/w/api.php"
EXIT_OK = 0


def add_parser(commands: Any) -> None:
    sites = commands.add_parser("sites", help="search the Wikimedia wikis, or refresh their list from Meta")
    sites.add_argument("query", nargs="?", help="any part of a name, dbname or URL")
    sites.add_argument("--language", help="a language code, or a language's English name or autonym")
    sites.add_argument("--project", help="wikipedia, wiktionary, … or special")
    sites.add_argument("--closed", action="store_true", help="list closed wikis too")
    sites.add_argument("--refresh", action="store_true", help="fetch the current list from Meta first")
    sites.add_argument("--json", action="store_true", help="print JSON")


def run_sites(args: argparse.Namespace, config: Config, lang: str) -> int:
    if args.refresh:
        api = ApiClient(META_API, HttpClient(HostGuard(), contact=config.contact))
        path, count = write_refreshed(api.get(SITEMATRIX_PARAMS), META_API)
        sys.stderr.write(msg("wft-cli-sites-refreshed", count, str(path), lang=lang) + "\n")
    found = search(
        load_sites(), q=args.query, lang=args.language, project=args.project, include_closed=args.closed
    )
    if args.json:
        sys.stdout.write(json.dumps([asdict(s) for s in found], ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    for site in found:
        language = f" {site.lang_name} ({site.autonym})" if site.lang_name and site.autonym else ""
        closed = " [closed]" if site.closed else ""
        sys.stdout.write(f"{site.name}\t{site.dbname}\t{site.url}{language}{closed}\n")
    return EXIT_OK
