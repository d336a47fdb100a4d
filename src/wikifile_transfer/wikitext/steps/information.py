"""Steps 2 and 3: the ``{{Information}}`` template — map the local one, or generate one.

Why map to canonical lower-case names (``description``, ``other versions``): they are the names the
target's template documents; local spellings (``Beschreibung``, ``Other_versions``) are not guaranteed
to work there. Why wrap the description in ``{{en|1=…}}``: multilingual targets (Commons) show each
reader the description in their language and need to know which language a text is in.

Why generate (FileImporter refuses, T223359): an old upload with loose prose and a licence tag is common
on local wikis, and a page without ``{{Information}}`` is flagged on Commons. The generated template
uses only facts: the loose text, EXIF or upload dates, the original uploader, the source page.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from mwparserfromhell.nodes import Comment, Heading, Tag, Template, Text, Wikilink
from mwparserfromhell.nodes.extras import Parameter

from wikifile_transfer.wikitext.rules.model import InformationNames, name_key
from wikifile_transfer.wikitext.steps.base import ConvertContext, Note, StepReport
from wikifile_transfer.wikitext.steps.headings import FILEDESC
from wikifile_transfer.wikitext.steps.parsing import parse
from wikifile_transfer.wikitext.steps.templates import (
    set_template_name,
    template_name,
    templates_in,
    text_in_place,
    wrap_language,
)

Wikicode = Any

CANONICAL = ("description", "date", "source", "author", "permission", "other versions")
LOCATION_TEMPLATES = frozenset({"location", "location dec", "camera location", "object location"})

# own-work phrases (en, de) and self-licence template names; our fixed patterns, not rules
_OWN_WORK = re.compile(
    r"i (?:have )?created this|own work|self[- ]?made|eigenes werk|selbst (?:fotografiert|erstellt)",
    re.IGNORECASE,
)
_SELF_LICENCE = re.compile(r"(?:^|-)self(?:$|-)")
_EXIF_DATE = re.compile(r"^\s*(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2}))?")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:\s*/\s*(\d+(?:\.\d+)?))?")
_MAGIC_WORD = re.compile(r"^__[A-Z]+__$")


def _information_keys(ctx: ConvertContext) -> frozenset[str]:
    return _information_keys_of(ctx.rules.information.template, ctx.rules.target_information)


@functools.lru_cache(maxsize=64)
def _information_keys_of(local: str, target: str) -> frozenset[str]:
    # FtCG allows a regex alternative ("Information|Info") for the local template name
    names = {name_key(n) for n in local.split("|") if n.strip()}
    names.add(name_key(target))
    return frozenset(names)


@functools.lru_cache(maxsize=64)
def _param_names(names: InformationNames) -> dict[str, str]:
    """name_key of a local or canonical parameter name → the canonical name (cached per rule set's
    names: callers only read it)."""
    local = (
        names.description,
        names.date,
        names.source,
        names.author,
        names.permission,
        names.other_versions,
    )
    mapping = {name_key(c): c for c in CANONICAL}
    mapping.update({name_key(loc): can for loc, can in zip(local, CANONICAL, strict=True) if loc.strip()})
    return mapping


def find_information(code: Wikicode, ctx: ConvertContext) -> list[Template]:
    keys = _information_keys(ctx)
    # the top-level templates, as ``filter_templates(recursive=False)`` lists them
    return [t for t in code.nodes if isinstance(t, Template) and name_key(template_name(t)) in keys]


def map_information(code: Wikicode, ctx: ConvertContext, report: StepReport) -> bool:
    """Rename the local Information template and its parameters; wrap the description. Returns whether
    the page has an Information template at all."""
    found = find_information(code, ctx)
    mapping = _param_names(ctx.rules.information)
    for template in found:
        if _map_template(template, ctx, mapping):
            report.changes.append(Note("wft-change-information-mapped", (template_name(template),)))
    return bool(found)


_Edits = dict[tuple[int, str], str]
"""A part of a template before it was edited: (-1, "name") for the template's name, (i, "name") and
(i, "value") for its i-th parameter's."""


def _map_template(template: Template, ctx: ConvertContext, mapping: dict[str, str]) -> bool:
    """Map one Information template in place; True when its text changed.

    Whether the text changed is decided without serialising the template twice: every edit changes the
    text of one part (a new name differs from the old one, a wrapped value is longer), whose text before
    the edit is kept. One edit, or a change of length, is a change of text; only when several edits add
    up to the same length is the text compared with the one rebuilt from the parts as they were.
    """
    target = ctx.rules.target_information
    edits: _Edits = {}
    growth = 0
    if name_key(template_name(template)) != name_key(target):
        old_name = str(template.name)
        set_template_name(template, target)
        edits[(-1, "name")] = old_name
        growth += len(str(template.name)) - len(old_name)
    for index, param in enumerate(template.params):
        if not param.showkey:
            continue
        old = str(param.name)
        canonical = mapping.get(name_key(old))
        if canonical is None:
            continue
        core = old.strip()
        if core != canonical:
            lead = old[: len(old) - len(old.lstrip())]
            renamed = lead + canonical + old[len(lead) + len(core) :]
            if not text_in_place(param.name, renamed):
                param.name = Text(renamed)
            edits[(index, "name")] = old
            growth += len(canonical) - len(core)
        if canonical == "description" and ctx.rules.target_language_templates:
            value = str(param.value)
            if wrap_language(param.value, ctx.source_lang):
                edits[(index, "value")] = value
                growth += len(str(param.value)) - len(value)
    if not edits:
        return False
    return len(edits) == 1 or growth != 0 or str(template) != _text_before(template, edits)


