"""Names of Wikimedia wikis, without any network access.

Why this exists: users type ``en.wikipedia``, ``enwiki``, ``commons`` or ``commonswiki`` (the site codes
and database names they know from Wikimedia's own tools), and the tool must turn each of them into one
host, and back into one short display name. Doing it offline means a typo never costs a request and the
names work in tests without the internet. The mapping follows Wikimedia's conventions: database names
use ``_`` where hosts use ``-`` (``zh_min_nanwiki`` ↔ ``zh-min-nan.wikipedia.org``), plus a handful of
historical exceptions (``be_x_oldwiki`` is ``be-tarask.wikipedia.org``).
"""

from __future__ import annotations

import re

FAMILIES: tuple[str, ...] = (
    "wikipedia",
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
    "wikivoyage",
    "wikimedia",
)
"""Projects whose wikis are ``<code>.<family>.org``."""

WWW_PROJECTS: dict[str, str] = {
    "wikidata": "www.wikidata.org",
    "mediawiki": "www.mediawiki.org",
    "wikifunctions": "www.wikifunctions.org",
}
"""Single-wiki projects that live on ``www.`` (their mobile host is ``m.<domain>``)."""

WIKIMEDIA_DOMAINS: tuple[str, ...] = (
    *(f"{family}.org" for family in FAMILIES),
    "wikidata.org",
    "mediawiki.org",
    "wikifunctions.org",
)

SPECIAL_WIKIS: dict[str, str] = {
    "commons": "commons.wikimedia.org",
    "meta": "meta.wikimedia.org",
    "species": "species.wikimedia.org",
    "incubator": "incubator.wikimedia.org",
    "outreach": "outreach.wikimedia.org",
    "foundation": "foundation.wikimedia.org",
    "wikimania": "wikimania.wikimedia.org",
    "wikitech": "wikitech.wikimedia.org",
    "login": "login.wikimedia.org",
    "sources": "wikisource.org",
    "wikisource": "wikisource.org",
    "testcommons": "test-commons.wikimedia.org",
    "testwikidata": "test.wikidata.org",
    **WWW_PROJECTS,
}
"""Short names (and database names without the ``wiki`` suffix) of wikis outside the ``<lang>.<family>``
scheme."""

DBNAME_EXCEPTIONS: dict[str, str] = {
    "be_x_oldwiki": "be-tarask.wikipedia.org",
    "wikidatawiki": "www.wikidata.org",
    "mediawikiwiki": "www.mediawiki.org",
    "wikifunctionswiki": "www.wikifunctions.org",
    "sourceswiki": "wikisource.org",
    "betawikiversity": "beta.wikiversity.org",
}

NOT_WIKIS = frozenset({"upload.wikimedia.org", "maps.wikimedia.org", "stream.wikimedia.org", "wikimedia.org"})
"""Wikimedia hosts that serve no wiki (media, tiles, event streams, the bare domain)."""

CODE_EXCEPTIONS: dict[str, str] = {"be-x-old": "be-tarask"}
"""Language codes whose wiki moved to another host (the old host only redirects)."""

_CODE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_DBNAME = re.compile(r"([a-z][a-z0-9_]*?)(wiki|" + "|".join(FAMILIES[1:]) + r")")
_HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def is_wikimedia_host(host: str) -> bool:
    """True for hosts under a Wikimedia project domain (the same list as the SSRF guard's)."""
    name = host.strip().rstrip(".").lower()
    return any(name == domain or name.endswith("." + domain) for domain in WIKIMEDIA_DOMAINS)


def strip_mobile(host: str) -> str:
    """The desktop host of a Wikimedia mobile host (``en.m.wikipedia.org`` → ``en.wikipedia.org``).

    Only Wikimedia hosts are changed: elsewhere an ``m`` label may be a real, different site.
    """
    name = host.strip().rstrip(".").lower()
    if not is_wikimedia_host(name):
        return name
    labels = name.split(".")
    if labels[0] == "m" and len(labels) == 3:  # m.mediawiki.org, m.wikidata.org
        return "www." + ".".join(labels[1:])
    if len(labels) >= 4 and labels[1] == "m":  # en.m.wikipedia.org, commons.m.wikimedia.org
        return ".".join([labels[0], *labels[2:]])
    return name


