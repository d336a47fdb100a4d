"""Step 6: links that pointed at pages of the source wiki get the interwiki prefix back to it.

Why: on the target, ``[[Sunset]]`` or ``[[User:Alice]]`` would silently point at a different page (or
nothing). FileImporter's WikiLinkPrefixer writes ``[[:en:Sunset|Sunset]]``: the visible text stays
what it was. Namespace names are unlocalised (``Benutzer:`` → ``User:``) because the target resolves
the title with the *source's* namespaces only when they are canonical (FileImporter's
NamespaceUnlocalizer). Category, File/Image/Media links, interwiki/language links and ``[[#anchors]]``
stay as they are: they do not point at a source page, or already say where they point.
"""

from __future__ import annotations

from typing import Any

from mwparserfromhell.nodes import Text, Wikilink

from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport
from wikifile_transfer.wikitext.steps.templates import language_codes, nodes_in, text_in_place

Wikicode = Any

# canonical English namespace names every MediaWiki knows (lower-case → canonical)
CANONICAL_NAMESPACES = {
    n.lower(): n
    for n in (
        "Talk",
        "User",
        "User talk",
        "Project",
        "Project talk",
        "File",
        "File talk",
        "Image",
        "Image talk",
        "Media",
        "MediaWiki",
        "MediaWiki talk",
        "Template",
        "Template talk",
        "Help",
        "Help talk",
        "Category",
        "Category talk",
        "Special",
        "Wikipedia",
        "Wikipedia talk",
        "Portal",
        "Portal talk",
        "Draft",
        "Draft talk",
        "Module",
        "Module talk",
    )
}
# canonical namespaces whose links are not links to a source page (or are file embeds)
_LEFT_ALONE = frozenset({"category", "file", "image", "media"})
# interwiki prefixes of the Wikimedia interwiki map that are not language codes
_INTERWIKI = frozenset(
    [
        "w",
        "wikipedia",
        "wikt",
        "wiktionary",
        "c",
        "commons",
        "m",
        "meta",
        "mw",
        "mediawikiwiki",
        "species",
        "wikispecies",
        "d",
        "wikidata",
        "q",
        "wikiquote",
        "s",
        "wikisource",
        "b",
        "wikibooks",
        "n",
        "wikinews",
        "v",
        "wikiversity",
        "voy",
        "wikivoyage",
        "phab",
        "phabricator",
        "foundation",
        "wmf",
        "outreach",
        "incubator",
        "toollabs",
        "wikitech",
        "doi",
        "google",
        "bugzilla",
        "metawikimedia",
    ]
)


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).lower()


def _is_interwiki(prefix: str, namespaces: dict[str, str]) -> bool:
    key = _norm(prefix)
    return key not in namespaces and (key in _INTERWIKI or key in language_codes())


def _new_title(
    title: str, ctx: ConvertContext, namespaces: dict[str, str], categories: set[str]
) -> str | None:
    """The unprefixed link target as the source's canonical title, or None when the link is left alone."""
    stripped = title.strip()
    colon = stripped.startswith(":")
    bare = stripped[1:].strip() if colon else stripped
    if not bare or bare.startswith("#") or "{" in bare or "<" in bare:
        return None
    if ":" not in bare:
        return bare
    prefix, rest = bare.split(":", 1)
    key = _norm(prefix)
    if key in categories:
        return None  # a category (or [[:Category:X]], a link the category step does not touch)
    canonical = namespaces.get(key)
    if canonical is not None:
        if canonical.lower() in _LEFT_ALONE:
            return None
        return f"{canonical}:{rest.lstrip()}"
    if _is_interwiki(prefix, namespaces):
        return None
    return bare  # a main-namespace title with a colon ("Star Wars: Episode I")


def prefix_links(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Prefix every link to a source page with ``:<interwiki prefix>:``, keeping its label."""
    namespaces = dict(CANONICAL_NAMESPACES)
    namespaces.update({_norm(k): v for k, v in ctx.namespaces.items()})
    categories = {_norm(n) for n in (*ctx.category_namespace_names, ctx.target_category_namespace)}
    categories.add("category")
    count = 0
    for link in [n for n in nodes_in(code) if isinstance(n, Wikilink)]:
        title = str(link.title)
        new = _new_title(title, ctx, namespaces, categories)
        if new is None:
            continue
        if ctx.interwiki_prefix is None:
            report.warnings.append(Note("wft-warn-no-interwiki-prefix", (title.strip(),)))
            return
        if link.text is None:
            link.text = Text(title.strip().lstrip(":").strip())  # plain: titles hold no markup
        if not text_in_place(link.title, f":{ctx.interwiki_prefix}:{new}"):
            link.title = Text(f":{ctx.interwiki_prefix}:{new}")
        count += 1
    if count:
        report.changes.append(Note("wft-change-links-prefixed", (str(count),)))