def _text_before(template: Template, edits: _Edits) -> str:
    """The template's text as it was before ``edits`` (as ``Template.__str__`` writes it)."""
    parts = ["{{", edits.get((-1, "name"), str(template.name))]
    for index, param in enumerate(template.params):
        parts.append("|")
        if param.showkey:
            parts += [edits.get((index, "name"), str(param.name)), "="]
        parts.append(edits.get((index, "value"), str(param.value)))
    parts.append("}}")
    return "".join(parts)


# ------------------------------------------------------------------------------------------ generation


def commons_like(ctx: ConvertContext) -> bool:
    """Targets that have Commons' helper templates ({{original upload date}}, {{own work by original
    uploader}}). The rule model has no flag for it yet, so the target wiki's name decides."""
    return "commons" in (ctx.rules.target_wiki or "").lower()


def exif_date(value: str) -> str | None:
    """``2024:06:21 20:14:00`` (EXIF) or ``2024-06-21T20:14`` → ``2024-06-21 20:14``; None if not a date."""
    match = _EXIF_DATE.match(value)
    if not match or match.group(1) == "0000" or match.group(2) == "00":
        return None
    date = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    return f"{date} {match.group(4)}:{match.group(5)}" if match.group(4) else date


def _date(ctx: ConvertContext) -> str:
    meta = ctx.facts.metadata
    for key in ("DateTimeOriginal", "DateTime"):
        parsed = exif_date(meta.get(key, ""))
        if parsed:
            return parsed
    upload = exif_date(ctx.facts.first_upload or "")
    if upload is None:
        return ""
    upload = upload[:10]
    return f"{{{{original upload date|{upload}}}}}" if commons_like(ctx) else upload


def coordinate(value: str, ref: str | None, limit: float) -> float | None:
    """Decimal (``47.5``), or EXIF degrees/minutes/seconds (``47/1, 30/1, 0/1`` or ``47 30 0``) with
    the N/S/E/W reference (in ``ref`` or after the value) → signed decimal degrees; None if invalid."""
    text = value.strip()
    direction = (ref or "").strip().upper()[:1]
    if text and text[-1].upper() in "NSEW" and not text[-1].isdigit():
        direction = direction or text[-1].upper()
        text = text[:-1].strip()
    try:
        number = float(text)
    except ValueError:
        parts = [float(a) / float(b) if b else float(a) for a, b in _NUMBER.findall(text) if b != "0"]
        if not parts or len(parts) > 3:
            return None
        number = sum(p / 60**i for i, p in enumerate(parts))
    if direction in ("S", "W") and number > 0:
        number = -number
    return number if abs(number) <= limit else None


def _format(number: float) -> str:
    return f"{number:.6f}".rstrip("0").rstrip(".")


def gps(ctx: ConvertContext) -> tuple[str, str] | None:
    meta = ctx.facts.metadata
    if "GPSLatitude" not in meta or "GPSLongitude" not in meta:
        return None
    lat = coordinate(meta["GPSLatitude"], meta.get("GPSLatitudeRef"), 90)
    lon = coordinate(meta["GPSLongitude"], meta.get("GPSLongitudeRef"), 180)
    if lat is None or lon is None:
        return None
    return _format(lat), _format(lon)


def _own_work(code: Wikicode, loose: str, report: StepReport) -> bool:
    if report.self_licensed or _OWN_WORK.search(loose):
        return True
    for template in templates_in(code):
        if _SELF_LICENCE.search(name_key(template_name(template))):
            return True
    # the top-level Text nodes, as filter_text(recursive=False) lists them
    return any(_OWN_WORK.search(str(node)) for node in code.nodes if isinstance(node, Text))


def _source(code: Wikicode, ctx: ConvertContext, loose: str, report: StepReport) -> str:
    if _own_work(code, loose, report) and commons_like(ctx):
        return "{{own work by original uploader}}"
    return ctx.facts.source_url or ""


def _author(ctx: ConvertContext) -> str:
    user = ctx.facts.original_uploader
    if not user:
        return ""
    if ctx.interwiki_prefix:
        return f"[[:{ctx.interwiki_prefix}:User:{user}|{user}]]"
    return user  # a bare [[User:X]] would point at a user of the target wiki


