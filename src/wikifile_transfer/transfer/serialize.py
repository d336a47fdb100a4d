"""TransferPlan and CheckReport ↔ plain JSON data, for the database.

Why: the plan is made once (in the dry run) and executed later, maybe by another process after a crash;
a retry reuses it. So it must survive a round trip through a JSON column exactly, including the versions
with their sha1s, the page text and the description report.

The conversion is driven by the dataclasses' own type hints, so a field added to ``TransferPlan`` or
``SourceFile`` is stored without touching this module; a field missing from old stored data takes its
default, and an unknown stored key is ignored (plans written by an older or newer version still load).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from functools import cache
from pathlib import PurePath
from typing import Any, TypeVar, Union

from wikifile_transfer.transfer.model import CheckReport, CheckResult, TransferPlan
from wikifile_transfer.transfer.service import TransferOptions

T = TypeVar("T")

PLAN_FORMAT = 1
"""Bumped when a change cannot be read by the rules above (a field changing its meaning)."""


def to_data(value: object) -> Any:
    """Dataclasses → dicts, tuples → lists, enums → their values; everything else as it is."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` (a type hint) from ``to_data`` output."""
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        if data is None:
            return None
        if len(options) == 1:
            return from_data(options[0], data)
        if isinstance(data, dict):  # ``str | Message``: the dict is the dataclass among the options
            for option in options:
                if isinstance(option, type) and dataclasses.is_dataclass(option):
                    return from_data(option, data)
        return data
    if origin in (list, typing.get_origin(list[int])):
        (item,) = typing.get_args(kind)
        return [from_data(item, v) for v in data]
    if origin is tuple:
        args = typing.get_args(kind)
        item = args[0] if args else Any
        return tuple(from_data(item, v) for v in data)
    if origin is dict or origin is typing.get_origin(typing.Mapping[str, str]):
        _key, value_kind = typing.get_args(kind)
        return {k: from_data(value_kind, v) for k, v in data.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        values = {
            f.name: from_data(hints[f.name], data[f.name])
            for f in dataclasses.fields(kind)
            if f.init and f.name in data
        }
        return kind(**values)
    if isinstance(kind, type) and issubclass(kind, Enum | PurePath):
        return kind(data)
    return data


def plan_to_data(plan: TransferPlan) -> dict[str, Any]:
    data: dict[str, Any] = to_data(plan)
    data["format"] = PLAN_FORMAT
    return data


def plan_from_data(data: dict[str, Any]) -> TransferPlan:
    plan: TransferPlan = from_data(TransferPlan, data)
    return plan


def report_to_data(report: CheckReport) -> list[dict[str, Any]]:
    """Check results as ``{id, outcome, key, params}``; a nested message parameter as ``{key, params}``
    (the same shape as ``i18n.params_json``, so the web front end can render it as it is)."""
    return [to_data(r) for r in report.results]


def report_from_data(data: list[dict[str, Any]]) -> CheckReport:
    return CheckReport(results=[from_data(CheckResult, r) for r in data])


def options_to_data(options: TransferOptions) -> dict[str, Any]:
    data: dict[str, Any] = to_data(options)
    return data


def options_from_data(data: dict[str, Any]) -> TransferOptions:
    """A batch item's options (what the user chose for the batch, or for this item)."""
    options: TransferOptions = from_data(TransferOptions, data)
    return options
