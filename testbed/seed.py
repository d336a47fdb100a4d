"""Seed the testbed wikis with realistic content through the API (run after testbed/up.sh).

    python testbed/seed.py BASE

Adds ``files`` (role -> title), ``file_info`` (role -> wiki, title, sha1s, uploaders, revisions)
and ``pages`` to BASE/testbed.json. The three wikis are seeded in parallel. The only pauses are the
two waits into the next second before a re-upload, because the importer drops a revision whose
timestamp *and* sha1 equal another one's (TESTBED.md gotcha 9).
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testbed.tbclient import (
    TBClient,
    load_testbed,
    login,
    ogg_bytes,
    pdf_bytes,
    png_bytes,
    svg_bytes,
    wait_next_second,
    webm_bytes,
)

# ---------------------------------------------------------------------------------------------
# Templates (simplified, but real wikitext that renders)
# ---------------------------------------------------------------------------------------------

INFO_LABELS = {
    "en": ["Description", "Date", "Source", "Author", "Permission", "Other versions"],
    "de": ["Beschreibung", "Datum", "Quelle", "Urheber", "Genehmigung", "Andere Versionen"],
}
INFO_PARAMS = [
    ("description", "Description", "Beschreibung", "desc"),
    ("date", "Date", "Datum", "date"),
    ("source", "Source", "Quelle", "src"),
    ("author", "Author", "Urheber", "aut"),
    ("permission", "Permission", "Genehmigung", "perm"),
    ("other versions", "Other versions", "Andere Versionen", "ver"),
]


def information_template(lang: str) -> str:
    """{{Information}} accepting the English and the German parameter names (all rows always shown)."""
    labels = INFO_LABELS[lang]
    lines = [
        '{| class="fileinfotpl-type-information toccolours vevent" '
        'style="width:100%; border:1px solid #aaa" cellpadding="4"'
    ]
    for (en, en_cap, de, anchor), label in zip(INFO_PARAMS, labels, strict=True):
        value = "{{{%s|{{{%s|{{{%s|}}}}}}}}}" % (en, en_cap, de)  # noqa: UP031 (braces)
        lines.append("|-")
        lines.append(
            f'! style="text-align:right; width:15%; background:#ccf" id="fileinfotpl_{anchor}" | {label}'
        )
        # permission / other versions often hold a licence box ({| ...), which must start a line
        lines.append(f"|\n{value}" if en in ("permission", "other versions") else f"| {value}")
    lines.append("|}")
    lines.append(
        "<noinclude>\nUse on file description pages: <code><nowiki>{{Information|description=|date=|"
        "source=|author=|permission=|other versions=}}</nowiki></code>\n</noinclude>"
    )
    return "\n".join(lines)


def common_templates(lang: str) -> dict[str, str]:
    cat = "Kategorie" if lang == "de" else "Category"
    return {
        "Template:Information": information_template(lang),
        "Template:Own": (
            "Own work<noinclude>\nUse as <code><nowiki>source={{Own}}</nowiki></code>.</noinclude>"
        ),
        "Template:Cc-by-sa-4.0": (
            '{| class="licensetpl layouttemplate" '
            'style="border:1px solid #88a; background:#eef; width:100%"\n'
            "| This file is licensed under the Creative Commons "
            "[https://creativecommons.org/licenses/by-sa/4.0/deed.en Attribution-Share Alike 4.0 "
            "International] license.\n"
            '<span class="licensetpl_short" style="display:none;">CC BY-SA 4.0</span>'
            '<span class="licensetpl_link" style="display:none;">'
            "https://creativecommons.org/licenses/by-sa/4.0</span>\n"
            f"|}}<includeonly>[[{cat}:CC-BY-SA-4.0]]</includeonly>"
        ),
        "Template:Self": (
            "''{{{author|I}}}, the copyright holder of this work, hereby publish it under the following "
            "license:''\n{{ {{{1|Cc-by-sa-4.0}}} }}"
            "<noinclude>\nUsage: <code><nowiki>{{self|cc-by-sa-4.0}}</nowiki></code></noinclude>"
        ),
        "Template:Non-free logo": (
            '{| class="imbox" style="border:1px solid #c00; background:#fee; width:100%"\n'
            "| This is a '''logo''' of an organization, item, or event, and is protected by copyright "
            "and/or trademark. It is believed that the use of low-resolution images of logos to illustrate "
            "the organization in question qualifies as fair use.\n"
            f"|}}<includeonly>[[{cat}:Non-free logos]]</includeonly>"
        ),
        "Template:Non-free use rationale": (
            '{| class="wikitable" style="width:100%"\n'
            "|+ Non-free media information and use rationale for [[{{{Article|}}}]]\n"
            "|-\n! Description\n| {{{Description|}}}\n"
            "|-\n! Source\n| {{{Source|}}}\n"
            "|-\n! Article\n| [[{{{Article|}}}]]\n"
            "|-\n! Portion used\n| {{{Portion|}}}\n"
            "|-\n! Low resolution?\n| {{{Low_resolution|}}}\n"
            "|-\n! Purpose of use\n| {{{Purpose|}}}\n"
            "|-\n! Replaceable?\n| {{{Replaceability|}}}\n"
            f"|}}<includeonly>[[{cat}:Non-free files with NFUR stated]]</includeonly>"
        ),
        "Template:NowCommons": (
            '{| class="imbox" style="border:1px solid #396; background:#efe; width:100%"\n'
            "| This file is now available on Wikimedia Commons as "
            "[[:commons:{{{1|File:{{PAGENAME}}}}}|{{{1|File:{{PAGENAME}}}}}]]. It may be deleted here.\n"
            f"|}}<includeonly>[[{cat}:Files available on Wikimedia Commons]]</includeonly>"
        ),
        "Template:Copy to Wikimedia Commons": (
            '{| class="imbox" style="border:1px solid #36c; background:#eef; width:100%"\n'
            "| This file is a candidate to be '''copied to Wikimedia Commons'''. Free media should be "
            "uploaded to Commons so that every wiki can use them.\n"
            f"|}}<includeonly>[[{cat}:Copy to Wikimedia Commons]]</includeonly>"
        ),
    }


GERMAN_LICENCE = (
    '{| class="licensetpl" style="border:1px solid #88a; background:#eef; width:100%"\n'
    "| Diese Datei ist unter der Creative-Commons-Lizenz "
    "[https://creativecommons.org/licenses/by-sa/4.0/deed.de Namensnennung – Weitergabe unter gleichen "
    "Bedingungen 4.0 International] lizenziert.\n"
    '<span class="licensetpl_short" style="display:none;">CC BY-SA 4.0</span>\n'
    "|}<includeonly>[[Kategorie:CC-BY-SA-4.0]]</includeonly>"
)


def information(description: str, source: str, date: str, author: str, **extra: str) -> str:
    params = {"description": description, "date": date, "source": source, "author": author, **extra}
    return "{{Information\n" + "".join(f"|{k}={v}\n" for k, v in params.items()) + "}}"


def file_page(info: str, licence: str, categories: list[str], before: str = "") -> str:
    cats = "\n".join(f"[[Category:{c}]]" for c in categories)
    return f"{before}== Summary ==\n{info}\n\n== Licensing ==\n{licence}\n\n{cats}\n".replace(
        "\n\n\n", "\n\n"
    )


# ---------------------------------------------------------------------------------------------
# The three wikis
# ---------------------------------------------------------------------------------------------

SUNSET_V1 = file_page(
    information(
        "A sunset over the sea, seen from the testbed beach.",
        "{{Own}}",
        "2024-06-21",
        "[[User:Alice|Alice]]",
    ),
    "{{Cc-by-sa-4.0}}",
    ["Sunsets"],
)
SUNSET_V2 = SUNSET_V1.replace(
    "seen from the testbed beach.", "seen from the testbed beach, with a sailing boat on the horizon."
)
SUNSET_V3 = SUNSET_V2.replace("[[Category:Sunsets]]", "[[Category:Sunsets]]\n[[Category:Test images]]")
SUNSET_V4 = SUNSET_V3.replace("|date=2024-06-21", "|date=2024-06-21 20:14")

LIGHTHOUSE = png_bytes(300, 200, seed=77)


def edit_all(client: TBClient, pages: dict[str, str], summary: str) -> None:
    for title, text in pages.items():
        client.edit(title, text, summary)


def upload(client: TBClient, name: str, data: bytes, text: str, comment: str) -> None:
    result = client.upload(name, data, text=text, comment=comment)["upload"]
    if result.get("result") != "Success":
        raise RuntimeError(f"upload of {name} failed: {result}")


def seed_src(tb: dict[str, Any]) -> dict[str, str]:
    admin, alice, bob = (login(tb, "src", u) for u in ("admin", "alice", "bob"))
    edit_all(admin, common_templates("en"), "Testbed template")
    edit_all(
        admin,
        {
            "Category:Sunsets": "Images and articles about sunsets.\n\n[[de:Kategorie:Sonnenuntergänge]]",
            "Category:Test images": "Images uploaded by the testbed.",
        },
        "Testbed category",
    )

    files: dict[str, str] = {}

    # --- 3 file versions by Alice, Bob, Admin; 6 page revisions by Alice, Bob, Admin ---
    name = "Testbed Sunset.png"
    upload(alice, name, png_bytes(320, 200, seed=1), SUNSET_V1, "Sunset over the sea, own work")
    bob.edit(f"File:{name}", SUNSET_V2, "Mention the sailing boat")
    wait_next_second()  # the re-upload revision repeats the text of the edit before it
    upload(bob, name, png_bytes(400, 250, seed=2), "", "Larger version, better crop")
    admin.edit(f"File:{name}", SUNSET_V3, "Add [[Category:Test images]]")
    wait_next_second()
    upload(admin, name, png_bytes(480, 300, seed=3), "", "Colour-corrected version")
    alice.edit(f"File:{name}", SUNSET_V4, "More precise date")
    files["multi_version"] = f"File:{name}"

    name = "Testbed Harbour at dusk.png"
    upload(
        alice,
        name,
        png_bytes(240, 160, seed=11),
        file_page(
            information("The harbour at dusk.", "{{Own}}", "2024-07-02", "[[User:Alice|Alice]]"),
            "{{self|cc-by-sa-4.0}}",
            ["Sunsets"],
        ),
        "Own work",
    )
    files["own_work"] = f"File:{name}"

    name = "Testbed Beach photo.png"
    upload(
        bob,
        name,
        png_bytes(200, 150, seed=12),
        "Photo I took at the beach last summer, just before the sun went down. "
        "Feel free to use it, but please credit me. --Bob",
        "beach photo",
    )
    files["loose_text"] = f"File:{name}"

    name = "Testbed Example Corp logo.png"
    upload(
        admin,
        name,
        png_bytes(120, 60, seed=13),
        "== Summary ==\n{{Non-free use rationale\n|Article=Sunset\n"
        "|Description=Logo of the fictional Example Corp, sponsor of the sunset festival.\n"
        "|Source=https://example.org/logo\n|Portion=Entire logo\n|Low_resolution=Yes\n"
        "|Purpose=To identify the sponsor in the article [[Sunset]].\n"
        "|Replaceability=A logo cannot be replaced by a free image.\n}}\n\n"
        "== Licensing ==\n{{Non-free logo}}\n",
        "Non-free logo for [[Sunset]]",
    )
    files["non_free"] = f"File:{name}"

    name = "Testbed Dunes at sunset.png"
    upload(
        alice,
        name,
        png_bytes(260, 180, seed=14),
        "{{Copy to Wikimedia Commons}}\n"
        + file_page(
            information("Sand dunes at sunset.", "{{Own}}", "2024-08-15", "[[User:Alice|Alice]]"),
            "{{Cc-by-sa-4.0}}",
            ["Sunsets"],
        ),
        "Dunes, own work",
    )
    files["copy_to_commons"] = f"File:{name}"

    name = "Testbed Lighthouse.png"
    upload(
        admin,
        name,
        LIGHTHOUSE,
        file_page(
            information("A lighthouse at dusk.", "{{Own}}", "2024-05-30", "[[User:Admin|Admin]]"),
            "{{self|cc-by-sa-4.0}}",
            ["Sunsets"],
        ),
        "Lighthouse (also on Commons under another name)",
    )
    files["duplicate"] = f"File:{name}"

    media = [
        ("svg", "Testbed Sun diagram.svg", svg_bytes(200, 120, seed=21), "A diagram of the setting sun."),
        ("pdf", "Testbed Sunset guide.pdf", pdf_bytes(seed=22), "A one-page guide to watching sunsets."),
        ("audio", "Testbed Evening birdsong.ogg", ogg_bytes(8192, seed=23), "Birds singing at dusk."),
        ("video", "Testbed Sunset timelapse.webm", webm_bytes(16384, seed=24), "A time-lapse of a sunset."),
    ]
    for role, fname, data, desc in media:
        upload(
            admin,
            fname,
            data,
            file_page(
                information(desc, "{{Own}}", "2024-09-01", "[[User:Admin|Admin]]"),
                "{{self|cc-by-sa-4.0}}",
                ["Test images"],
            ),
            f"Testbed {role} file",
        )
        files[role] = f"File:{fname}"

    admin.edit(
        "Sunset",
        "[[File:Testbed Sunset.png|thumb|A sunset over the sea]]\n"
        "A '''sunset''' is the daily disappearance of the Sun below the horizon.\n\n"
        "[[File:Testbed Example Corp logo.png|thumb|left|Sponsor of the sunset festival]]\n"
        "== See also ==\n* [[:Category:Sunsets]]\n\n[[Category:Sunsets]]\n[[de:Sonnenuntergang]]\n",
        "Testbed article",
    )
    return files


def seed_other(tb: dict[str, Any]) -> dict[str, str]:
    admin, alice = login(tb, "other", "admin"), login(tb, "other", "alice")
    templates = common_templates("de")
    templates["Template:Bild-CC-by-sa/4.0"] = GERMAN_LICENCE
    edit_all(admin, templates, "Testbed-Vorlage")
    admin.edit(
        "Kategorie:Sonnenuntergänge",
        "Bilder und Artikel über Sonnenuntergänge.\n\n[[en:Category:Sunsets]]",
        "Testbed-Kategorie",
    )
    name = "Sonnenuntergang Berg.png"
    upload(
        alice,
        name,
        png_bytes(300, 180, seed=31),
        "== Beschreibung ==\n{{Information\n"
        "|Beschreibung=Sonnenuntergang hinter einem Berg in den Alpen.\n"
        "|Quelle=selbst fotografiert\n|Urheber=[[Benutzer:Alice|Alice]]\n|Datum=2024-06-21\n"
        "|Genehmigung={{Bild-CC-by-sa/4.0}}\n|Andere Versionen=\n}}\n\n"
        "== Lizenz ==\n{{Bild-CC-by-sa/4.0}}\n\n[[Kategorie:Sonnenuntergänge]]\n",
        "Sonnenuntergang, selbst fotografiert",
    )
    admin.edit(
        "Sonnenuntergang",
        "[[Datei:Sonnenuntergang Berg.png|mini|Sonnenuntergang hinter einem Berg]]\n"
        "Der '''Sonnenuntergang''' ist das Verschwinden der Sonne unter dem Horizont.\n\n"
        "[[Kategorie:Sonnenuntergänge]]\n[[en:Sunset]]\n",
        "Testbed-Artikel",
    )
    return {"german": f"Datei:{name}"}


def seed_commons(tb: dict[str, Any]) -> dict[str, str]:
    admin = login(tb, "commons", "admin")
    edit_all(admin, common_templates("en"), "Testbed template")
    admin.edit("Category:Sunsets", "Sunsets.\n\n[[Category:Evening]]", "Testbed category")
    name = "Lighthouse at dusk (testbed).png"
    upload(
        admin,
        name,
        LIGHTHOUSE,
        file_page(
            information("A lighthouse at dusk.", "{{Own}}", "2024-05-30", "[[User:Admin|Admin]]"),
            "{{self|cc-by-sa-4.0}}",
            ["Sunsets"],
        ),
        "Lighthouse at dusk",
    )
    return {"duplicate_on_commons": f"File:{name}"}


# ---------------------------------------------------------------------------------------------


def describe(tb: dict[str, Any], wiki: str, title: str) -> dict[str, Any]:
    client = TBClient(tb["wikis"][wiki]["api"])
    page = client.page(title, rvprop="user|timestamp|sha1")
    infos = page.get("imageinfo", [])
    return {
        "wiki": wiki,
        "title": page["title"],
        "sha1": [i["sha1"] for i in infos],
        "uploaders": [i["user"] for i in infos],
        "sizes": [i["size"] for i in infos],
        "mime": infos[0]["mime"] if infos else None,
        "url": infos[0]["url"] if infos else None,
        "revisions": len(page.get("revisions", [])),
        "authors": sorted({r["user"] for r in page.get("revisions", [])}),
    }


def main(base: str) -> int:
    started = time.monotonic()
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    path = Path(base) / "testbed.json"
    tb = load_testbed(path)
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(fn, tb) for fn in (seed_src, seed_other, seed_commons)]
        files: dict[str, str] = {}
        for job in jobs:
            files.update(job.result())

    wiki_of = {"german": "other", "duplicate_on_commons": "commons"}
    info = {role: describe(tb, wiki_of.get(role, "src"), title) for role, title in files.items()}
    mv = info["multi_version"]
    if len(set(mv["uploaders"])) != 3 or mv["revisions"] < 5:
        raise RuntimeError(f"multi-version file is not as expected: {mv}")
    if info["duplicate"]["sha1"][0] != info["duplicate_on_commons"]["sha1"][0]:
        raise RuntimeError("duplicate files differ")

    order = [
        "multi_version",
        "own_work",
        "loose_text",
        "non_free",
        "copy_to_commons",
        "duplicate",
        "duplicate_on_commons",
        "svg",
        "pdf",
        "audio",
        "video",
        "german",
    ]
    tb["files"] = {role: files[role] for role in order}
    tb["file_info"] = {role: info[role] for role in order}
    tb["pages"] = {
        "article": "Sunset",
        "category": "Category:Sunsets",
        "article_de": "Sonnenuntergang",
        "category_de": "Kategorie:Sonnenuntergänge",
        "commons_category": "Category:Sunsets",
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(tb, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"seed.py: seeded {len(files)} files in {time.monotonic() - started:.1f} s: {path}")
    for role in order:
        i = info[role]
        print(f"  {role:21} {i['wiki']:8} {i['title']}  ({len(i['sha1'])} version(s), {i['revisions']} rev.)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: seed.py BASE", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
