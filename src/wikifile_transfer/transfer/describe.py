"""The description page of a transfer: rules for the wiki pair, the context, the pipeline, provenance.

This is the seam between ``wiki/`` (siteinfo, lookups) and the pure ``wikitext/`` pipeline: everything the
steps need is gathered here once, so the steps themselves never talk to a wiki. ``convert`` (CLI) and the
planner share it, so a ``convert`` preview and a real transfer produce the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from wikifile_transfer.wiki.pages import latest_revision, revision_text
from wikifile_transfer.wiki.registry import WikiRegistry, api_key
from wikifile_transfer.wiki.siteinfo import SiteInfo
from wikifile_transfer.wikitext.rules import bundled_rules, load_rules_file
from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.rules.ownformat import select_rules
from wikifile_transfer.wikitext.rules.rulepage import RulePageCache, parse_rules_text
from wikifile_transfer.wikitext.steps.base import (
    ConvertContext,
    Converted,
    FileFacts,
    Lookups,
    OfflineLookups,
)
from wikifile_transfer.wikitext.steps.pipeline import convert

CATEGORY_NS = 14


def interwiki_prefix(target: SiteInfo, source: SiteInfo) -> str | None:
    """The shortest interwiki prefix on ``target`` that points at the ``source`` wiki's articles."""
    source_article = source.server.rstrip("/") + source.articlepath

    def normal(url: str) -> str:
        parts = urlsplit(url if "//" in url else "//" + url)
        return f"{parts.netloc.lower()}{parts.path}"

    wanted = normal(source_article)
    matches = [prefix for prefix, url in target.interwiki.items() if normal(url) == wanted]
    return min(matches, key=lambda p: (len(p), p)) if matches else None


def category_prefixes(site: SiteInfo) -> list[str]:
    ns = site.namespaces.get(CATEGORY_NS)
    if ns is None:
        return ["Category"]
    return [ns.name, *([ns.canonical] if ns.canonical else []), *ns.aliases]


def namespace_map(site: SiteInfo) -> dict[str, str]:
    """Every local name and alias of a namespace (lower-case) → its canonical English name."""
    names: dict[str, str] = {}
    for ns in site.namespaces.values():
        if not ns.canonical:
            continue
        for name in (ns.name, ns.canonical, *ns.aliases):
            if name:
                names[name.lower()] = ns.canonical
    return names


def read_rules_file(path: Path, source: str, target: str) -> RuleSet:
    """A rules file in any of the three formats: TOML by its extension, FtCG or CommonsHelper2 by its
    content (the extension of those may lie)."""
    if path.suffix.lower() == ".toml":
        return select_rules(load_rules_file(path), source, target)
    return parse_rules_text(path.read_text(encoding="utf-8-sig"), path.name)


def rules_for(
    source: str, target: str, rules_file: Path | None = None, rules_page: RuleSet | None = None
) -> RuleSet:
    """The bundled rules for the pair, then a rule page from a wiki, then the user's rules file, each
    layered on the one before (the most specific, the user's own file, last)."""
    rules = bundled_rules(source, target)
    if rules_page is not None:
        rules = rules.merged(rules_page)
    if rules_file is not None:
        rules = rules.merged(read_rules_file(rules_file, source, target))
    return rules


def load_rules_page(registry: WikiRegistry, spec: str, cache: RulePageCache) -> RuleSet:
    """The rules on the wiki page ``spec`` (``commons:Extension:FileImporter/Data/en.wikipedia`` or a
    URL), parsed once per revision (see ``RulePageCache``): one small request when it is cached."""
    wiki, title = registry.resolve_page(spec)
    return cache.load(
        api_key(wiki.api_url),
        wiki.name,
        title,
        lambda page: latest_revision(wiki, page),
        lambda page, revision: revision_text(wiki, page, revision),
    )


@dataclass(frozen=True)
class Sites:
    """The two wikis as far as the pipeline needs them. Either may be unknown (offline ``convert``)."""

    source: SiteInfo | None = None
    target: SiteInfo | None = None


def build_context(
    rules: RuleSet,
    sites: Sites,
    *,
    facts: FileFacts | None = None,
    lookups: Lookups | None = None,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> ConvertContext:
    source, target = sites.source, sites.target
    prefix = interwiki_prefix(target, source) if source and target else None
    namespaces: Mapping[str, str] = namespace_map(source) if source else {}
    target_ns = target.namespaces.get(CATEGORY_NS) if target else None
    return ConvertContext(
        rules=rules,
        source_lang=source_lang or (source.lang if source else "en"),
        target_lang=target_lang or (target.lang if target else "en"),
        interwiki_prefix=prefix,
        namespaces=namespaces,
        category_namespace_names=tuple(category_prefixes(source)) if source else (rules.category_namespace,),
        target_category_namespace=target_ns.name if target_ns else "Category",
        facts=facts or FileFacts(),
        lookups=lookups or OfflineLookups(),
    )


def describe(text: str, context: ConvertContext) -> Converted:
    """Run the pipeline (a name of its own, so callers do not reach into ``wikitext.steps``)."""
    return convert(text, context)
