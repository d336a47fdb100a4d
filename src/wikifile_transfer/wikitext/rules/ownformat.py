"""The project's own rule format (TOML, one ``[[pair]]`` table per source/target wiki) and the bundled rules.

Why a format of our own next to FtCG and CommonsHelper2: both are keyed by the *source* wiki and assume
Commons as the target, and neither can express everything a ``RuleSet`` holds (FtCG has no licence gate,
CommonsHelper2 no regex or warnings). A (source, target) pair with every field spelled out lets the tool
ship defaults for en → Commons as well as en → hi, and lets a user override any of it in one file.

Why strict: a misspelt key (``remove_template``) in a lenient loader silently does nothing, and the user
finds out when a transfer goes wrong. Every document is checked against ``data/schema.json`` (a small
validator below, so the schema is the single definition of the format and cannot drift from the
loader); any problem raises ``RuleFormatError`` naming the file and the key. Regexes that RE2 cannot run
are different: they become ``RuleSet.errors``, like in the other formats, so one rule never stops a run.

Bundled files (``data/*.toml``) are merged by ``bundled_rules``: ``* → *`` first, then ``* → target``,
``source → *`` and ``source → target``, each layered on the previous with ``RuleSet.merged``.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from wikifile_transfer.wikitext.rules.commonshelper import RuleSyntaxError
from wikifile_transfer.wikitext.rules.model import (
    InformationNames,
    ParamRule,
    ProblemRule,
    RegexRule,
    RuleError,
    RuleSet,
    TransferRule,
)
from wikifile_transfer.wikitext.rules.saferegex import SafeRegex, compile_replacement, compile_rule

ANY: Final = "*"
SINGLE_VALUE_FIELDS: Final = frozenset(
    name
    for name, value in vars(RuleSet()).items()
    if name not in {"explicit", "source_wiki", "target_wiki", "origin", "revision"}
    and not isinstance(value, frozenset | tuple)
)
"""Keys of a ``[[pair]]`` that name a single-value RuleSet field (``now_commons_template``…)."""
SCHEMA_FILE: Final = "schema.json"


class RuleFormatError(RuleSyntaxError):
    """A rule file is not valid TOML or does not follow the schema. Params: the file, the problem."""

    key = "wft-error-rules-syntax"


# --- a small JSON Schema validator (the subset schema.json uses) ----------------------------------

_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
}
_TYPE_NAMES: Final = {"object": "a table", "array": "a list", "string": "a text", "boolean": "true or false"}


class SchemaError(ValueError):
    """Where (``pair[2].transfer[0].sorces``) and what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}" if where else problem)