def _host_of_code(code: str, family: str) -> str | None:
    code = CODE_EXCEPTIONS.get(code, code)
    if not _CODE.fullmatch(code):
        return None
    return f"{code}.{family}.org"


def _host_of_dbname(name: str) -> str | None:
    if name in DBNAME_EXCEPTIONS:
        return DBNAME_EXCEPTIONS[name]
    match = _DBNAME.fullmatch(name)
    if match is None:
        return None
    code, suffix = match.group(1), match.group(2)
    family = "wikipedia" if suffix == "wiki" else suffix
    if suffix == "wiki" and code in SPECIAL_WIKIS:  # commonswiki, metawiki, specieswiki ...
        return SPECIAL_WIKIS[code]
    return _host_of_code(code.replace("_", "-"), family)


def wikimedia_host(name: str) -> str | None:
    """The host of a Wikimedia wiki named by site code, database name or host; None when it is not one.

    Accepts ``en.wikipedia``, ``enwiki``, ``en.wiktionary``, ``enwiktionary``, ``commons``,
    ``commonswiki``, ``meta``, ``wikidata``, ``wikidatawiki``, ``mediawiki``, ``zh-min-nan.wikipedia``,
    ``zh_min_nanwiki``, ``be-tarask.wikipedia``, ``be_x_oldwiki`` and hosts such as ``en.wikipedia.org``
    or ``en.m.wikipedia.org``. Whether the language exists is not checked (that needs the site matrix):
    a wrong code fails later with "unreachable", which names the host.
    """
    text = name.strip().lower().rstrip(".")
    if not text or len(text) > 100:
        return None
    if text in SPECIAL_WIKIS:
        return SPECIAL_WIKIS[text]
    if "." in text:
        if text.endswith(".org"):
            if not is_wikimedia_host(text) or not all(_HOST_LABEL.fullmatch(p) for p in text.split(".")):
                return None
            host = strip_mobile(text)
            if host in NOT_WIKIS:
                return None
            host = {domain: www for www in WWW_PROJECTS.values() for domain in [www[4:]]}.get(host, host)
            first, _, rest = host.partition(".")
            if first in CODE_EXCEPTIONS:
                host = f"{CODE_EXCEPTIONS[first]}.{rest}"
            return host
        code, _, family = text.rpartition(".")
        if family in FAMILIES:
            if code in SPECIAL_WIKIS and family == "wikimedia":  # commons.wikimedia, meta.wikimedia
                return SPECIAL_WIKIS[code]
            return _host_of_code(code, family)
        if code == "www" and family in WWW_PROJECTS:  # www.wikidata, www.mediawiki
            return WWW_PROJECTS[family]
        return None
    return _host_of_dbname(text)


def wikimedia_name(host: str) -> str:
    """A short name for a Wikimedia host: ``en.wikipedia.org`` → ``en.wikipedia``,
    ``commons.wikimedia.org`` → ``commons``, ``www.wikidata.org`` → ``wikidata``.

    Any other host comes back lower-cased and unchanged, so the result is always usable as a label.
    """
    name = strip_mobile(host)
    if not is_wikimedia_host(name):
        return name
    for short, special_host in SPECIAL_WIKIS.items():
        if special_host == name and short not in ("sources", "testcommons", "testwikidata"):
            return short
    return name.removesuffix(".org")


def upload_wiki_host(project: str, code: str) -> str | None:
    """The wiki that owns ``upload.wikimedia.org/<project>/<code>/…`` (``wikipedia/commons`` → Commons).

    upload.wikimedia.org names the shared wikis by their short name under ``wikipedia/`` (commons, meta,
    species, mediawiki...), and content wikis by project and language (``wiktionary/fr``).
    """
    project = project.lower()
    code = code.lower()
    if project not in FAMILIES and project not in WWW_PROJECTS:
        return None
    if code in SPECIAL_WIKIS:
        return SPECIAL_WIKIS[code]
    if project in WWW_PROJECTS:
        return WWW_PROJECTS[project]
    return _host_of_code(code, project)