def _is_prose(line: list[Any], category_names: set[str]) -> bool:
    """A line is loose prose when it has visible text (not only templates, categories, comments,
    headings); lines with a bare ``|`` are left where they are (tables, they would break the template)."""
    prose = False
    for node in line:
        if isinstance(node, Heading):
            return False
        if isinstance(node, Text):
            value = node.value
            if "|" in value or "}}" in value:
                return False
            if value.strip() and not _MAGIC_WORD.match(value.strip()):
                prose = True
        elif isinstance(node, Wikilink):
            prefix = str(node.title).strip().split(":", 1)[0].strip().lower().replace("_", " ")
            if ":" in str(node.title) and prefix in category_names:
                continue
            prose = True
        elif isinstance(node, Tag) and str(node.tag).lower() == "table":
            return False
        elif not isinstance(node, Template | Comment):
            prose = True
    return prose


def _lines(nodes: list[Any]) -> list[list[Any]]:
    lines: list[list[Any]] = [[]]
    for node in nodes:
        if isinstance(node, Text) and "\n" in node.value:
            first, *rest = node.value.split("\n")
            lines[-1].append(Text(first))
            lines.extend([Text(part)] for part in rest)
        else:
            lines[-1].append(node)
    return lines


def _region(code: Wikicode) -> tuple[int, int, bool]:
    """The description area: up to the first heading, or the whole ``{{int:filedesc}}`` section when
    that heading comes first. Returns (start, end, has_filedesc_heading)."""
    headings = [i for i, n in enumerate(code.nodes) if isinstance(n, Heading)]
    if not headings:
        return 0, len(code.nodes), False
    first = headings[0]
    if str(code.nodes[first].title).strip() == FILEDESC:
        end = headings[1] if len(headings) > 1 else len(code.nodes)
        return 0, end, True
    return 0, first, False


def _information_text(ctx: ConvertContext, values: dict[str, str]) -> str:
    body = "".join(f"\n|{name}={values.get(name, '')}" for name in CANONICAL)
    return f"{{{{{ctx.rules.target_information}{body}\n}}}}"


def generate_information(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Build ``{{Information}}`` from the page's loose prose and the file's facts, and put it at the
    top of the description section (a ``{{int:filedesc}}`` heading is added when there is none)."""
    start, end, has_heading = _region(code)
    category_names = {n.lower() for n in (*ctx.category_namespace_names, ctx.target_category_namespace)}
    lines = _lines(code.nodes[start:end])
    prose = [line for line in lines if _is_prose(line, category_names)]
    loose = "\n".join("".join(str(n) for n in line) for line in prose).strip()
    description = loose
    if loose and ctx.rules.target_language_templates:
        description = f"{{{{{ctx.source_lang}|1={loose}}}}}"
    values = {
        "description": description,
        "date": _date(ctx),
        "source": _source(code, ctx, loose, report),
        "author": _author(ctx),
    }
    info = _information_text(ctx, values)
    kept = ["".join(str(n) for n in line) for line in lines if not any(line is p for p in prose)]
    if has_heading:
        heading_line = next(i for i, line in enumerate(kept) if FILEDESC in line)
        kept.insert(heading_line + 1, info)
    else:
        kept[:0] = [f"== {FILEDESC} ==", info]
    new_region = "\n".join(kept)
    if end < len(code.nodes):  # a heading follows: leave an empty line above it
        new_region = new_region.rstrip("\n") + "\n\n"
    code.nodes[start:end] = parse(new_region).nodes
    report.changes.append(Note("wft-change-information-generated", (ctx.rules.target_information,)))


def add_location(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """``{{Location|lat|lon}}`` from the camera's GPS, right after ``{{Information}}`` (Commons'
    convention), when the target has such a template and the page has no location yet."""
    name = ctx.rules.target_location_template
    if not name:
        return
    coords = gps(ctx)
    if coords is None:
        return
    known = LOCATION_TEMPLATES | {name_key(name)}
    if any(name_key(template_name(t)) in known for t in templates_in(code)):
        return
    info = find_information(code, ctx)
    params = [Parameter(Text(str(i)), Text(c), showkey=False) for i, c in enumerate(coords, 1)]
    location = Template(Text(name), params)  # built, not parsed: this runs for every geotagged file
    if info:
        index = next(i for i, n in enumerate(code.nodes) if n is info[0])
        code.nodes[index + 1 : index + 1] = [Text("\n"), location]
    else:
        code.nodes[0:0] = [location, Text("\n")]
    report.changes.append(Note("wft-change-location-added", coords))


def information_step(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Steps 2 and 3: map an existing Information template, else generate one; then the location."""
    if not map_information(code, ctx, report):
        generate_information(code, ctx, report)
    add_location(code, ctx, report)
