"""Messages in the user's language from the banana JSON files in ``i18n/``.

The same files serve the web front end (banana-i18n) and the back end, so the renderer supports the
subset of MediaWiki message syntax both sides use: ``$1`` parameters and ``{{PLURAL:$1|one|other}}``.

A parameter may itself be a :class:`Message` (as MediaWiki's ``Message::params`` accepts message
objects): a reason that is explained by a message of its own ("A rule could not be used (origin):
*the regular expression uses a lookbehind*") is then rendered in the same language as the sentence
around it, instead of being frozen in English where it was produced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

FALLBACK = "en"
_PARAM = re.compile(r"\$(\d+)")
_PLURAL = re.compile(r"\{\{PLURAL:\s*([^|}]*)\|([^{}]*)\}\}", re.IGNORECASE)


def messages_dir() -> Path:
    """The folder with the message files: bundled in the wheel, or ``i18n/`` of a source checkout."""
    bundled = Path(__file__).parent / "_i18n"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "i18n"


@cache
def load(lang: str) -> dict[str, str]:
    """Messages of one language (empty when there is no file), without the ``@metadata`` block."""
    path = messages_dir() / f"{lang}.json"
    if not path.is_file():
        return {}
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@") and isinstance(v, str)}


@dataclass(frozen=True)
class Message:
    """A message key with its parameters, rendered only when the user's language is known.

    Parameters are text or nested messages; ``to_json`` gives the form the JSON outputs use
    (``{"key", "params"}``, nested alike), so a web front end can render it with banana-i18n too.
    """

    key: str
    params: tuple[str | Message, ...] = ()

    def text(self, lang: str = FALLBACK) -> str:
        return msg(self.key, *self.params, lang=lang)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "params": params_json(self.params)}


def params_json(params: tuple[object, ...] | list[object]) -> list[Any]:
    """Message parameters for JSON: text stays text, nested messages become ``{"key", "params"}``."""
    return [p.to_json() if isinstance(p, Message) else str(p) for p in params]


_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@cache
def _plural_rule(lang: str) -> tuple[object, tuple[str, ...]] | None:
    try:
        rule = Locale.parse(lang.replace("-", "_")).plural_form
    except (UnknownLocaleError, ValueError):
        return None
    present = tuple(tag for tag in _CLDR_ORDER if tag in rule.tags or tag == "other")
    return rule, present


def plural_form(lang: str, number: float) -> int:
    """Index of the PLURAL form for ``number`` in ``lang``, in MediaWiki's (CLDR) order of forms."""
    found = _plural_rule(lang) or _plural_rule(FALLBACK)
    if found is None:  # pragma: no cover - English is always known to Babel
        return 0 if number == 1 else 1
    rule, present = found
    tag = rule(abs(int(number)) if number == int(number) else abs(number))  # type: ignore[operator]
    return present.index(tag)


def available_languages() -> list[str]:
    return sorted(p.stem for p in messages_dir().glob("*.json") if p.stem != "qqq")


def fallback_chain(lang: str) -> list[str]:
    """``pt-br`` → ``pt-br, pt, en``: a regional variant falls back to its base language."""
    chain = [lang]
    if "-" in lang:
        chain.append(lang.split("-", 1)[0])
    if FALLBACK not in chain:
        chain.append(FALLBACK)
    return chain


def msg(key: str, *params: object, lang: str = FALLBACK) -> str:
    """Render message ``key`` in ``lang`` (with fallbacks).

    An unknown key renders as ``⧼key⧽``, like MediaWiki, so a missing message is visible, not fatal.
    A :class:`Message` parameter is rendered first, in the same ``lang``.
    """
    asked = lang
    text: str | None = None
    for code in fallback_chain(lang):
        text = load(code).get(key)
        if text is not None:
            lang = code
            break
    if text is None:
        return f"⧼{key}⧽"
    values = [msg(p.key, *p.params, lang=asked) if isinstance(p, Message) else str(p) for p in params]

    def param(m: re.Match[str]) -> str:
        i = int(m.group(1)) - 1
        return values[i] if 0 <= i < len(values) else m.group(0)

    def plural(m: re.Match[str]) -> str:
        count_text = _PARAM.sub(param, m.group(1)).strip()
        forms = m.group(2).split("|")
        explicit = {}
        plain = []
        for form in forms:
            head, sep, tail = form.partition("=")
            if sep and head.strip().isdigit():
                explicit[head.strip()] = tail
            else:
                plain.append(form)
        if count_text in explicit:
            return explicit[count_text]
        try:
            number = float(count_text.replace(",", ""))
        except ValueError:
            number = 0.0
        if not plain:
            return ""
        index = plural_form(lang, number)
        return plain[min(index, len(plain) - 1)]

    text = _PLURAL.sub(plural, text)
    return _PARAM.sub(param, text)
