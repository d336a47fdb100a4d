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

from wikifile_transfer.wiki.siteinfo import SiteInfo
from wikifile_transfer.wikitext.rules import bundled_rules, load_rules_file, parse_commonshelper, parse_ftcg
from wikifile_transfer.wikitext.rules.model import RuleSet
from wikifile_transfer.wikitext.rules.ownformat import select_rules
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
    """A rules file in any of the three formats, chosen by its content (the extension may lie)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        return select_rules(load_rules_file(path), source, target)
    if "[PotentialProblem]" in text or "[Replacement]" in text or "CopyToCommonsRegex=" in text:
        return parse_ftcg(text, path.name)
    return parse_commonshelper(text, path.name)


def rules_for(source: str, target: str, rules_file: Path | None = None) -> RuleSet:
    """The bundled rules for the pair, with a user's rules file layered on top."""
    rules = bundled_rules(source, target)
    if rules_file is not None:
        rules = rules.merged(read_rules_file(rules_file, source, target))
    return rules


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
