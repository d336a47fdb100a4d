"""The testbed itself: three real wikis, the seeded content and every run-time switch."""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
from testbed.tbclient import APIError, new_session, ogg_bytes, png_bytes, webm_bytes

pytestmark = pytest.mark.testbed


def unique(name: str) -> str:
    return f"Tb {uuid.uuid4().hex[:10]} {name}"


def test_startup_time_is_reported(testbed):
    # Printed with -s / -rA; the fixture measures up.sh and seed.py when it started the testbed.
    print(f"testbed start-up: {testbed.timings}")
    assert all(seconds < 60 for seconds in testbed.timings.values())


def test_three_wikis_answer_with_their_languages(testbed):
    expected = {"src": "en", "other": "de", "commons": "en"}
    for wiki, lang in expected.items():
        info = testbed.anon(wiki).siteinfo()
        assert info["general"]["lang"] == lang
        assert info["general"]["server"] == testbed.url(wiki).rstrip("/")
        assert info["general"]["maxuploadsize"] == 200 * 1024 * 1024
        assert {"png", "svg", "pdf", "ogg", "webm", "tif"} <= {e["ext"] for e in info["fileextensions"]}
    other = testbed.anon("other").siteinfo()["namespaces"]
    assert other["6"]["name"] == "Datei"
    assert other["6"]["canonical"] == "File"
    assert other["14"]["name"] == "Kategorie"


def test_multi_version_file_has_three_versions_by_three_users(testbed):
    page = testbed.anon("src").page(testbed.files["multi_version"])
    assert page["title"] == "File:Testbed Sunset.png"
    versions = page["imageinfo"]
    assert [v["user"] for v in versions] == ["Admin", "Bob", "Alice"]  # newest first
    assert len({v["sha1"] for v in versions}) == 3
    assert [(v["width"], v["height"]) for v in versions] == [(480, 300), (400, 250), (320, 200)]
    revisions = page["revisions"]
    assert len(revisions) >= 5
    assert {"Alice", "Bob", "Admin"} <= {r["user"] for r in revisions}
    # no two revisions share (timestamp, sha1): Special:Export + import keeps them all
    assert len({(r["timestamp"], r["sha1"]) for r in revisions}) == len(revisions)
    text = revisions[0]["slots"]["main"]["content"]
    for needle in ("== Summary ==", "== Licensing ==", "{{Information", "{{Cc-by-sa-4.0}}"):
        assert needle in text
    assert {c["title"] for c in page["categories"]} >= {"Category:Sunsets", "Category:Test images"}
    assert testbed["file_info"]["multi_version"]["sha1"] == [v["sha1"] for v in versions]

    # every version (current and archived) downloads with the advertised sha1
    session = new_session()
    for version in versions:
        resp = session.get(version["url"], timeout=30)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"] == "image/png"
        assert hashlib.sha1(resp.content).hexdigest() == version["sha1"]
    partial = session.get(versions[0]["url"], headers={"Range": "bytes=0-7"}, timeout=30)
    assert partial.status_code == 206
    assert partial.content == b"\x89PNG\r\n\x1a\n"


def test_every_seeded_role_exists_with_its_sha1(testbed):
    info = testbed["file_info"]
    assert set(testbed.files) == set(info)
    for role, title in testbed.files.items():
        page = testbed.anon(info[role]["wiki"]).page(title)
        assert "missing" not in page, role
        assert page["imageinfo"][0]["sha1"] == info[role]["sha1"][0], role
    assert info["duplicate"]["sha1"][0] == info["duplicate_on_commons"]["sha1"][0]
    assert testbed.files["duplicate"] != testbed.files["duplicate_on_commons"]
    mimes = {role: info[role]["mime"] for role in ("svg", "pdf", "audio", "video")}
    assert mimes["svg"] == "image/svg+xml"
    assert mimes["pdf"] == "application/pdf"
    assert mimes["audio"] == "application/ogg"
    assert mimes["video"] in ("video/webm", "audio/webm")  # fake webm: no video track is parsed


def test_description_pages_have_their_roles(testbed):
    src = testbed.anon("src")

    def content(role):
        page = src.page(testbed.files[role])
        return page, page["revisions"][0]["slots"]["main"]["content"]

    _, own = content("own_work")
    assert "{{self|cc-by-sa-4.0}}" in own
    page, loose = content("loose_text")
    assert "{{" not in loose
    assert "templates" not in page
    page, non_free = content("non_free")
    assert "{{Non-free logo}}" in non_free
    assert "|Article=Sunset" in non_free
    assert {t["title"] for t in page["templates"]} >= {
        "Template:Non-free logo",
        "Template:Non-free use rationale",
    }
    _, copy = content("copy_to_commons")
    assert "{{Copy to Wikimedia Commons}}" in copy

    german = testbed.anon("other").page(testbed.files["german"])
    assert german["title"].startswith("Datei:")
    assert german["ns"] == 6
    assert "|Beschreibung=" in german["revisions"][0]["slots"]["main"]["content"]
    assert {c["title"] for c in german["categories"]} >= {"Kategorie:Sonnenuntergänge"}


