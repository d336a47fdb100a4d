"""A RuleSet as JSON and back, for the on-disk cache of rule pages read from wikis.

Why JSON and not pickle: the cache is a file other programs (or users) can write; unpickling such a file
would run code, decoding JSON only builds the rule classes below. Why driven by the type hints: a field
added to ``RuleSet`` (or to a rule class) is then cached without anyone remembering to update a codec,
and a cache written by another version that does not fit the classes fails to decode, which the caller
treats as a cache miss.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Final, Union

from wikifile_transfer.wikitext.rules.model import RuleSet

FORMAT: Final = 1
"""Version of the JSON layout; a cache of another version is ignored."""


class CodecError(ValueError):
    """The JSON does not describe a RuleSet of this version."""


def encode(value: object) -> Any:
    """Plain JSON data for a RuleSet (or any value inside one). Sets become sorted lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset):
        return sorted(encode(item) for item in value)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise CodecError(f"cannot encode {type(value).__name__}")


def rules_to_json(rules: RuleSet) -> dict[str, Any]:
    return {"format": FORMAT, "rules": encode(rules)}


def rules_from_json(data: object) -> RuleSet:
    """The RuleSet ``rules_to_json`` wrote; CodecError for anything else."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CodecError("not a rule cache of this format")
    rules = decode(data.get("rules"), RuleSet)
    assert isinstance(rules, RuleSet)
    return rules


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(data: object, hint: Any) -> object:
    """Build a value of type ``hint`` from JSON data, checking every type on the way."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return decode(data, option)
            except CodecError:
                continue
        raise CodecError(f"{data!r} fits none of {hint}")
    if hint is type(None):
        if data is None:
            return None
        raise CodecError("expected null")
    if origin in (frozenset, tuple):
        if not isinstance(data, list):
            raise CodecError(f"expected a list for {hint}")
        args = typing.get_args(hint)
        if origin is frozenset:
            return frozenset(decode(item, args[0]) for item in data)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(item, args[0]) for item in data)
        if len(args) != len(data):
            raise CodecError(f"expected {len(args)} items for {hint}")
        return tuple(decode(item, arg) for item, arg in zip(data, args, strict=True))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(data, hint)
    if hint in (str, int, bool):
        if type(data) is not hint:
            raise CodecError(f"expected {hint.__name__}, got {type(data).__name__}")
        return data
    raise CodecError(f"cannot decode {hint}")  # pragma: no cover - a RuleSet field of a new kind


def _decode_dataclass(data: object, cls: type) -> object:
    if not isinstance(data, dict):
        raise CodecError(f"expected an object for {cls.__name__}")
    hints = _hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    if set(data) != fields:
        raise CodecError(f"{cls.__name__}: fields {sorted(set(data) ^ fields)} differ")
    return cls(**{name: decode(value, hints[name]) for name, value in data.items()})
