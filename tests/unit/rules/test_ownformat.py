"""The project's TOML rule format, its JSON Schema, and the bundled rules."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from rules_helpers import explained

from wikifile_transfer.wikitext.rules import (
    RuleFormatError,
    RuleSyntaxError,
    bundled_rules,
    load_rules_file,
    name_key,
    parse_ftcg,
    parse_rules_toml,
)
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ParamRule,
    ProblemRule,
    RegexRule,
    RuleSet,
    TransferRule,
)
from wikifile_transfer.wikitext.rules.ownformat import (
    SINGLE_VALUE_FIELDS,
    SchemaError,
    SchemaValidator,
    bundled_rule_sets,
    schema,
    select_rules,
    wiki_key,
)
from wikifile_transfer.wikitext.rules.saferegex import SafeRegex, compile_rule, escape_replacement

REPO = Path(__file__).resolve().parents[3]
DATA = resources.files("wikifile_transfer.wikitext.rules").joinpath("data")
FTCG_EN = REPO / "tests" / "fixtures" / "rules" / "en.wikipedia.wiki"

EVERYTHING = r"""
format = 1

[[pair]]
source = "xx.wikipedia"
target = "*"
good_templates = ["Cc-by-4.0"]
bad_templates = ["Copyvio"]
bad_categories = ["Deletion requests"]
non_free_templates = ["Non-free logo"]
target_accepts_non_free = true
remove_templates = ["Mtc"]
description_headings = ["Beschreibung"]
licensing_headings = ["Lizenz"]
copy_to_commons = '\{\{mtc\}\}'
target_information = "Information"
target_language_templates = false
target_location_template = "Location"
category_namespace = "Kategorie"
now_commons_template = "NowCommons"

[pair.information]
template = "Info"
description = "Beschreibung"
date = "Datum"
source = "Quelle"
author = "Urheber"
permission = "Genehmigung"
other_versions = "Andere Versionen"

[[pair.transfer]]
source = "Information"
target = "Information"
params = [
    { target = "description", sources = ["Beschreibung", "1"], language_template = true },
    { target = "source", add_if_missing = "{{own}}" },
]

[[pair.transfer]]
source = "Bild-frei"
target = "subst:Copyrighted free use"

[[pair.heading_regexes]]
pattern = "Lizenz(ierung)?:?"
kind = "license-header"

[[pair.replacements]]
pattern = '\{\{Eigenes Werk\}\}'
replacement = "{{own}}"

[[pair.replacements]]
pattern = '\{\{PD-self([^}]*)\}\}'
replacement = '{{PD-user|%%OriginalUploader%%\1}}'
self_licence = true

[[pair.replacements]]
pattern = 'later'
replacement = 'ordinary'

[[pair.problems]]
match = "{{löschantrag"
message = "Nominated for deletion."

[[pair.problems]]
match = '\{\{(sla|löschen)\b'
message = "Speedy deletion."
regex = true

