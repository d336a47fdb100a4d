"""Step 4: templates — Remove, Transfer (rename and map parameters), FtCG regex replacements, and
templates the target lacks.

Why on the parse tree and not with regexes: FileImporter's cleaner is a hand-written bracket scanner
because regexes cannot see nesting (``{{a|p={{b}}}}``), triple-brace parameters (``{{{1}}}``) or
cut-off templates. mwparserfromhell gives the same guarantees for free, keeps every byte it does not
touch, and lets the steps share one parse. Only the FtCG rules are regexes over text (that is their
format); they run on the serialised text and the tree is rebuilt only when one of them matched.

Also home to the small tree helpers the other steps share (name handling, language-template detection).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import babel.localedata
from mwparserfromhell.nodes import Comment, HTMLEntity, Template, Text, Wikilink
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.smart_list import SmartList
from mwparserfromhell.wikicode import Wikicode as Wikicode_

from wikifile_transfer.wikitext.rules.model import (
    ParamRule,
    RegexRule,
    RuleError,
    RuleSet,
    TransferRule,
    name_key,
)
from wikifile_transfer.wikitext.rules.saferegex import ReplacementError, check_text, compile_rule, rule_error
from wikifile_transfer.wikitext.steps.base import (
    ConvertContext,
    Note,
    OfflineLookups,
    StepReport,
    rule_error_note,
)
from wikifile_transfer.wikitext.steps.parsing import parse

Wikicode = Any  # mwparserfromhell is untyped

# Wikimedia language codes that are not (or not only) CLDR locales, plus multilingual wrappers.
_EXTRA_LANGUAGE_TEMPLATES = frozenset(
    [
        "simple",
        "als",
        "bat-smg",
        "be-tarask",
        "zh-hans",
        "zh-hant",
        "zh-yue",
        "zh-min-nan",
        "zh-classical",
        "roa-tara",
        "nds-nl",
        "map-bms",
        "fiu-vro",
        "cbk-zam",
        "sgs",
        "pdc",
        "frr",
        "hsb",
        "dsb",
        "lad",
        "ang",
        "arc",
        "got",
        "lang",
        "langswitch",
        "mld",
    ]
) | {"multilingual description"}


@functools.cache
def language_codes() -> frozenset[str]:
    """Names that are language templates on Wikimedia wikis (``en``, ``de``, ``pt-br``, ``lang``…).

    From CLDR (babel's locale list, lower-cased, ``_`` → ``-``, with and without region): words like
    ``own`` or ``pd`` are not language codes, so ``{{Own}}`` is never mistaken for a wrapper.
    """
    codes: set[str] = set(_EXTRA_LANGUAGE_TEMPLATES)
    for ident in babel.localedata.locale_identifiers():
        code = ident.lower().replace("_", "-")
        codes.add(code)
        codes.add(code.split("-", 1)[0])
    codes.discard("root")
    return frozenset(codes)


# nodes without children (``Node.__children__`` yields nothing for them): ``nodes_in`` does not ask
_LEAVES = frozenset({Text, Comment, HTMLEntity})


def nodes_in(code: Wikicode) -> list[Any]:
    """Every node of the tree, depth first, nested ones (template parameters, link labels) included.

    Cheaper than ``filter_*(recursive=True)``, which indexes every node, and than a recursive generator
    (one generator object per node: most of the steps' time went there); steps call it on the live tree.
    """
    found: list[Any] = []
    _collect(code, found)
    return found


def _collect(code: Wikicode, found: list[Any]) -> None:
    """Pre-order, children in ``Node.__children__`` order (spelt out for the common kinds: a generator
    per node is what made the walk slow)."""
    append = found.append
    for node in code.nodes:
        append(node)
        kind = type(node)
        if kind in _LEAVES:
            continue
        if kind is Template:
            _collect(node.name, found)
            for param in node.params:
                if param.showkey:
                    _collect(param.name, found)
                _collect(param.value, found)
        elif kind is Wikilink:
            _collect(node.title, found)
            if node.text is not None:
                _collect(node.text, found)
        else:
            for child in node.__children__():
                _collect(child, found)


def templates_in(code: Wikicode) -> list[Template]:
    return [n for n in nodes_in(code) if isinstance(n, Template)]


def template_name(template: Template) -> str:
    """The name as written, without surrounding whitespace or ``_``."""
    nodes = template.name.nodes
    name = nodes[0].value if len(nodes) == 1 and type(nodes[0]) is Text else str(template.name)
    return name.strip().replace("_", " ")


def set_template_name(template: Template, new: str) -> None:
    """Rename, keeping the whitespace around the name (``{{Info\\n|…}}`` stays multi-line)."""
    old = str(template.name)
    stripped = old.strip()
    lead = old[: len(old) - len(old.lstrip())]
    trail = old[len(lead) + len(stripped) :]
    if not text_in_place(template.name, lead + new + trail):
        template.name = Text(lead + new + trail)  # a Text node: no re-parse of a plain name


def text_in_place(code: Wikicode, value: str) -> bool:
    """Give ``code`` (a name, a title) the plain text ``value`` when it is one Text node already, by
    changing that node: the same tree as assigning ``Text(value)`` to the attribute that holds
    ``code``, without the setter's ``parse_anything`` (whose imports cost more than the rest of a
    rename). False when ``code`` is anything else: the caller assigns then."""
    nodes = code.nodes
    if len(nodes) == 1 and type(nodes[0]) is Text:
        nodes[0].value = value
        return True
    return False


def is_language_template(template: Template) -> bool:
    return template_name(template).lower() in language_codes()


def is_language_wrapped(value: Wikicode) -> bool:
    """True when everything in ``value`` (whitespace and comments aside) is language templates."""
    seen = False
    for node in value.nodes:
        if isinstance(node, Template) and is_language_template(node):
            seen = True
        elif isinstance(node, Comment) or (isinstance(node, Text) and not node.value.strip()):
            continue
        else:
            return False
    return seen


def wrap_language(value: Wikicode, lang: str) -> bool:
    """Wrap a parameter value in ``{{<lang>|1=…}}``, keeping its surrounding whitespace.

    ``1=`` so an ``=`` in the text cannot turn it into a named parameter. Empty values and values
    already in language templates are left alone (never ``{{en|1={{en|…}}}}``). Returns whether it wrapped.
    """
    text = str(value)
    core = text.strip()
    if not core or is_language_wrapped(value):
        return False
    nodes = list(value.nodes)
    lead = _edge_text(nodes, 0)
    trail = _edge_text(nodes, -1)
    inner = Wikicode_(SmartList(nodes))  # type: ignore[no-untyped-call]
    wrapper = Template(Text(lang), [Parameter(Text("1"), inner, showkey=True)])
    value.nodes[:] = [n for n in (Text(lead) if lead else None, wrapper, Text(trail) if trail else None) if n]
    return True


def _edge_text(nodes: list[Any], end: int) -> str:
    """Cut the whitespace off the first (``end=0``) or last (``end=-1``) nodes; return what was cut."""
    cut = ""
    while nodes and isinstance(nodes[end], Text):
        value = nodes[end].value
        kept = value.lstrip() if end == 0 else value.rstrip()
        if end == 0:
            cut += value[: len(value) - len(kept)]
        else:
            cut = value[len(kept) :] + cut
        if kept:
            nodes[end] = Text(kept)
            break
        del nodes[end]
    return cut


def remove_with_newline(container: Wikicode, node: Any) -> str:
    """Remove ``node`` and one line break right after it; return the exact removed span."""
    index = next(i for i, n in enumerate(container.nodes) if n is node)
    span = str(node)
    following = container.nodes[index + 1] if index + 1 < len(container.nodes) else None
    if isinstance(following, Text) and following.value.startswith("\n"):
        following.value = following.value[1:]
        span += "\n"
        if not following.value:
            del container.nodes[index + 1]
    del container.nodes[index]
    return span


def _children(node: Any) -> Iterator[Wikicode]:
    return node.__children__()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------- Remove


def _is_copy_to_commons(template: Template, rules: RuleSet, report: StepReport, warned: set[str]) -> bool:
    """FtCG's CopyToCommonsRegex is written against the template's text (``{{(mtc|…)[^}]*}}\\n?``);
    some loaders give a bare name pattern instead. Both are tried: a match at the template's start,
    or the whole name."""
    pattern = rules.copy_to_commons
    if not pattern:
        return False
    regex = compile_rule(pattern, "CopyToCommonsRegex")
    if isinstance(regex, RuleError):
        if pattern not in warned:
            warned.add(pattern)
            report.warnings.append(rule_error_note(regex))
        return False
    return regex.match(str(template)) is not None or regex.fullmatch(template_name(template)) is not None


def _copy_to_commons_excluded(rules: RuleSet, text: str) -> bool:
    """True when no template of the page ``text`` can match CopyToCommonsRegex, by the literal
    pre-test (``SafeRegex.excluded_by``): neither in a template's text nor in its name with ``_`` as
    space. Sound because, when a template is tested, its text is still a part of ``text`` (its own
    nested removals come after it, see ``remove_templates``), and its name a part of that. An unusable
    pattern is never excluded here: ``_is_copy_to_commons`` must still warn about it."""
    regex = compile_rule(rules.copy_to_commons or "", "CopyToCommonsRegex")
    if isinstance(regex, RuleError):
        return False
    return regex.excluded_by(text.casefold()) and regex.excluded_by(text.replace("_", " ").casefold())


def remove_templates(
    code: Wikicode,
    ctx: ConvertContext,
    report: StepReport,
    text: str | None = None,
    templates: list[Template] | None = None,
) -> None:
    """Remove every template named in Remove (or matching CopyToCommonsRegex), nested ones included,
    with the line break after it; the removed text goes to ``report.removed``.

    ``text`` and ``templates``: ``str(code)`` and ``templates_in(code)`` when the caller has them.
    Templates are tested before their nested ones, and in the text they had when the step began."""
    rules = ctx.rules
    remove = {name_key(n) for n in rules.remove_templates}
    if not remove and not rules.copy_to_commons:
        return
    warned: set[str] = set()
    copy_to_commons = bool(rules.copy_to_commons) and not _copy_to_commons_excluded(
        rules, str(code) if text is None else text
    )

    def removed(node: Template) -> bool:
        return name_key(template_name(node)) in remove or (
            copy_to_commons and _is_copy_to_commons(node, rules, report, warned)
        )

    # the same tests in the order the visit makes them: when no template is to go, the visit (which
    # copies every node list) would change nothing. (An unusable CopyToCommonsRegex warns once either way.)
    if not any(removed(t) for t in (templates_in(code) if templates is None else templates)):
        return

    def visit(container: Wikicode) -> None:
        for node in list(container.nodes):
            if isinstance(node, Template) and removed(node):
                name = template_name(node)
                report.removed.append(remove_with_newline(container, node))
                report.changes.append(Note("wft-change-template-removed", (name,)))
                continue
            for child in _children(node):
                visit(child)

    visit(code)


# -------------------------------------------------------------------------------------------- Transfer


def _param_key(param: Any) -> str:
    return str(param.name).strip()


def _rename_param(param: Any, target: str) -> None:
    if not param.showkey:
        param.showkey = True
        if not text_in_place(param.name, target):
            param.name = Text(target)
        return
    old = str(param.name)
    core = old.strip()
    lead = old[: len(old) - len(old.lstrip())]
    new = lead + target + old[len(lead) + len(core) :]
    if not text_in_place(param.name, new):
        param.name = Text(new)


def apply_transfer(template: Template, rule: TransferRule, lang: str) -> bool:
    """Rename ``template`` and map its parameters per ``rule``; True when the text changed.

    Each target parameter takes, of the parameters present, the target name itself first (a page
    converted before), then the first of its sources (numbers are unnamed parameters); that one is
    renamed. Every other parameter is kept as it is, as FileImporter does: an unmapped ``author`` or
    ``permission`` may be the only place a credit is written, and a rule that forgets a parameter must
    not delete it. So running the rule on its own output changes nothing.
    """
    before = str(template)
    set_template_name(template, rule.target)
    if rule.params:
        _map_params(template, rule.params, lang)
    return str(template) != before


def _map_params(template: Template, prules: tuple[ParamRule, ...], lang: str) -> None:
    params = list(template.params)
    by_key: dict[str, Any] = {}
    for param in params:
        by_key.setdefault(_param_key(param), param)
    winners: dict[int, ParamRule] = {}
    missing: list[ParamRule] = []
    for prule in prules:
        found = next(
            (
                by_key[s]
                for s in (prule.target, *prule.sources)
                if s in by_key and id(by_key[s]) not in winners
            ),
            None,
        )
        if found is None:
            if prule.add_if_missing is not None:
                missing.append(prule)
            continue
        winners[id(found)] = prule
    named_before = False  # an unnamed parameter before this one became named
    for param in params:
        prule_for = winners.get(id(param))
        if prule_for is None:
            if named_before and not param.showkey:
                # ``{{X|a|b}}`` with ``1`` renamed: ``b`` would move up to position 1; keep it at 2
                param.showkey = True
            continue
        if not param.showkey:
            named_before = True
        if _param_key(param) != prule_for.target or not param.showkey:
            _rename_param(param, prule_for.target)
        if prule_for.language_template:
            wrap_language(param.value, lang)
    for prule in missing:
        first = params[0] if params else None
        template.add(prule.target, prule.add_if_missing or "", before=first)


def transfer_templates(
    code: Wikicode, ctx: ConvertContext, report: StepReport, templates: list[Template] | None = None
) -> dict[str, str]:
    """Apply Transfer rules to every template (nested ones too); returns old name → new name.
    ``templates``: ``templates_in(code)``, when the caller has it."""
    renamed: dict[str, str] = {}
    if not ctx.rules.transfer:
        return renamed
    for template in templates_in(code) if templates is None else templates:
        rule = ctx.rules.transfer_rule(template_name(template))
        if rule is None:
            continue
        old = template_name(template)
        if apply_transfer(template, rule, ctx.source_lang):
            renamed[old] = rule.target
            report.changes.append(Note("wft-change-template-transferred", (old, rule.target)))
    return renamed


# ---------------------------------------------------------------------------------- FtCG replacements


def _placeholders(replacement: str, ctx: ConvertContext) -> str:
    uploader = ctx.facts.original_uploader or ""
    prefix = ":" + ctx.interwiki_prefix if ctx.interwiki_prefix else ""
    # the values are literal text: escape backslashes so they cannot act as group references
    return replacement.replace("%%OriginalUploader%%", uploader.replace("\\", "\\\\")).replace(
        "%%InterwikiLinkPrefix%%", prefix.replace("\\", "\\\\")
    )


def _warn_uploader_unknown(rule: RegexRule, origin: str, ctx: ConvertContext, report: StepReport) -> None:
    """A matching rule that writes the original uploader, who is not known."""
    if "%%OriginalUploader%%" in rule.replacement and not ctx.facts.original_uploader:
        report.warnings.append(Note("wft-warn-uploader-unknown", (origin,)))


def apply_replacements(text: str, ctx: ConvertContext, report: StepReport) -> str:
    """Run the FtCG Replacement rules, then the SelfLicenseReplacement ones, on the text, in order.

    A SelfLicenseReplacement that matches marks the file self-licensed. Every matched span goes to
    ``report.removed`` (its text is replaced by the rule's). Unusable patterns only warn.
    """
    rules = ctx.rules.replacements
    ordered = [r for r in rules if not r.self_licence] + [r for r in rules if r.self_licence]
    folded = text.casefold()  # for the literal pre-test of each rule (SafeRegex.excluded_by)
    for rule in ordered:
        origin = rule.origin or rule.pattern
        regex = compile_rule(rule.pattern, origin)
        if isinstance(regex, RuleError):
            report.warnings.append(rule_error_note(regex))
            continue
        if regex.excluded_by(folded):
            check_text(text)  # what the search would have raised for a text over the size cap
            continue
        # one pass: the replaced spans say whether the rule matched (a search first doubled the cost)
        try:
            new, spans = regex.sub_spans(_placeholders(rule.replacement, ctx), text)
        except ReplacementError as err:  # a RuleSet built in code, not checked by a loader
            if regex.search(text) is None:
                continue
            _warn_uploader_unknown(rule, origin, ctx, report)
            problem = rule_error(origin, "wft-rule-error-bad-replacement", err.message)
            report.warnings.append(rule_error_note(problem))
            continue
        if not spans:
            continue
        _warn_uploader_unknown(rule, origin, ctx, report)
        if new == text:
            continue
        report.removed.extend(s for s in spans if s)
        report.changes.append(Note("wft-change-replacement", (origin,)))
        if rule.self_licence:
            report.self_licensed = True
        text = new
        folded = text.casefold()
    return text


# ----------------------------------------------------------------------------- templates on the target


def _checkable(name: str) -> str | None:
    """The target title to look up for a template name, or None for parser functions, magic words,
    variables and transclusions from other namespaces."""
    if not name or name.startswith("#") or "{" in name or "<" in name:
        return None
    if ":" in name:
        prefix, rest = name.split(":", 1)
        if prefix.strip().lower() != "template":
            return None
        name = rest.strip()
    if not name or (name.isupper() and " " not in name) or name in {"!", "=", "!!"}:
        return None  # PAGENAME, CURRENTYEAR, {{!}}: variables
    return "Template:" + name[0].upper() + name[1:]


def localise_missing_templates(code: Wikicode, ctx: ConvertContext, report: StepReport) -> None:
    """Templates used on the page that the target lacks: renamed through ``template_links`` (Wikidata /
    langlinks) when a counterpart exists, else a warning. One batched lookup each.

    Offline (``OfflineLookups``) nothing is known, and "unknown" must not read as "missing".
    """
    if isinstance(ctx.lookups, OfflineLookups):
        return
    used: dict[str, list[Template]] = {}
    for template in templates_in(code):
        title = _checkable(template_name(template))
        if title is not None:
            used.setdefault(title, []).append(template)
    if not used:
        return
    existing = ctx.lookups.existing_on_target(list(used))
    missing = [t for t in used if t not in existing]
    if not missing:
        return
    links = ctx.lookups.template_links([t.removeprefix("Template:") for t in missing])
    for title in missing:
        name = title.removeprefix("Template:")
        local = links.get(name)
        if local:
            local = local.split(":", 1)[1] if local.lower().startswith("template:") else local
            for template in used[title]:
                set_template_name(template, local)
            report.changes.append(Note("wft-change-template-localised", (name, local)))
        else:
            report.warnings.append(Note("wft-warn-template-missing", (name,)))


def used_template_names(code: Wikicode) -> Iterator[str]:
    """The names of the templates of ``code``, walked when the first is asked for (the licence gate
    often needs none of them)."""
    for template in templates_in(code):
        yield template_name(template)


def clean_templates(
    code: Wikicode, ctx: ConvertContext, report: StepReport
) -> tuple[Wikicode, dict[str, str]]:
    """Step 4 in order: Remove, Transfer, FtCG replacements, missing templates.

    Returns the (possibly re-parsed) tree and the Transfer renames (the licence gate accepts a Good
    template under either name).
    """
    rules = ctx.rules
    # serialised once for Remove's pre-test and, when Remove and Transfer leave it as it is, for the
    # replacements (both note every change they make to the text in report.changes)
    text = str(code) if rules.copy_to_commons or rules.replacements else None
    # for Remove, and for Transfer when Remove removed nothing
    templates = (
        templates_in(code) if rules.remove_templates or rules.copy_to_commons or rules.transfer else []
    )
    before = len(report.changes)
    remove_templates(code, ctx, report, text, templates)
    renamed = transfer_templates(code, ctx, report, templates if len(report.changes) == before else None)
    if rules.replacements:
        if text is None or len(report.changes) != before:
            text = str(code)
        new = apply_replacements(text, ctx, report)
        if new != text:
            code = parse(new)
    localise_missing_templates(code, ctx, report)
    return code, renamed
