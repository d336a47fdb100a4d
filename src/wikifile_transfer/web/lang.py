"""Which language a response speaks: ``uselang`` (as on MediaWiki), the user's setting, the browser's
``Accept-Language``, English. Message keys and parameters travel with every text, so a front end may
render them itself (banana-i18n, the same files) in whatever language it shows."""

from __future__ import annotations

import re

from flask import g, request

from wikifile_transfer.i18n import available_languages

LANG_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,3}$")
"""A MediaWiki-style language code: ``en``, ``pt-br``, ``zh-min-nan``, ``be-tarask``, ``roa-tara``."""


CHINESE_SCRIPT = {
    "tw": "zh-hant",
    "hk": "zh-hant",
    "mo": "zh-hant",
    "hant": "zh-hant",
    "cn": "zh-hans",
    "sg": "zh-hans",
    "my": "zh-hans",
    "hans": "zh-hans",
}
"""Browsers say ``zh-TW`` or ``zh-Hant-HK``; the message files are per script (``zh-hant``, ``zh-hans``), as
on MediaWiki. Plain ``zh`` reads Simplified, as MediaWiki's ``zh`` falls back to ``zh-hans``."""


def chinese(code: str) -> str | None:
    """The script variant of a Chinese language tag, or None when ``code`` is not Chinese."""
    parts = code.split("-")
    if parts[0] != "zh" or code in ("zh-min-nan", "zh-yue", "zh-classical"):
        return None
    for part in parts[1:]:
        if part in CHINESE_SCRIPT:
            return CHINESE_SCRIPT[part]
    return "zh-hans"


def usable(code: str | None) -> str | None:
    """``code`` when messages exist for it (or its base language), else None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if not LANG_CODE.match(code):
        return None
    code = chinese(code) or code
    known = set(available_languages())
    if code in known or code.split("-")[0] in known:
        return code
    return None


def request_lang() -> str:
    cached = getattr(g, "wft_lang", None)
    if isinstance(cached, str):
        return cached
    chosen = usable(request.args.get("uselang")) or usable(getattr(g, "user_lang", None))
    if chosen is None:
        for code, _quality in request.accept_languages:
            chosen = usable(code)
            if chosen:
                break
    g.wft_lang = chosen or "en"
    return str(g.wft_lang)
