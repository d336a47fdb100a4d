"""A scripted stand-in for a wiki's API, for unit tests of the batched readers and listings.

``FakeApi(answer)`` is an ApiClient whose ``get`` calls ``answer(params)`` instead of sending a request,
and records every ``params`` in ``calls``; ``fake_wiki`` wraps it in a Wiki with a recorded siteinfo
(``tests/fixtures/wiki/siteinfo_*.json``), so no request is ever sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import SiteInfo, parse_siteinfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wiki"

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class FakeApi(ApiClient):
    def __init__(self, answer: Answer, api_url: str = "http://wiki.test/api.php") -> None:
        super().__init__(api_url, HttpClient())
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def get(self, params: Mapping[str, object]) -> dict[str, Any]:
        call = dict(params)
        self.calls.append(call)
        return self.answer(call)


def recorded_siteinfo(name: str = "en") -> SiteInfo:
    data = json.loads((FIXTURES / f"siteinfo_{name}.json").read_text("utf-8"))
    return parse_siteinfo(data, default_scheme="http")


def fake_wiki(answer: Answer, name: str = "src", site: str = "en") -> tuple[Wiki, FakeApi]:
    api = FakeApi(answer)
    return Wiki(name, api, siteinfo=recorded_siteinfo(site)), api


def titles_of(params: Mapping[str, Any]) -> list[str]:
    value = params.get("titles", [])
    return [str(t) for t in value] if isinstance(value, list | tuple) else str(value).split("|")
