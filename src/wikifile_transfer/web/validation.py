"""Bounded input types for the API's pydantic models: every string and every list has a limit.

Why at the edge: an absurd title (a megabyte of text), a list of a million URLs or a language code with
markup in it must be refused with a 400 and a key before any code (or any wiki) sees it. MediaWiki's own
limits are the guide: a title is at most 255 bytes of UTF-8, a language code is short lower-case ASCII.
tests/web/test_validation.py checks that every request model in the OpenAPI document uses bounded
fields, so a new endpoint cannot forget it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

MAX_TITLE_BYTES = 255
MAX_URL = 2048
MAX_LIST = 5000
"""Most items one request may carry (a batch's URL list; larger lists go in several requests)."""

LANG_PATTERN = r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,3}$"


def _title_bytes(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_TITLE_BYTES:
        raise ValueError(f"a title has at most {MAX_TITLE_BYTES} bytes of UTF-8")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_BYTES),
    AfterValidator(_title_bytes),
    Field(description="a page or file title (at most 255 bytes of UTF-8, as in MediaWiki)"),
]
LangCode = Annotated[
    str,
    StringConstraints(min_length=2, max_length=35, pattern=LANG_PATTERN),
    Field(description="a MediaWiki language code: en, pt-br, zh-min-nan, be-tarask"),
]
WikiName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL),
    Field(description="a configured wiki name, a Wikimedia name (commons, en.wikipedia) or a wiki URL"),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL),
    Field(description="a URL, or WIKI:File:Name"),
]
UrlList = Annotated[list[Url], Field(min_length=1, max_length=MAX_LIST)]
