"""The minimal description transform of the first slice: headings, categories, copy-to-Commons tags.

Pure functions on wikitext. The full rule engine (licences, Information mapping, category localisation)
replaces this module later; until then these three steps keep a transferred page honest: the standard
headings, no category that may not exist on the target, and no tag asking to do what was just done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Template, Text, Wikilink

# Heading texts of the local "summary" and "licensing" sections (FtCG's Summary/Licensing keys, en + de).
SUMMARY_HEADINGS = re.compile(r"^\s*(summary|description|file description|beschreibung)\s*:?\s*$", re.I)
LICENSING_HEADINGS = re.compile(r"^\s*(licensing|licence|license|lizenz|lizenzierung)\s*:?\s*$", re.I)

# Templates that ask for the transfer that is being done (FtCG CopyToCommonsRegex, en.wikipedia).
COPY_TO_COMMONS = re.compile(
    r"^(mtc|(copy |move )?to ?commons|move to wikimedia commons|copy to wikimedia commons|"
    r"nach commons verschieben|commons ok)$",
    re.I,
)


@dataclass(frozen=True)
class Change:
    """One thing a step did to the text, as a message key with parameters (shown to the user)."""

    key: str
    params: tuple[str, ...] = ()


@dataclass
class Transformed:
    text: str
    changes: list[Change] = field(default_factory=list)

    @property
    def commented_categories(self) -> list[str]:
        return [c.params[0] for c in self.changes if c.key == "wft-change-category-commented"]


def _name(template: Template) -> str:
    return str(template.name).strip().replace("_", " ")


def normalize_headings(code: mwparserfromhell.wikicode.Wikicode) -> list[Change]:
    """Local summary/licensing headings become ``{{int:filedesc}}`` / ``{{int:license-header}}``."""
    changes = []
    for heading in code.filter_headings(recursive=False):
        assert isinstance(heading, Heading)
        title = str(heading.title)
        if SUMMARY_HEADINGS.match(title):
            new = "{{int:filedesc}}"
        elif LICENSING_HEADINGS.match(title):
            new = "{{int:license-header}}"
        else:
            continue
        heading.title = f" {new} "
        changes.append(Change("wft-change-heading", (title.strip(), new)))
    return changes


def remove_copy_to_commons(code: mwparserfromhell.wikicode.Wikicode) -> list[Change]:
    """Drop tags such as ``{{Copy to Wikimedia Commons}}`` with the line break that followed them."""
    changes = []
    for template in code.filter_templates(recursive=False):
        assert isinstance(template, Template)
        name = _name(template)
        if not COPY_TO_COMMONS.match(name):
            continue
        index = code.index(template)
        following = code.nodes[index + 1] if index + 1 < len(code.nodes) else None
        if isinstance(following, Text) and following.value.startswith("\n"):
            following.value = following.value[1:]
        code.remove(template)
        changes.append(Change("wft-change-template-removed", (name,)))
    return changes


def comment_out_categories(
    code: mwparserfromhell.wikicode.Wikicode, category_prefixes: Iterable[str]
) -> list[Change]:
    """Turn ``[[Category:X]]`` into ``<!-- [[Category:X]] -->``: the target may not have the category.

    ``category_prefixes`` are the source wiki's names for its Category namespace (local, canonical, aliases).
    """
    prefixes = {p.strip().lower().replace("_", " ") for p in category_prefixes}
    changes = []
    for link in code.filter_wikilinks(recursive=False):
        assert isinstance(link, Wikilink)
        target = str(link.title).strip()
        if target.startswith(":"):
            continue  # [[:Category:X]] is a link, not a categorisation
        prefix, sep, rest = target.partition(":")
        if not sep or prefix.strip().lower().replace("_", " ") not in prefixes:
            continue
        code.replace(link, f"<!-- {link} -->")
        changes.append(Change("wft-change-category-commented", (rest.strip(),)))
    return changes


def transform(text: str, *, category_prefixes: Iterable[str]) -> Transformed:
    """Apply the minimal steps in order and report what each changed."""
    code = mwparserfromhell.parse(text)
    changes = normalize_headings(code)
    changes += remove_copy_to_commons(code)
    changes += comment_out_categories(code, category_prefixes)
    result = re.sub(r"\n{3,}", "\n\n", str(code)).strip("\n")
    return Transformed(result + "\n" if result else "", changes)