def _is_type(value: object, name: str) -> bool:
    if name == "integer" and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class SchemaValidator:
    """Checks a parsed document against schema.json: ``type``, ``enum``, ``minLength``, ``properties``,
    ``required``, ``additionalProperties: false``, ``items`` and local ``$ref``. Enough for this format,
    and small enough that ``jsonschema`` is not needed at run time."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.root = schema

    def validate(self, value: object) -> None:
        self.check(value, self.root, "")

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return dict(node)

    def check(self, value: object, schema: Mapping[str, Any], where: str) -> None:
        if "$ref" in schema:
            self.check(value, self.resolve(schema["$ref"]), where)
        kind = schema.get("type")
        if kind is not None and not _is_type(value, kind):
            raise SchemaError(where, f"must be {_TYPE_NAMES.get(kind, kind)}")
        if "enum" in schema and not any(type(value) is type(e) and value == e for e in schema["enum"]):
            raise SchemaError(where, f"must be one of {', '.join(json.dumps(e) for e in schema['enum'])}")
        if isinstance(value, str) and len(value) < schema.get("minLength", 0):
            raise SchemaError(where, "must not be empty")
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                self.check(item, schema["items"], _join(where, index))
        if isinstance(value, dict):
            self.check_object(value, schema, where)

    def check_object(self, value: dict[str, object], schema: Mapping[str, Any], where: str) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                raise SchemaError(where, f"the key {key!r} is missing")
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], _join(where, key))
            elif schema.get("additionalProperties", True) is False:
                known = ", ".join(sorted(properties))
                raise SchemaError(_join(where, key), f"unknown key {key!r} (known: {known})")


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format (``data/schema.json``)."""
    text = resources.files(__package__).joinpath("data", SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# --- TOML → RuleSet ----------------------------------------------------------------------------------


def wiki_key(name: str) -> str:
    """How wiki names are compared: ``EN.wikipedia.org`` and ``en.wikipedia`` are the same wiki."""
    key = name.strip().lower().removesuffix(".org")
    return "commons" if key == "commons.wikimedia" else key


def _wiki(name: str) -> str | None:
    return None if name.strip() == ANY else wiki_key(name)


class _PairReader:
    """Turns one validated ``[[pair]]`` table into a RuleSet, compiling its regexes."""

    def __init__(self, table: Mapping[str, Any], origin: str) -> None:
        self.table = table
        self.origin = origin
        self.errors: list[RuleError] = []

    def names(self, key: str) -> frozenset[str]:
        return frozenset(self.table.get(key, ()))

    def compile(self, pattern: str, origin: str) -> SafeRegex | None:
        compiled = compile_rule(pattern, origin)
        if isinstance(compiled, RuleError):
            self.errors.append(compiled)
            return None
        return compiled

    def transfer(self) -> tuple[TransferRule, ...]:
        rules = []
        for index, item in enumerate(self.table.get("transfer", ()), 1):
            params = tuple(
                ParamRule(
                    p["target"],
                    tuple(p.get("sources", ())),
                    p.get("add_if_missing"),
                    p.get("language_template", False),
                )
                for p in item.get("params", ())
            )
            origin = f"{self.origin}, transfer #{index}"
            rules.append(TransferRule(item["source"], item["target"], params, origin=origin))
        return tuple(rules)

    def heading_regexes(self) -> tuple[tuple[str, str], ...]:
        found = []
        for index, item in enumerate(self.table.get("heading_regexes", ()), 1):
            compiled = self.compile(item["pattern"], f"{self.origin}, heading_regexes #{index}")
            if compiled is not None:
                found.append((compiled.pattern, item["kind"]))
        return tuple(found)

    def copy_to_commons(self) -> str | None:
        pattern = self.table.get("copy_to_commons")
        if not pattern:
            return None
        compiled = self.compile(pattern, f"{self.origin}, copy_to_commons")
        return None if compiled is None else compiled.pattern

    def replacements(self) -> tuple[RegexRule, ...]:
        rules = []
        for index, item in enumerate(self.table.get("replacements", ()), 1):
            origin = f"{self.origin}, replacements #{index}"
            compiled = self.compile(item["pattern"], origin)
            if compiled is None:
                continue
            problem = compile_replacement(compiled, item["replacement"], origin)
            if problem is not None:
                self.errors.append(problem)
                continue
            self_licence = item.get("self_licence", False)
            rules.append(RegexRule(compiled.pattern, item["replacement"], self_licence, origin))
        # FtCG order: ordinary replacements first, then the self-licence ones.
        return tuple(sorted(rules, key=lambda rule: rule.self_licence))

    def problems(self) -> tuple[ProblemRule, ...]:
        rules = []
        for index, item in enumerate(self.table.get("problems", ()), 1):
            origin = f"{self.origin}, problems #{index}"
            match, is_regex = item["match"], item.get("regex", False)
            if is_regex:
                compiled = self.compile(match, origin)
                if compiled is None:
                    continue
                match = compiled.pattern
            rules.append(ProblemRule(match, item["message"], is_regex, origin))
        return tuple(rules)

    def information(self) -> InformationNames:
        return InformationNames(**self.table.get("information", {}))

    def rule_set(self) -> RuleSet:
        table = self.table
        defaults = RuleSet()
        rules = RuleSet(
            source_wiki=_wiki(table["source"]),
            target_wiki=_wiki(table["target"]),
            origin=self.origin,
            good_templates=self.names("good_templates"),
            bad_templates=self.names("bad_templates"),
            bad_categories=self.names("bad_categories"),
            non_free_templates=self.names("non_free_templates"),
            target_accepts_non_free=table.get("target_accepts_non_free", False),
            remove_templates=self.names("remove_templates"),
            transfer=self.transfer(),
            description_headings=tuple(table.get("description_headings", ())),
            licensing_headings=tuple(table.get("licensing_headings", ())),
            heading_regexes=self.heading_regexes(),
            copy_to_commons=self.copy_to_commons(),
            information=self.information(),
            replacements=self.replacements(),
            problems=self.problems(),
            target_information=table.get("target_information", defaults.target_information),
            target_language_templates=table.get("target_language_templates", True),
            target_location_template=table.get("target_location_template") or None,
            category_namespace=table.get("category_namespace", defaults.category_namespace),
            now_commons_template=table.get("now_commons_template") or None,
            # a key written in the file counts even where its value is the default: a later layer
            # can switch off what an earlier one switched on
            explicit=frozenset(key for key in table if key in SINGLE_VALUE_FIELDS),
        )
        return _with_errors(rules, self.errors)


def _with_errors(rules: RuleSet, errors: Sequence[RuleError]) -> RuleSet:
    return replace(rules, errors=rules.errors + tuple(errors))


def parse_rules_toml(text: str, origin: str) -> list[RuleSet]:
    """The RuleSets of a rule document, one per ``[[pair]]``, in file order.

    Raises ``RuleFormatError`` for invalid TOML, anything the schema does not allow, or the same
    (source, target) pair twice in one file.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RuleFormatError(origin, f"not valid TOML: {err}") from err
    try:
        SchemaValidator(schema()).validate(document)
    except SchemaError as err:
        raise RuleFormatError(origin, str(err)) from err
    seen: set[tuple[str | None, str | None]] = set()
    rule_sets = []
    for index, table in enumerate(document["pair"], 1):
        pair = (_wiki(table["source"]), _wiki(table["target"]))
        if pair in seen:
            problem = f"pair[{index - 1}]: the pair {table['source']} → {table['target']} is listed twice"
            raise RuleFormatError(origin, problem)
        seen.add(pair)
        where = f"{origin}: pair {table['source']} → {table['target']}"
        rule_sets.append(_PairReader(table, where).rule_set())
    return rule_sets


def load_rules_file(path: str | os.PathLike[str]) -> list[RuleSet]:
    """The RuleSets of a TOML rule file (see ``parse_rules_toml``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise RuleFormatError(str(file), "not UTF-8 text") from err
    return parse_rules_toml(text, str(file))


# --- bundled rules -----------------------------------------------------------------------------------


@cache
def bundled_rule_sets() -> tuple[RuleSet, ...]:
    """Every pair of every bundled file (``data/*.toml``), files in name order."""
    data = resources.files(__package__).joinpath("data")
    files = sorted((f for f in data.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    found: list[RuleSet] = []
    for file in files:
        found += parse_rules_toml(file.read_text(encoding="utf-8"), f"bundled/{file.name}")
    return tuple(found)


def _specificity(rules: RuleSet) -> int:
    return (rules.target_wiki is not None) + 2 * (rules.source_wiki is not None)


def select_rules(candidates: Iterable[RuleSet], source: str, target: str) -> RuleSet:
    """Merge the candidates that apply to (source, target), least specific first."""
    source_key, target_key = wiki_key(source), wiki_key(target)
    matching = [
        rules
        for rules in candidates
        if rules.source_wiki in (None, source_key) and rules.target_wiki in (None, target_key)
    ]
    combined = RuleSet(source_wiki=source, target_wiki=target)
    for rules in sorted(matching, key=_specificity):  # stable: file order within one level
        combined = combined.merged(rules)
    origins = ", ".join(rules.origin for rules in sorted(matching, key=_specificity))
    return combined.merged(RuleSet(source_wiki=source, target_wiki=target, origin=origins))


def bundled_rules(source: str, target: str) -> RuleSet:
    """The bundled rules for moving files from ``source`` to ``target`` (wiki names such as
    ``en.wikipedia``, ``commons``, or configured names), general defaults included."""
    return select_rules(bundled_rule_sets(), source, target)