def test_templates_exist_on_every_wiki(testbed):
    names = [
        "Template:Information",
        "Template:Cc-by-sa-4.0",
        "Template:Self",
        "Template:Non-free logo",
        "Template:Non-free use rationale",
        "Template:NowCommons",
        "Template:Copy to Wikimedia Commons",
    ]
    for wiki in ("src", "other", "commons"):
        pages = testbed.anon(wiki).get(action="query", titles="|".join(names))["query"]["pages"]
        assert not [p["title"] for p in pages if p.get("missing")], wiki


def test_language_links_both_ways(testbed):
    src, other = testbed.anon("src"), testbed.anon("other")
    cat = src.page("Category:Sunsets", llprop="url|langname")
    assert [(ll["lang"], ll["title"]) for ll in cat["langlinks"]] == [("de", "Kategorie:Sonnenuntergänge")]
    assert cat["langlinks"][0]["url"].startswith(testbed.url("other"))
    kat = other.page("Kategorie:Sonnenuntergänge")
    assert [(ll["lang"], ll["title"]) for ll in kat["langlinks"]] == [("en", "Category:Sunsets")]
    assert src.page("Sunset")["langlinks"][0]["title"] == "Sonnenuntergang"
    assert other.page("Sonnenuntergang")["langlinks"][0]["title"] == "Sunset"
    assert "missing" not in testbed.anon("commons").page("Category:Sunsets")


def test_commons_is_the_shared_repository_of_src_and_other(testbed, tb_client):
    on_commons_only = testbed.files["duplicate_on_commons"]
    for wiki in ("src", "other"):
        page = testbed.anon(wiki).page(on_commons_only)
        assert page["imagerepository"] == "shared", wiki
        assert page["imageinfo"][0]["url"].startswith(testbed.url("commons"))
    dupes = testbed.anon("src").get(action="query", titles=testbed.files["duplicate"], prop="duplicatefiles")
    assert {"name": "Lighthouse_at_dusk_(testbed).png", "shared": True} in [
        {"name": d["name"], "shared": d["shared"]} for d in dupes["query"]["pages"][0]["duplicatefiles"]
    ]
    # not cached: a file uploaded to commons is visible on src at once
    name = unique("shared.png")
    missing = testbed.anon("src").page(f"File:{name}")
    assert missing["imagerepository"] == ""
    tb_client("commons").upload(name, png_bytes(20, 20, seed=uuid.uuid4().int % 10_000), text="x")
    assert testbed.anon("src").page(f"File:{name}")["imagerepository"] == "shared"
    # the local commons wiki itself has no foreign repository
    assert testbed.anon("commons").page(f"File:{name}")["imagerepository"] == "local"


def test_interwiki_import_keeps_the_full_history(testbed, tb_client):
    commons = tb_client("commons")
    source = testbed.anon("src").page(testbed.files["multi_version"], rvprop="ids")
    answer = commons.post(
        action="import",
        interwikisource="en",
        interwikipage=testbed.files["multi_version"],
        fullhistory="1",
        rootpage=f"User:Admin/{unique('import probe')}",  # keep File:Testbed Sunset.png free on commons
        token=commons.csrf(),
    )
    assert answer["import"][0]["revisions"] == len(source["revisions"])


def test_readonly_switch(testbed, runtime_switch, tb_client):
    admin = tb_client("src")
    runtime_switch.set("src", wgReadOnly="Testbed maintenance")
    with pytest.raises(APIError) as err:
        admin.edit("Testbed read-only probe", "text")
    assert err.value.code == "readonly"
    assert err.value.data["error"]["readonlyreason"] == "Testbed maintenance"
    runtime_switch.reset("src")
    assert admin.edit("Testbed read-only probe", "text")["result"] == "Success"


