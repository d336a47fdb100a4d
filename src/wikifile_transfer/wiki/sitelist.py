"""The list of Wikimedia wikis, for pickers: search by name, language (code, English name or autonym)
and project, without a request.

Why bundled: the target-wiki picker is typed into on every transfer, and asking Meta's ``action=
sitematrix`` (about a megabyte) per keystroke, or even per process start, would be slow and impolite. The
package ships ``data/sitematrix.json`` (one entry per wiki: dbname, url, project, language code, English
language name, autonym, direction, closed/private/fishbowl flags), built by :func:`parse_sitematrix` from
a real ``action=sitematrix`` answer. ``wikifile-transfer sites --refresh`` fetches a new answer when the
machine is online and writes it to the data folder (``$WFT_DATA_DIR/sitematrix.json``), which then wins
over the bundled copy — no reinstall needed when Wikimedia opens or closes a wiki.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError

from wikifile_transfer.wiki.wikimedia import wikimedia_name

FILE_NAME = "sitematrix.json"
FORMAT = 1
SITEMATRIX_PARAMS: dict[str, object] = {
    "action": "sitematrix",
    "smlangprop": "code|name|site|dir|localname",
    "smsiteprop": "url|dbname|code|sitename|lang",
    "smlimit": "max",
}
PROJECTS = {
    "wiki": "wikipedia",
    "wiktionary": "wiktionary",
    "wikibooks": "wikibooks",
    "wikinews": "wikinews",
    "wikiquote": "wikiquote",
    "wikisource": "wikisource",
    "wikiversity": "wikiversity",
    "wikivoyage": "wikivoyage",
}
"""Sitematrix site codes of the language projects → project names; everything else is "special"."""


@dataclass(frozen=True)
class Site:
    """One Wikimedia wiki. ``name`` is what the tool accepts as a wiki name (``en.wikipedia``,
    ``commons``); ``lang`` is None for wikis without one language (Commons, Meta, Wikidata)."""

    name: str
    dbname: str
    url: str
    project: str
    sitename: str
    lang: str | None = None
    lang_name: str | None = None
    autonym: str | None = None
    dir: str = "ltr"
    closed: bool = False
    private: bool = False
    fishbowl: bool = False

    def matches(self, needle: str) -> bool:
        """``needle`` (lower case) in any of the names a person might type."""
        return any(
            needle in value.lower()
            for value in (
                self.name,
                self.dbname,
                self.url,
                self.sitename,
                self.lang or "",
                self.lang_name or "",
            )
            + ((self.autonym,) if self.autonym else ())
        )


def english_name(code: str) -> str | None:
    """The English name of a language from CLDR (Babel), or None for a code CLDR does not know."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None
    name = locale.get_display_name("en")
    return str(name) if name else None


def _flag(value: object) -> bool:
    """formatversion=2 sends true; formatversion=1 sends "" for true and leaves false out."""
    return value is True or value == ""


def parse_sitematrix(answer: Mapping[str, Any]) -> list[Site]:
    """Every wiki of an ``action=sitematrix`` answer (either formatversion), sorted by name."""
    matrix = answer.get("sitematrix", answer)
    sites: list[Site] = []
    if not isinstance(matrix, Mapping):
        return sites
    for key, entry in matrix.items():
        if key in ("count", "specials") or not isinstance(entry, Mapping):
            continue
        code = str(entry.get("code", ""))
        autonym = str(entry.get("name", "")) or None
        english = english_name(code) or (str(entry.get("localname", "")) or None)
        direction = "rtl" if entry.get("dir") == "rtl" else "ltr"
        for site in _list(entry.get("site")):
            project = PROJECTS.get(str(site.get("code", "")), str(site.get("code", "")))
            sites.append(_site(site, project, code, english, autonym, direction))
    for site in _list(matrix.get("specials")):
        lang = str(site.get("lang", "")) or None
        sites.append(_site(site, "special", None, None, None, "ltr", lang_hint=lang))
    sites.sort(key=lambda s: s.name)
    return sites


