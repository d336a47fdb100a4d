"""NowCommons marking and article edits on a fake wiki (fake HTTP with ``responses``).

``FakeWiki`` keeps page histories and answers the calls edits.py makes (login, tokens,
``prop=revisions|info|templates``, ``action=edit`` with ``prependtext``/``baserevid``) in MediaWiki's
formatversion=2 / errorformat=plaintext shapes, so the tests check what is sent and what follows from
the answers, not the mock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from wikifile_transfer.errors import ApiError, InputError, MissingFileError, NotLoggedInError
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.edits import (
    EditConflictError,
    EditFailedError,
    MissingPageError,
    edit_article,
    mark_now_commons,
    preview_article_edit,
    submit_edit,
)
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.site import Wiki
from wikifile_transfer.wiki.siteinfo import parse_siteinfo

API = "https://en.wikipedia.org/w/api.php"
PUBLIC = "208.80.154.224"
SITE = parse_siteinfo(
    {
        "query": {
            "general": {"server": "https://en.wikipedia.org", "articlepath": "/wiki/$1", "lang": "en"},
            "namespaces": [
                {"id": 0, "name": "", "case": "first-letter"},
                {"id": 6, "name": "File", "canonical": "File", "case": "first-letter"},
                {"id": 10, "name": "Template", "canonical": "Template", "case": "first-letter"},
            ],
        }
    }
)


@dataclass
class Rev:
    revid: int
    timestamp: str
    text: str


@dataclass
class FakeWiki:
    pages: dict[str, list[Rev]] = field(default_factory=dict)
    edits: list[dict[str, str]] = field(default_factory=list)
    gets: list[dict[str, str]] = field(default_factory=list)
    conflict: bool = False  # answer the next edit with editconflict (an edit "in between")
    edit_answer: dict[str, Any] | None = None
    fail_with: str | None = None  # answer edits with this API error code
    links_lag: bool = False  # prop=templates lists nothing (links tables not updated yet)
    next_revid: int = 100

    def add(self, title: str, text: str) -> int:
        self.next_revid += 1
        self.pages.setdefault(title, []).append(
            Rev(self.next_revid, f"2026-01-01T00:00:{self.next_revid % 60:02d}Z", text)
        )
        return self.next_revid

    def latest(self, title: str) -> Rev:
        return self.pages[title][-1]

    def get(self, request: Any) -> tuple[int, dict[str, str], str]:
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.gets.append(q)
        if q.get("meta") == "tokens":
            kind = q["type"]
            return self.ok({"query": {"tokens": {f"{kind}token": f"{kind}-token+\\"}}})
        title = q["titles"]
        if title not in self.pages:
            return self.ok(
                {
                    "curtimestamp": "2026-01-02T00:00:00Z",
                    "query": {"pages": [{"ns": 0, "title": title, "missing": True}]},
                }
            )
        history = self.pages[title]
        rev = history[-1]
        if "rvstartid" in q:
            older = [r for r in history if r.revid <= int(q["rvstartid"])]
            rev = older[-1] if older else history[0]
        revision: dict[str, Any] = {"revid": rev.revid, "parentid": 0, "timestamp": rev.timestamp}
        if "content" in q.get("rvprop", ""):
            revision["slots"] = {"main": {"contentmodel": "wikitext", "content": rev.text}}
        page: dict[str, Any] = {"pageid": 7, "ns": 6, "title": title, "revisions": [revision]}
        if "info" in q.get("prop", ""):
            page["lastrevid"] = history[-1].revid
        if "templates" in q.get("prop", "") and not self.links_lag:
            name = q["tltemplates"]
            if "{{" + name.removeprefix("Template:") in history[-1].text:
                page["templates"] = [{"ns": 10, "title": name}]
        return self.ok(
            {"curtimestamp": "2026-01-02T00:00:00Z", "batchcomplete": True, "query": {"pages": [page]}}
        )

    def post(self, request: Any) -> tuple[int, dict[str, str], str]:
        q = {k: v[0] for k, v in parse_qs(request.body).items()}
        if q["action"] == "login":
            return self.ok({"login": {"result": "Success", "lgusername": "Bot"}})
        assert q["action"] == "edit"
        assert q["token"] == "csrf-token+\\"
        self.edits.append(q)
        if self.conflict:
            return self.error("editconflict", "Edit conflict.")
        if self.fail_with:
            return self.error(self.fail_with, "refused")
        if self.edit_answer is not None:
            return self.ok(self.edit_answer)
        title = q["title"]
        if title not in self.pages:
            return self.error("missingtitle", "The page you specified doesn't exist.")
        old = self.latest(title)
        text = q["prependtext"] + old.text if "prependtext" in q else q["text"]
        if text == old.text:
            return self.ok({"edit": {"result": "Success", "pageid": 7, "title": title, "nochange": True}})
        new = self.add(title, text)
        return self.ok(
            {
                "edit": {
                    "result": "Success",
                    "pageid": 7,
                    "title": title,
                    "oldrevid": old.revid,
                    "newrevid": new,
                }
            }
        )

    @staticmethod
    def ok(body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps(body)

    @staticmethod
    def error(code: str, text: str) -> tuple[int, dict[str, str], str]:
        return 200, {"MediaWiki-API-Error": code}, json.dumps({"errors": [{"code": code, "text": text}]})


@pytest.fixture
def fake() -> Iterator[FakeWiki]:
    state = FakeWiki()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, API, callback=state.get)
        mock.add_callback(responses.POST, API, callback=state.post)
        yield state


def make_wiki(credentials: tuple[str, str] | None = ("Bot@test", "secret")) -> Wiki:
    http = HttpClient(HostGuard(resolver=lambda host, port: [PUBLIC]))
    return Wiki("enwiki", ApiClient(API, http, sleep=lambda _s: None), credentials, siteinfo=SITE)


def test_mark_now_commons_once(fake: FakeWiki) -> None:
    fake.add("File:X.png", "== Summary ==\nA picture.")
    base = fake.latest("File:X.png")
    wiki = make_wiki()
    assert mark_now_commons(wiki, "File:X.png", "Now Commons", "File:X (moved).png", summary="Now on Commons")
    assert len(fake.edits) == 1
    edit = fake.edits[0]
    assert edit["prependtext"] == "{{Now Commons|File:X (moved).png}}\n"
    assert "basetimestamp" not in edit  # it would make MediaWiki ignore same-second conflicts
    assert (edit["nocreate"], edit["baserevid"], edit["starttimestamp"]) == (
        "1",
        str(base.revid),
        "2026-01-02T00:00:00Z",  # the wiki's clock when the page was checked
    )
    assert edit["summary"] == "Now on Commons"
    assert "text" not in edit  # a prepend: nothing of the page is sent back
    assert fake.latest("File:X.png").text == "{{Now Commons|File:X (moved).png}}\n== Summary ==\nA picture."
    check = next(q for q in fake.gets if q.get("prop") == "revisions|info|templates")
    assert check["tltemplates"] == "Template:Now Commons"
    # idempotent: the second call sees the template and does not edit
    assert not mark_now_commons(wiki, "File:X.png", "Template:Now Commons", "File:X (moved).png", summary="s")
    assert len(fake.edits) == 1


def test_mark_now_commons_missing_page(fake: FakeWiki) -> None:
    with pytest.raises(MissingFileError) as caught:
        mark_now_commons(make_wiki(), "File:Gone.png", "NowCommons", "File:Gone.png", summary="s")
    assert caught.value.params == ("File:Gone.png", "enwiki")
    assert fake.edits == []


def test_mark_needs_an_account(fake: FakeWiki) -> None:
    fake.add("File:X.png", "text")
    with pytest.raises(NotLoggedInError):
        mark_now_commons(make_wiki(None), "File:X.png", "NowCommons", "File:X.png", summary="s")
    assert fake.edits == []


def test_mark_rejects_an_empty_template_name(fake: FakeWiki) -> None:
    with pytest.raises(InputError):
        mark_now_commons(make_wiki(), "File:X.png", "Template:", "File:X.png", summary="s")


def test_preview_then_edit(fake: FakeWiki) -> None:
    fake.add("Sunset", "Line one.\n[[File:Old.png]]\nLine three.")
    wiki = make_wiki()
    preview = preview_article_edit(wiki, "Sunset", "Line one.\n[[File:New.png]]\nLine three.")
    assert preview.base_revid == fake.latest("Sunset").revid
    assert preview.old_text == "Line one.\n[[File:Old.png]]\nLine three."
    assert preview.started == "2026-01-02T00:00:00Z"
    assert "-[[File:Old.png]]" in preview.diff.splitlines()
    assert "+[[File:New.png]]" in preview.diff.splitlines()
    assert preview.diff.splitlines()[0] == f"--- Sunset (revision {preview.base_revid})"
    result = edit_article(
        wiki,
        "Sunset",
        preview.new_text,
        base_revid=preview.base_revid,
        summary="Use the file from Commons",
        start_timestamp=preview.started,
    )
    assert result.changed
    assert (result.old_revid, result.new_revid) == (preview.base_revid, fake.latest("Sunset").revid)
    edit = fake.edits[0]
    assert edit["baserevid"] == str(preview.base_revid)
    assert "basetimestamp" not in edit
    assert edit["starttimestamp"] == "2026-01-02T00:00:00Z"
    assert edit["nocreate"] == "1"


def test_an_edit_after_the_preview_is_a_conflict(fake: FakeWiki) -> None:
    fake.add("Sunset", "Old text.")
    wiki = make_wiki()
    preview = preview_article_edit(wiki, "Sunset", "My text.")
    fake.add("Sunset", "Someone else's text.")
    with pytest.raises(EditConflictError) as caught:
        edit_article(wiki, "Sunset", "My text.", base_revid=preview.base_revid, summary="s")
    assert caught.value.key == "wft-error-edit-conflict"
    assert caught.value.params == ("Sunset",)
    assert caught.value.code == "editconflict"
    assert fake.edits == []  # refused before sending anything
    assert fake.latest("Sunset").text == "Someone else's text."


def test_mediawiki_editconflict_becomes_edit_conflict_error(fake: FakeWiki) -> None:
    fake.add("Sunset", "Old text.")
    base = fake.latest("Sunset")
    fake.conflict = True
    with pytest.raises(EditConflictError) as caught:
        edit_article(make_wiki(), "Sunset", "Mine.", base_revid=base.revid, summary="s")
    assert isinstance(caught.value, ApiError)
    assert caught.value.detail == "Edit conflict."
    assert len(fake.edits) == 1


def test_base_revision_of_another_page(fake: FakeWiki) -> None:
    other = fake.add("Other", "x")
    fake.add("Sunset", "Old text.")
    with pytest.raises(InputError):
        edit_article(make_wiki(), "Sunset", "Mine.", base_revid=other, summary="s")
    assert fake.edits == []


def test_null_edit_is_not_a_change(fake: FakeWiki) -> None:
    base = fake.add("Sunset", "Same.")
    result = edit_article(make_wiki(), "Sunset", "Same.", base_revid=base, summary="s")
    assert not result.changed
    assert result.new_revid is None


def test_missing_article(fake: FakeWiki) -> None:
    with pytest.raises(MissingPageError):
        preview_article_edit(make_wiki(), "Nowhere", "text")
    with pytest.raises(MissingPageError):
        submit_edit(
            make_wiki(), "Nowhere", "text", base_revid=1, start_timestamp="2026-01-01T00:00:00Z", summary="s"
        )


def test_refused_edit_is_reported(fake: FakeWiki) -> None:
    base = fake.add("Sunset", "Old.")
    fake.edit_answer = {"edit": {"result": "Failure", "captcha": {"type": "image"}}}
    with pytest.raises(EditFailedError) as caught:
        edit_article(make_wiki(), "Sunset", "New.", base_revid=base, summary="s")
    assert caught.value.code == "Failure"
    assert caught.value.params == ("Failure", "Sunset")
    assert caught.value.key == "wft-error-edit-failed"


def test_other_api_errors_pass_through(fake: FakeWiki) -> None:
    base = fake.add("Sunset", "Old.")
    fake.fail_with = "spamblacklist"
    with pytest.raises(ApiError) as caught:
        edit_article(make_wiki(), "Sunset", "New.", base_revid=base, summary="s")
    assert caught.value.code == "spamblacklist"
    assert not isinstance(caught.value, EditConflictError)


@pytest.mark.parametrize(
    "text",
    [
        "{{NowCommons|File:X.png}}\nold",
        "old\n{{ nowCommons }}",
        "{{template: NowCommons|1=File:X.png}}",
        "{{NowCommons\n|File:X.png}}",
    ],
)
def test_tag_in_the_text_counts_before_links_are_updated(fake: FakeWiki, text: str) -> None:
    fake.links_lag = True
    fake.add("File:X.png", text)
    assert not mark_now_commons(make_wiki(), "File:X.png", "NowCommons", "File:X.png", summary="s")
    assert fake.edits == []


@pytest.mark.parametrize("text", ["{{NowCommonsX}}", "NowCommons", "{{Now Commons}}", "{{Other|NowCommons}}"])
def test_similar_text_is_not_the_tag(fake: FakeWiki, text: str) -> None:
    fake.links_lag = True
    fake.add("File:X.png", text)
    assert mark_now_commons(make_wiki(), "File:X.png", "NowCommons", "File:X.png", summary="s")
    assert len(fake.edits) == 1


def test_a_second_mark_right_after_the_first_does_not_edit(fake: FakeWiki) -> None:
    fake.links_lag = True
    fake.add("File:X.png", "text")
    wiki = make_wiki()
    assert mark_now_commons(wiki, "File:X.png", "Now_Commons", "File:X.png", summary="s")
    assert not mark_now_commons(wiki, "File:X.png", "Now Commons", "File:X.png", summary="s")
    assert len(fake.edits) == 1
    assert fake.latest("File:X.png").text == "{{Now Commons|File:X.png}}\ntext"


def test_mark_conflict_is_typed(fake: FakeWiki) -> None:
    fake.add("File:X.png", "text")
    fake.conflict = True
    with pytest.raises(EditConflictError):
        mark_now_commons(make_wiki(), "File:X.png", "NowCommons", "File:X.png", summary="s")
