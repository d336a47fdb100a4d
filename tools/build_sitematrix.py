"""Build ``src/wikifile_transfer/wiki/data/sitematrix.json`` (the bundled Wikimedia site list).

Source: a stored answer of Meta's ``action=sitematrix&formatversion=2`` (996 wikis; before Wikifunctions),
transcribed in ``sitematrix-langs.txt`` (per language: code, autonym, direction, its wikis with closed flags)
and ``sitematrix-specials.txt`` (the multilingual and organisational wikis with private/closed/fishbowl
flags). Local site names (``ویکیپدیا``) were not kept: each language wiki is named after its project. The
script rebuilds the sitematrix answer from these files and runs the same parser (``parse_sitematrix``) that
``wikifile-transfer sites --refresh`` runs on a live answer, so both produce the same shape.

Usage: ``.venv/bin/python tools/build_sitematrix.py`` (no network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wikifile_transfer.wiki.sitelist import dumps, parse_sitematrix

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent / "src" / "wikifile_transfer" / "wiki" / "data" / "sitematrix.json"
ALL = ("wiki", "wiktionary", "wikibooks", "wikinews", "wikiquote", "wikisource", "wikiversity", "wikivoyage")
NAMES = {"wiki": "Wikipedia", **{p: p.capitalize() for p in ALL[1:]}}
HOST_EXCEPTIONS = {"be-x-old": "be-tarask"}


def _lines(name: str) -> list[list[str]]:
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("|"))
    return rows


def answer() -> dict[str, Any]:
    matrix: dict[str, Any] = {}
    count = 0
    for number, (code, autonym, direction, sites) in enumerate(_lines("sitematrix-langs.txt")):
        entries = []
        for spec in ALL if sites == "*" else sites.split(","):
            project = spec.rstrip("!")
            family = "wikipedia" if project == "wiki" else project
            host = HOST_EXCEPTIONS.get(code, code)
            site: dict[str, Any] = {
                "url": f"https://{host}.{family}.org",
                "dbname": code.replace("-", "_") + project,
                "code": project,
                "sitename": NAMES[project],
            }
            if spec.endswith("!"):
                site["closed"] = True
            entries.append(site)
        count += len(entries)
        matrix[str(number)] = {"code": code, "name": autonym, "site": entries, "dir": direction}
    specials = []
    for dbname, url, code, lang, sitename, flags in _lines("sitematrix-specials.txt"):
        site = {"url": url, "dbname": dbname, "code": code, "lang": lang, "sitename": sitename}
        for flag, name in (("p", "private"), ("c", "closed"), ("f", "fishbowl")):
            if flag in flags:
                site[name] = True
        specials.append(site)
    matrix["count"] = count + len(specials)
    matrix["specials"] = specials
    return {"sitematrix": matrix}


def main() -> None:
    data = answer()
    sites = parse_sitematrix(data)
    TARGET.write_text(dumps(sites, "Meta action=sitematrix, stored copy (996 wikis)"), encoding="utf-8")
    print(f"{data['sitematrix']['count']} wikis → {TARGET}")


if __name__ == "__main__":
    main()