def _list(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        value = list(value.values())
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _site(  # noqa: PLR0917 - one call site per shape, keyword-only would only add noise
    site: Mapping[str, Any],
    project: str,
    lang: str | None,
    lang_name: str | None,
    autonym: str | None,
    direction: str,
    *,
    lang_hint: str | None = None,
) -> Site:
    url = str(site.get("url", ""))
    host = urlsplit(url).hostname or url
    if lang is None and lang_hint and english_name(lang_hint):  # an organisation's wiki in one language
        lang, lang_name = lang_hint.lower(), english_name(lang_hint)
    return Site(
        name=wikimedia_name(host),
        dbname=str(site.get("dbname", "")),
        url=url,
        project=project,
        sitename=str(site.get("sitename", "")) or project,
        lang=lang,
        lang_name=lang_name,
        autonym=autonym,
        dir=direction,
        closed=_flag(site.get("closed")),
        private=_flag(site.get("private")),
        fishbowl=_flag(site.get("fishbowl")),
    )


def to_json(sites: Iterable[Site], source: str) -> dict[str, Any]:
    return {"format": FORMAT, "source": source, "sites": [asdict(s) for s in sites]}


def dumps(sites: Iterable[Site], source: str) -> str:
    """The file's text: compact, one wiki a line (small, and a refresh diffs readably)."""
    data = to_json(sites, source)
    lines = [json.dumps(s, ensure_ascii=False, separators=(",", ":")) for s in data["sites"]]
    head = json.dumps({"format": data["format"], "source": source}, ensure_ascii=False)[:-1]
    return head + ', "sites": [\n' + ",\n".join(lines) + "\n]}\n"


def from_json(data: Mapping[str, Any]) -> list[Site]:
    fields = set(Site.__dataclass_fields__)
    return [Site(**{k: v for k, v in s.items() if k in fields}) for s in data.get("sites", [])]


def refreshed_path() -> Path:
    from wikifile_transfer.store.db import data_dir  # noqa: PLC0415 - store is optional for this module

    return data_dir() / FILE_NAME


_cache: tuple[float | None, list[Site]] | None = None
_lock = threading.Lock()


def load_sites() -> list[Site]:
    """The refreshed list when there is one (re-read when it changes), else the bundled one."""
    global _cache  # noqa: PLW0603 - one parsed list per process, replaced when the file changes
    path = refreshed_path()
    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    with _lock:
        if _cache is not None and _cache[0] == mtime:
            return _cache[1]
        if mtime is not None:
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            text = resources.files("wikifile_transfer.wiki").joinpath("data", FILE_NAME).read_text("utf-8")
            data = json.loads(text)
        sites = from_json(data)
        _cache = (mtime, sites)
        return sites


def search(
    sites: Iterable[Site],
    *,
    q: str | None = None,
    lang: str | None = None,
    project: str | None = None,
    include_closed: bool = False,
) -> list[Site]:
    """Sites matching every given criterion: ``q`` anywhere in a name, ``lang`` a language code (exact)
    or a language's English name or autonym (prefix, any case), ``project`` exact. Private wikis are never
    listed; closed ones only when asked. Exact name matches come first."""
    needle = (q or "").strip().lower()
    language = (lang or "").strip().lower()
    candidates = list(sites)
    # a language code is matched exactly ("ar" is Arabic, not Aragonese); anything else by name prefix
    by_code = bool(language) and any(site.lang == language for site in candidates)
    found: list[Site] = []
    for site in candidates:
        if site.private or (site.closed and not include_closed):
            continue
        if project and site.project != project:
            continue
        if by_code and site.lang != language:
            continue
        if (
            language
            and not by_code
            and not (
                (site.lang_name or "").lower().startswith(language)
                or (site.autonym or "").lower().startswith(language)
            )
        ):
            continue
        if needle and not site.matches(needle):
            continue
        found.append(site)
    if needle:
        found.sort(key=lambda s: (needle not in (s.name, s.dbname), not s.name.startswith(needle), s.name))
    return found


def write_refreshed(answer: Mapping[str, Any], source: str, path: Path | None = None) -> tuple[Path, int]:
    """Parse a sitematrix answer and write it where :func:`load_sites` looks first. Returns (path,
    number of sites)."""
    sites = parse_sitematrix(answer)
    target = path or refreshed_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(dumps(sites, source), encoding="utf-8")
    tmp.replace(target)
    return target, len(sites)
