"""Step 7: categories are localised to the target's category, kept, or commented out.

Why not copy them (most tools do) or drop them (MTC!): a category that does not exist on the target
is a red link nobody watches; a dropped one loses the uploader's classification. So, in order: the
target's counterpart through langlinks/Wikidata (one batched lookup), the same title when it exists on
the target (one batched lookup), else ``<!-- [[Category:X]] -->`` — still in the text for a human to
fix, listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwparserfromhell.nodes import Comment, Text, Wikilink

from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport
from wikifile_transfer.wikitext.steps.templates import nodes_in, text_in_place

Wikicode = Any


@dataclass(frozen=True)
class CategoryLink:
    link: Wikilink
    name: str  # without namespace, first letter upper-case, spaces not underscores
    sort_key: str | None


def _norm(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).lower()


def category_prefixes(ctx: ConvertContext) -> set[str]:
    """Every name the Category namespace may be written with here: the source's local, canonical and
    alias names, and the target's (a second run sees the already-localised links)."""
    names = {_norm(n) for n in (*ctx.category_namespace_names, ctx.target_category_namespace)}
    names.update({_norm(ctx.rules.category_namespace), "category"})
    return names


def find_categories(code: Wikicode, prefixes: set[str]) -> list[CategoryLink]:
    """Category links (``[[:Category:X]]`` is a link, not a categorisation, and is skipped)."""
    return categories_among([n for n in nodes_in(code) if isinstance(n, Wikilink)], prefixes)


def categories_among(links: list[Wikilink], prefixes: set[str]) -> list[CategoryLink]:
    """``find_categories`` on the links of a tree, for a caller that walked the tree for more."""
    found = []
    for link in links:
        title = str(link.title).strip()
        if title.startswith(":") or ":" not in title or "{" in title:
            continue
        prefix, rest = title.split(":", 1)
        name = " ".join(rest.replace("_", " ").split())
        if _norm(prefix) not in prefixes or not name:
            continue
        name = name[0].upper() + name[1:]
        found.append(CategoryLink(link, name, None if link.text is None else str(link.text)))
    return found


def _strip_namespace(title: str) -> str:
    return title.split(":", 1)[1].strip() if ":" in title else title.strip()


def _write(link: Wikilink, namespace: str, name: str) -> None:
    if not text_in_place(link.title, f"{namespace}:{name}"):
        link.title = Text(f"{namespace}:{name}")


def localise_categories(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Localise, keep or comment out every category (two batched lookups at most)."""
    found = find_categories(code, category_prefixes(ctx))
    if not found:
        return
    target_ns = ctx.target_category_namespace
    sources = list(dict.fromkeys(f"Category:{c.name}" for c in found))
    links = ctx.lookups.category_links(sources)
    unresolved = list(
        dict.fromkeys(f"{target_ns}:{c.name}" for c in found if not links.get(f"Category:{c.name}"))
    )
    existing = ctx.lookups.existing_on_target(unresolved) if unresolved else set()
    for category in found:
        source = f"Category:{category.name}"
        local = links.get(source)
        if local:
            new = _strip_namespace(local)
            _write(category.link, target_ns, new)
            report.categories_localised[source] = f"{target_ns}:{new}"
            if new != category.name:
                report.changes.append(Note("wft-change-category-localised", (category.name, new)))
        elif f"{target_ns}:{category.name}" in existing:
            if _norm(str(category.link.title).split(":", 1)[0]) != _norm(target_ns):
                _write(category.link, target_ns, category.name)
            report.categories_kept.append(category.name)
        else:
            code.replace(category.link, Comment(f" {category.link} "))
            report.categories_commented.append(category.name)
            report.changes.append(Note("wft-change-category-commented", (category.name,)))
