"""Wikis for pickers (the bundled site list and the configured wikis), the site list's parser and refresh,
and ``/resolve`` behind the SSRF guard."""

from __future__ import annotations

import json

import pytest

from wikifile_transfer.cli.main import main
from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.store import repo
from wikifile_transfer.wiki import sitelist
from wikifile_transfer.wiki.sitelist import load_sites, parse_sitematrix, search, write_refreshed

ANSWER = {
    "sitematrix": {
        "count": 4,
        "0": {
            "code": "ar",
            "name": "العربية",
            "dir": "rtl",
            "localname": "Arabic",
            "site": [
                {
                    "url": "https://ar.wikipedia.org",
                    "dbname": "arwiki",
                    "code": "wiki",
                    "sitename": "ويكيبيديا",
                },
                {
                    "url": "https://ar.wikinews.org",
                    "dbname": "arwikinews",
                    "code": "wikinews",
                    "closed": True,
                },
            ],
        },
        "specials": [
            {
                "url": "https://commons.wikimedia.org",
                "dbname": "commonswiki",
                "code": "commons",
                "lang": "commons",
            },
            {"url": "https://board.wikimedia.org", "dbname": "boardwiki", "code": "board", "private": ""},
        ],
    }
}


def test_the_bundled_list_is_the_whole_site_matrix() -> None:
    sites = load_sites()
    assert len(sites) == 996
    by_name = {s.name: s for s in sites}
    hi = by_name["hi.wikipedia"]
    assert (hi.dbname, hi.lang, hi.lang_name, hi.autonym, hi.dir) == ("hiwiki", "hi", "Hindi", "हिन्दी", "ltr")
    assert by_name["ar.wikipedia"].dir == "rtl"
    assert by_name["commons"].project == "special"
    assert by_name["be-tarask.wikipedia"].dbname == "be_x_oldwiki"
    assert by_name["aa.wikipedia"].closed is True
    assert by_name["wikidata"].url == "https://www.wikidata.org"


def test_search_by_name_language_and_project() -> None:
    sites = load_sites()
    assert search(sites, q="commons")[0].name == "commons"
    assert [s.name for s in search(sites, lang="ar", project="wikipedia")] == [
        "ar.wikipedia"
    ]  # not Aragonese
    assert [s.name for s in search(sites, lang="हिन्दी", project="wikipedia")] == ["hi.wikipedia"]
    assert "hi.wikipedia" in [s.name for s in search(sites, lang="hindi")]
    assert all(not s.closed for s in search(sites, lang="aa")) and search(sites, lang="aa") == []
    assert len(search(sites, lang="aa", include_closed=True)) == 3
    assert all(not s.private for s in search(sites, q="arbcom", include_closed=True))


def test_parse_and_refresh_write_a_list_that_wins_over_the_bundled_one(tmp_path, monkeypatch) -> None:
    sites = parse_sitematrix(ANSWER)
    assert [(s.name, s.closed, s.private, s.lang_name) for s in sites] == [
        ("ar.wikinews", True, False, "Arabic"),
        ("ar.wikipedia", False, False, "Arabic"),
        ("board.wikimedia", False, True, None),
        ("commons", False, False, None),
    ]
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path))
    path, count = write_refreshed(ANSWER, "test")
    assert count == 4 and path == tmp_path / "sitematrix.json"
    assert [s.name for s in load_sites()] == [s.name for s in sites]
    path.unlink()
    assert len(load_sites()) == 996


def test_sites_command_refreshes_and_searches(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WFT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(sitelist, "_cache", None)
    monkeypatch.setattr("wikifile_transfer.wiki.api.ApiClient.get", lambda self, params: ANSWER)
    assert main(["sites", "--refresh", "--language", "ar", "--json"]) == 0
    out = capsys.readouterr()
    assert [s["name"] for s in json.loads(out.out)] == ["ar.wikipedia"]
    assert "4 wikis" in out.err
    assert main(["sites", "wikinews", "--closed"]) == 0
    assert capsys.readouterr().out.startswith("ar.wikinews\tarwikinews")


def test_wikis_endpoint_lists_configured_and_wikimedia_wikis(alice, web_services, monkeypatch) -> None:
    web_services.config = Config(wikis={"src": WikiConfig("src", "http://127.0.0.1:9/")})
    body = alice.get("/api/v1/wikis?q=src&limit=5").get_json()
    assert body["items"][0] == {
        "name": "src",
        "dbname": None,
        "url": "http://127.0.0.1:9/",
        "project": "custom",
        "sitename": "src",
        "lang": None,
        "lang_name": None,
        "autonym": None,
        "dir": "ltr",
        "closed": False,
        "configured": True,
        "account": None,
    }
    arabic = alice.get("/api/v1/wikis?lang=ar&project=wikipedia").get_json()["items"]
    assert [(w["name"], w["dir"], w["autonym"]) for w in arabic] == [("ar.wikipedia", "rtl", "العربية")]
    assert alice.get("/api/v1/wikis?project=nonsense").status_code == 400
    assert alice.get("/api/v1/wikis?limit=2").get_json()["total"] > 800


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/wiki/File:X.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/wiki/File:X.png",
        "http://[::1]/wiki/File:X.png",
    ],
)
def test_resolve_refuses_private_addresses(alice, url) -> None:
    response = alice.post("/api/v1/resolve", json={"url": url})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["key"] == "wft-error-ssrf"


def test_resolve_rejects_nonsense_with_a_key(alice) -> None:
    response = alice.post("/api/v1/resolve", json={"url": "not a wiki at all"})
    assert response.status_code == 400
    assert response.get_json()["error"]["key"] == "wft-error-bad-input"
    assert alice.post("/api/v1/resolve", json={}).get_json()["error"]["key"] == "wft-http-invalid-input"


def test_the_wikis_a_user_signed_in_to_are_listed_for_that_user_only(alice, bob, web_services) -> None:
    """A self-hosted wiki Alice reached by its URL (a bot password stored under the name the registry gave
    it: its host and port) is in her picker, with her account; Bob does not see it. A Wikimedia wiki she
    stored a password for is not listed twice, and shows her account where it is listed."""
    web_services.config = Config(wikis={"src": WikiConfig("src", "http://127.0.0.1:9/")})
    with web_services.db.session() as session:
        for wiki, account in (("wiki.example.org:8080", "Alice@tool"), ("en.wikipedia", "Alice@enbot")):
            repo.save_credential(
                session,
                web_services.box,
                alice.user_id,
                "botpassword",
                wiki,
                account=account,
                secret={"password": "not shown"},
            )

    mine = alice.get("/api/v1/wikis?project=custom").get_json()["items"]
    assert [(w["name"], w["url"], w["configured"], w["account"]) for w in mine] == [
        ("src", "http://127.0.0.1:9/", True, None),
        ("wiki.example.org:8080", "https://wiki.example.org:8080/", False, "Alice@tool"),
    ]
    assert "not shown" not in json.dumps(mine)
    searched = alice.get("/api/v1/wikis?q=example").get_json()["items"]
    assert [w["name"] for w in searched if w["project"] == "custom"] == ["wiki.example.org:8080"]
    english = alice.get("/api/v1/wikis?q=en.wikipedia&project=wikipedia").get_json()["items"]
    assert [(w["name"], w["account"]) for w in english if w["name"] == "en.wikipedia"] == [
        ("en.wikipedia", "Alice@enbot")
    ]

    theirs = bob.get("/api/v1/wikis?project=custom").get_json()["items"]
    assert [(w["name"], w["account"]) for w in theirs] == [("src", None)]
    assert bob.get("/api/v1/wikis?q=example").get_json()["total"] == 0