def test_fake_maxlag_switch(testbed, runtime_switch):
    runtime_switch.set("other", tbFakeLag=12)
    session = new_session()
    params = {"action": "query", "meta": "siteinfo", "format": "json", "maxlag": "5"}
    resp = session.get(testbed.api("other"), params=params, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["error"]["code"] == "maxlag"
    assert resp.json()["error"]["lag"] == 12
    assert resp.headers["Retry-After"] == "5"
    assert resp.headers["X-Database-Lag"] == "12"
    assert "query" in session.get(testbed.api("other"), params={**params, "maxlag": "20"}, timeout=10).json()
    runtime_switch.reset("other")
    assert "query" in session.get(testbed.api("other"), params=params, timeout=10).json()


def test_http_error_switch(testbed, runtime_switch):
    session = new_session()
    runtime_switch.set("src", tbHttpError={"status": 502, "count": 2})
    # only api.php is affected
    assert session.get(testbed.url("src") + "wiki/Sunset", timeout=10).status_code == 200
    params = {"action": "query", "meta": "siteinfo", "format": "json"}
    for left in (1, 0):
        resp = session.get(testbed.api("src"), params=params, timeout=10)
        assert resp.status_code == 502
        assert resp.headers["Content-Type"].startswith("text/html")
        assert resp.text == "<html><body><h1>502 Bad Gateway</h1></body></html>"
        assert runtime_switch.get("src").get("tbHttpError", {}).get("count", 0) == left
    assert "tbHttpError" not in runtime_switch.get("src")
    resp = session.get(testbed.api("src"), params=params, timeout=10)
    assert resp.status_code == 200
    assert "query" in resp.json()
    # POSTs are hit too (an upload behind a flaky proxy)
    runtime_switch.set("src", tbHttpError={"status": 503, "count": 1})
    assert session.post(testbed.api("src"), data=params, timeout=10).status_code == 503
    assert session.post(testbed.api("src"), data=params, timeout=10).status_code == 200


def test_latency_switch(testbed, runtime_switch):
    """tbLatencyMs delays every request (API, pages, images) without costing the server CPU: the bench's
    model of a remote wiki."""
    session = new_session()
    params = {"action": "query", "meta": "siteinfo", "format": "json"}
    session.get(testbed.api("src"), params=params, timeout=10)  # warm
    t0 = time.perf_counter()
    session.get(testbed.api("src"), params=params, timeout=10)
    quick = time.perf_counter() - t0
    runtime_switch.set("src", tbLatencyMs=400)
    for url, kw in ((testbed.api("src"), {"params": params}), (testbed.url("src") + "wiki/Sunset", {})):
        t0 = time.perf_counter()
        assert session.get(url, timeout=10, **kw).status_code == 200
        assert time.perf_counter() - t0 >= 0.4
    runtime_switch.reset("src")
    t0 = time.perf_counter()
    session.get(testbed.api("src"), params=params, timeout=10)
    assert time.perf_counter() - t0 < quick + 0.35


def test_max_upload_size_switch(testbed, runtime_switch, tb_client):
    admin = tb_client("commons")
    runtime_switch.set("commons", wgMaxUploadSize=50_000)
    assert admin.siteinfo("general")["general"]["maxuploadsize"] == 50_000
    with pytest.raises(APIError) as err:
        admin.upload(unique("big.ogg"), ogg_bytes(100_000, seed=5))
    assert err.value.code == "file-too-large"
    runtime_switch.reset("commons")
    assert admin.siteinfo("general")["general"]["maxuploadsize"] == 200 * 1024 * 1024


def test_rate_limit_switch_applies_to_alice_not_admin(testbed, runtime_switch, tb_client):
    # The limiter's counters live in the wiki's cache for the whole period: use fresh names each run.
    alice, admin = tb_client("other", "alice"), tb_client("other", "admin")
    runtime_switch.set("other", wgRateLimits={"upload": {"user": [2, 60]}})
    results = []
    for i in range(3):
        try:
            answer = alice.upload(unique(f"rl{i}.png"), png_bytes(16, 16, seed=1000 + i))
            results.append(answer["upload"]["result"])
        except APIError as exc:
            results.append(exc.code)
    assert results == ["Success", "Success", "ratelimited"]
    assert admin.upload(unique("rl-admin.png"), png_bytes(16, 16, seed=1003))["upload"]["result"] == "Success"


def test_chunked_upload_with_tbclient(testbed, tb_client):
    data = webm_bytes(3 * 1024 * 1024 + 123, seed=9)
    answer = tb_client("commons").chunked_upload(
        unique("chunked.webm"), data, text="chunked", chunk_size=1 << 20
    )
    assert answer["upload"]["result"] == "Success"
    assert answer["upload"]["imageinfo"]["sha1"] == hashlib.sha1(data).hexdigest()
    assert answer["upload"]["imageinfo"]["size"] == len(data)


def test_media_generators_differ_by_seed():
    assert png_bytes(8, 8, seed=1) != png_bytes(8, 8, seed=2)
    assert png_bytes(8, 8, seed=1) == png_bytes(8, 8, seed=1)
    assert len(ogg_bytes(5000)) == 5000
    assert webm_bytes(4096).startswith(b"\x1a\x45\xdf\xa3")
    assert b"webm" in webm_bytes(4096)[:64]
