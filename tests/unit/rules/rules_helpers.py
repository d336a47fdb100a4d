"""Helpers shared by the rule-loader tests (the ``messages`` fixture lives in conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wikifile_transfer.wikitext.rules.model import RuleError

I18N = Path(__file__).resolve().parents[3] / "i18n"


@dataclass(frozen=True)
class Messages:
    """The English messages, their documentation and the German translation (``i18n/*.json``)."""

    en: dict[str, str]
    qqq: dict[str, str]
    de: dict[str, str]

    def assert_complete(self, keys: Iterable[str]) -> None:
        """Every key has an English text, documentation for translators and a German translation."""
        for key in keys:
            assert self.en.get(key), f"{key} missing in en.json"
            assert self.qqq.get(key), f"{key} not documented in qqq.json"
            assert self.de.get(key), f"{key} not translated in de.json"


def _load(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    return data


def load_messages() -> Messages:
    return Messages(_load("en"), _load("qqq"), _load("de"))


def explained(errors: Iterable[RuleError]) -> list[tuple[str, str]]:
    """(origin, reason in English) of each error: what a reader of the report gets to see."""
    return [(error.origin, error.reason) for error in errors]