[[pair]]
source = "xx.wikipedia"
target = "commons"
"""


def origin(suffix: str = "") -> str:
    return "rules.toml: pair xx.wikipedia → *" + suffix


def test_every_field_can_be_written() -> None:
    first, second = parse_rules_toml(EVERYTHING, "rules.toml")
    assert first == RuleSet(
        source_wiki="xx.wikipedia",
        target_wiki=None,
        origin=origin(),
        good_templates=frozenset({"Cc-by-4.0"}),
        bad_templates=frozenset({"Copyvio"}),
        bad_categories=frozenset({"Deletion requests"}),
        non_free_templates=frozenset({"Non-free logo"}),
        target_accepts_non_free=True,
        remove_templates=frozenset({"Mtc"}),
        transfer=(
            TransferRule(
                "Information",
                "Information",
                (
                    ParamRule("description", ("Beschreibung", "1"), None, True),
                    ParamRule("source", (), "{{own}}", False),
                ),
                origin(", transfer #1"),
            ),
            TransferRule("Bild-frei", "subst:Copyrighted free use", (), origin(", transfer #2")),
        ),
        description_headings=("Beschreibung",),
        licensing_headings=("Lizenz",),
        heading_regexes=(("Lizenz(ierung)?:?", "license-header"),),
        copy_to_commons=r"\{\{mtc\}\}",
        information=InformationNames(
            "Info", "Beschreibung", "Datum", "Quelle", "Urheber", "Genehmigung", "Andere Versionen"
        ),
        replacements=(
            RegexRule(r"\{\{Eigenes Werk\}\}", "{{own}}", False, origin(", replacements #1")),
            RegexRule("later", "ordinary", False, origin(", replacements #3")),
            RegexRule(
                r"\{\{PD-self([^}]*)\}\}",
                r"{{PD-user|%%OriginalUploader%%\1}}",
                True,
                origin(", replacements #2"),
            ),
        ),
        problems=(
            ProblemRule("{{löschantrag", "Nominated for deletion.", False, origin(", problems #1")),
            ProblemRule(r"\{\{(sla|löschen)\b", "Speedy deletion.", True, origin(", problems #2")),
        ),
        target_information="Information",
        target_language_templates=False,
        target_location_template="Location",
        category_namespace="Kategorie",
        now_commons_template="NowCommons",
        explicit=SINGLE_VALUE_FIELDS,  # every single-value key is written in the file
    )
    assert second == RuleSet(
        source_wiki="xx.wikipedia", target_wiki="commons", origin="rules.toml: pair xx.wikipedia → commons"
    )


def test_a_later_layer_can_switch_off_what_an_earlier_one_switched_on() -> None:
    bundled, user = parse_rules_toml(
        '[[pair]]\nsource = "*"\ntarget = "*"\ntarget_accepts_non_free = true\n'
        'now_commons_template = "NowCommons"\ntarget_location_template = "Location"\n'
        'copy_to_commons = "mtc"\ntarget_language_templates = false\n'
        '[[pair]]\nsource = "xx"\ntarget = "*"\ntarget_accepts_non_free = false\n'
        'now_commons_template = ""\ntarget_location_template = ""\ncopy_to_commons = ""\n'
        "target_language_templates = true\n",
        "layers.toml",
    )
    merged = bundled.merged(user)
    assert merged.target_accepts_non_free is False
    assert merged.now_commons_template is None
    assert merged.target_location_template is None
    assert merged.copy_to_commons is None
    assert merged.target_language_templates is True
    # a layer that does not mention a field leaves it alone
    assert bundled.merged(RuleSet(origin="code")).now_commons_template == "NowCommons"
    assert bundled.merged(parse_rules_toml('[[pair]]\nsource = "*"\ntarget = "*"\n', "x")[0]) == replace(
        bundled, origin="x: pair * → *"
    )


def test_the_schema_describes_every_rule_set_field() -> None:
    pair = schema()["$defs"]["pair"]["properties"]
    bookkeeping = {"source_wiki", "target_wiki", "origin", "revision", "errors", "explicit"}
    fields = {f.name for f in dataclasses.fields(RuleSet)} - bookkeeping
    assert set(pair) - {"source", "target"} == fields
    information = schema()["$defs"]["information"]["properties"]
    assert set(information) == {f.name for f in dataclasses.fields(InformationNames)}
    param = schema()["$defs"]["param"]["properties"]
    assert set(param) == {f.name for f in dataclasses.fields(ParamRule)}


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_schema_is_well_formed() -> None:
    document = json.loads(DATA.joinpath("schema.json").read_text(encoding="utf-8"))
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator = SchemaValidator(document)
    for ref in _refs(document):
        assert validator.resolve(ref)
    with pytest.raises(ValueError, match="only local references"):
        validator.resolve("https://example.org/other.json#/x")


@pytest.mark.parametrize("name", sorted(f.name for f in DATA.iterdir() if f.name.endswith(".toml")))
def test_each_bundled_file_follows_the_schema_and_has_no_rule_errors(name: str) -> None:
    text = DATA.joinpath(name).read_text(encoding="utf-8")
    SchemaValidator(schema()).validate(tomllib.loads(text))
    for rules in parse_rules_toml(text, name):
        assert rules.errors == ()


# --- strict validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\nremove_template = ["x"]\n',
            "pair[0].remove_template: unknown key 'remove_template'",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\n[[pair.transfer]]\nsource = "x"\ntarget = "y"\nparams = [{target = "t", sorces = ["s"]}]\n',
            "pair[0].transfer[0].params[0].sorces: unknown key 'sorces'",
        ),
        ('colour = "blue"\n[[pair]]\nsource = "a"\ntarget = "b"\n', "colour: unknown key 'colour'"),
        ('[[pair]]\nsource = "a"\n', "pair[0]: the key 'target' is missing"),
        ("format = 1\n", "the key 'pair' is missing"),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\ngood_templates = "Self"\n',
            "pair[0].good_templates: must be a list",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\ngood_templates = [1]\n',
            "pair[0].good_templates[0]: must be a text",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\ngood_templates = [""]\n',
            "pair[0].good_templates[0]: must not be empty",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\ntarget_accepts_non_free = "yes"\n',
            "pair[0].target_accepts_non_free: must be true or false",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\ninformation = "Info"\n',
            "pair[0].information: must be a table",
        ),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\n[[pair.heading_regexes]]\npattern = "x"\nkind = "summary"\n',
            'pair[0].heading_regexes[0].kind: must be one of "filedesc", "license-header"',
        ),
        ('format = 2\n[[pair]]\nsource = "a"\ntarget = "b"\n', "format: must be one of 1"),
        ('format = true\n[[pair]]\nsource = "a"\ntarget = "b"\n', "format: must be one of 1"),
        (
            '[[pair]]\nsource = "a"\ntarget = "b"\n[[pair]]\nsource = "A.org"\ntarget = "b"\n',
            "pair[1]: the pair A.org → b is listed twice",
        ),
        ("[[pair]\n", "not valid TOML: "),
    ],
)
def test_anything_the_format_does_not_allow_raises_naming_file_and_key(toml: str, problem: str) -> None:
    with pytest.raises(RuleFormatError) as caught:
        parse_rules_toml(toml, "my-rules.toml")
    assert caught.value.key == "wft-error-rules-syntax"
    assert caught.value.params[0] == "my-rules.toml"
    assert caught.value.params[1].startswith(problem)
    assert isinstance(caught.value, RuleSyntaxError)


def test_the_validator_accepts_integers_but_not_booleans_for_integer() -> None:
    validator = SchemaValidator({"type": "integer"})
    validator.validate(3)
    with pytest.raises(SchemaError, match="must be integer"):
        validator.validate(True)


def test_regexes_rules_cannot_use_become_rule_errors_not_exceptions() -> None:
    toml = (
        '[[pair]]\nsource = "a"\ntarget = "b"\ncopy_to_commons = "(?=x)"\n'
        '[[pair.heading_regexes]]\npattern = "(a)\\\\1"\nkind = "filedesc"\n'
        '[[pair.replacements]]\npattern = "(a)"\nreplacement = "\\\\2"\n'
        '[[pair.replacements]]\npattern = "a{1,5000}"\nreplacement = ""\n'
        '[[pair.problems]]\nmatch = "(?<!x)y"\nmessage = "m"\nregex = true\n'
    )
    (rules,) = parse_rules_toml(toml, "f.toml")
    assert (rules.copy_to_commons, rules.heading_regexes, rules.replacements, rules.problems) == (
        None,
        (),
        (),
        (),
    )
    assert [e.origin for e in rules.errors] == [
        "f.toml: pair a → b, heading_regexes #1",
        "f.toml: pair a → b, copy_to_commons",
        "f.toml: pair a → b, replacements #1",
        "f.toml: pair a → b, replacements #2",
        "f.toml: pair a → b, problems #1",
    ]
    assert explained(rules.errors[2:3]) == [
        (
            "f.toml: pair a → b, replacements #1",
            "The replacement text cannot be used: group 2 does not exist (the pattern has 1)",
        )
    ]


def test_load_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '\ufeff[[pair]]\nsource = "*"\ntarget = "*"\nremove_templates = ["Mtc"]\n', encoding="utf-8"
    )
    (rules,) = load_rules_file(path)
    assert rules.remove_templates == {"Mtc"}
    assert rules.origin == f"{path}: pair * → *"
    path.write_bytes(b'[[pair]]\nsource = "\xff"\n')
    with pytest.raises(RuleFormatError) as caught:
        load_rules_file(str(path))
    assert caught.value.params == (str(path), "not UTF-8 text")


# --- merging ----------------------------------------------------------------------------------------------


def test_wiki_names_compare_loosely() -> None:
    assert wiki_key(" EN.Wikipedia.org ") == "en.wikipedia"
    assert wiki_key("commons.wikimedia.org") == "commons"
    assert wiki_key("src") == "src"


def test_select_rules_layers_general_then_specific() -> None:
    general = RuleSet(
        target_wiki="commons", origin="g", now_commons_template="A", remove_templates=frozenset({"X"})
    )
    anything = RuleSet(origin="any", description_headings=("Summary",))
    specific = RuleSet(
        source_wiki="en.wikipedia", target_wiki="commons", origin="s", now_commons_template="B"
    )
    other = RuleSet(source_wiki="de.wikipedia", origin="de", now_commons_template="C")
    by_source = RuleSet(source_wiki="en.wikipedia", origin="en", remove_templates=frozenset({"Y"}))
    rules = select_rules([specific, by_source, general, other, anything], "EN.wikipedia.org", "commons")
    assert rules.now_commons_template == "B"
    assert rules.remove_templates == {"X", "Y"}
    assert rules.description_headings == ("Summary",)
    assert (rules.source_wiki, rules.target_wiki) == ("EN.wikipedia.org", "commons")
    assert rules.origin == "any, g, en, s"


# --- the bundled rules -------------------------------------------------------------------------------------


def keys(names: frozenset[str]) -> set[str]:
    return {name_key(n) for n in names}


def test_bundled_en_to_commons() -> None:
    rules = bundled_rules("en.wikipedia", "commons")
    assert rules.errors == ()
    assert rules.information == InformationNames()
    assert {"summary", "description"} <= {h.lower() for h in rules.description_headings}
    assert "Licensing" in rules.licensing_headings
    assert {"copy to wikimedia commons", "move to commons", "mtc", "copy to commons", "ctc"} <= keys(
        rules.remove_templates
    )
    assert {
        "cc-by-sa-4.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-3.0",
        "cc0",
        "self",
        "pd-self",
        "gfdl",
        "gfdl-self",
        "pd-user",
        "pd-old",
        "pd-us",
    } <= keys(rules.good_templates)
    non_free = {
        "non-free use rationale",
        "non-free logo",
        "non-free media",
        "non-free fair use",
        "non-free image data",
    }
    assert non_free <= keys(rules.bad_templates)
    assert non_free <= keys(rules.non_free_templates)
    assert {"db-f8", "do not move to commons"} <= keys(rules.bad_templates)
    assert "keep local" not in keys(rules.bad_templates)
    assert any(p.is_regex and compiled(p.match).search("{{Keep local}}") for p in rules.problems)
    assert not rules.target_accepts_non_free
    assert rules.now_commons_template == "NowCommons"
    assert rules.target_location_template == "Location"
    assert rules.copy_to_commons is not None
    assert compiled(rules.copy_to_commons).sub("", "{{Copy to Wikimedia Commons|bot=x}}\nText") == "Text"
    assert (
        next(r for r in rules.replacements if r.self_licence).replacement
        == "{{PD-user|%%OriginalUploader%%|en}}"
    )


def compiled(pattern: str) -> SafeRegex:
    regex = compile_rule(pattern, "t")
    assert isinstance(regex, SafeRegex)
    return regex


def _apply(replacements: tuple[RegexRule, ...], text: str) -> str:
    for rule in replacements:
        value = rule.replacement.replace("%%OriginalUploader%%", escape_replacement("Fizbin"))
        value = value.replace("%%InterwikiLinkPrefix%%", ":en")
        text = compiled(rule.pattern).sub(value, text)
    return text


@pytest.mark.parametrize(
    "text",
    [
        "{{PD-self}}",
        "{{GFDL-self-with-disclaimers|migration=relicense}}",
        "{{GFDL-self}}",
        "{{self|cc-by-sa-4.0}}",
        "{{Self|GFDL|author=Me}}",
        "|source=I created this work entirely by myself.",
    ],
)
def test_bundled_self_licence_rules_rewrite_like_ftcg(text: str) -> None:
    ftcg = parse_ftcg(FTCG_EN.read_text(encoding="utf-8"), "en.wikipedia.wiki")
    ftcg_rules = tuple(r for r in ftcg.replacements if r.self_licence or "own work" in r.replacement)
    bundled = bundled_rules("en.wikipedia", "commons").replacements
    assert _apply(bundled, text) == _apply(ftcg_rules, text)
    assert _apply(bundled, text) != text


def test_bundled_problems_cover_the_ftcg_en_warnings() -> None:
    problems = bundled_rules("en.wikipedia", "commons").problems
    samples = [
        "{{db-f8}}",
        "{{di-no source}}",
        "{{proposed deletion}}",
        "{{ffd|log=x}}",
        "{{non-free logo}}",
        "{{file at CCI}}",
        "{{deleted on Commons}}",
        "{{keep local}}",
        "{{c-uploaded}}",
        "{{split media}}",
    ]
    for sample in samples:
        assert any(_matches(p, sample) for p in problems), sample
    assert not any(_matches(p, "{{Cc-by-sa-4.0}}") for p in problems)


def _matches(problem: ProblemRule, text: str) -> bool:
    if problem.is_regex:
        return compiled(problem.match).search(text) is not None
    return problem.match.lower() in text.lower()


def test_bundled_de_to_commons() -> None:
    rules = bundled_rules("de.wikipedia", "commons")
    assert rules.information.description == "Beschreibung"
    assert rules.information.other_versions == "Andere Versionen"
    assert "Lizenz" in rules.licensing_headings and "Beschreibung" in rules.description_headings
    assert rules.now_commons_template == "NowCommons"
    assert rules.category_namespace == "Kategorie"
    licence = rules.transfer_rule("Bild-CC-by-sa/4.0")
    assert licence is not None and licence.target == "Cc-by-sa-4.0"
    information = rules.transfer_rule("Information")
    assert information is not None and information.params[0] == ParamRule(
        "description", ("Beschreibung", "description"), None, True
    )


@pytest.mark.parametrize(
    ("source", "target", "accepts"),
    [
        ("commons", "en.wikipedia", True),
        ("en.wikipedia", "hi.wikipedia", True),
        ("en.wikipedia", "commons", False),
        ("de.wikipedia", "commons", False),
    ],
)
def test_non_free_acceptance_follows_the_target(source: str, target: str, accepts: bool) -> None:
    assert bundled_rules(source, target).target_accepts_non_free is accepts


def test_en_to_hi_keeps_non_free_files_but_knows_them() -> None:
    rules = bundled_rules("en.wikipedia", "hi.wikipedia")
    assert "non-free logo" in keys(rules.non_free_templates)
    assert "non-free logo" not in keys(rules.bad_templates)
    assert "copy to wikimedia commons" not in keys(rules.remove_templates)
    assert not rules.target_language_templates


SEED = (REPO / "testbed" / "seed.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(("source", "target"), [("src", "commons"), ("other", "commons"), ("src", "other")])
def test_testbed_rules_name_templates_the_testbed_has(source: str, target: str) -> None:
    rules = bundled_rules(source, target)
    assert rules.errors == ()
    assert not rules.good_templates  # unlicensed test uploads must still pass the licence gate
    assert not rules.target_language_templates  # the testbed has no {{en}}
    seeded = {name_key(t) for t in re.findall(r'"Template:([^"]+)"', SEED)}
    named = set(keys(rules.non_free_templates | rules.bad_templates))
    named |= {name_key(r.source) for r in rules.transfer}
    assert named <= seeded
    if target == "commons":
        assert rules.now_commons_template == "NowCommons" and name_key("NowCommons") in seeded
        assert "copy to wikimedia commons" in keys(rules.remove_templates)


def test_the_testbed_german_wiki_maps_to_english_names() -> None:
    rules = bundled_rules("other", "commons")
    assert rules.information.description == "Beschreibung"
    assert rules.licensing_headings[-1] == "Lizenz"
    assert rules.category_namespace == "Kategorie"
    licence = rules.transfer_rule("Bild-CC-by-sa/4.0")
    assert licence is not None and licence.target == "Cc-by-sa-4.0"
    back = bundled_rules("src", "other").transfer_rule("cc-by-sa-4.0")
    assert back is not None and back.target == "Bild-CC-by-sa/4.0"


def test_an_unknown_pair_gets_the_general_defaults_only() -> None:
    rules = bundled_rules("xx.wiktionary", "yy.wiktionary")
    assert rules.origin == "bundled/defaults.toml: pair * → *"
    assert rules.description_headings and not rules.remove_templates
    assert (rules.source_wiki, rules.target_wiki) == ("xx.wiktionary", "yy.wiktionary")


def test_bundled_rule_sets_are_loaded_once() -> None:
    assert bundled_rule_sets() is bundled_rule_sets()
    pairs = [(r.source_wiki, r.target_wiki) for r in bundled_rule_sets()]
    assert len(pairs) == len(set(pairs))


def test_messages_exist_for_the_format_error() -> None:
    pending: dict[str, Any] = {
        k: {"en": v, "qqq": json.loads((REPO / "i18n/qqq.json").read_text(encoding="utf-8")).get(k, "")}
        for k, v in json.loads((REPO / "i18n/en.json").read_text(encoding="utf-8")).items()
    }
    for key in ("wft-error-rules-syntax", "wft-error-rules-missing-section", "wft-error-rules-page-missing"):
        assert pending[key]["en"] and pending[key]["qqq"]
