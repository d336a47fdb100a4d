"""The rendered preview's HTML is rebuilt from an allowlist: nothing in it can run in our origin."""

from __future__ import annotations

from wikifile_transfer.web.sanitize import preview_document, safe_url, sanitise_html

BASE = "https://wiki.example/"


def test_scripts_handlers_and_dangerous_urls_are_gone() -> None:
    html = (
        '<div class="mw-parser-output"><p onclick="steal()">Hi <b>there</b></p>'
        "<script>alert(1)</script><style>body{}</style>"
        '<a href="javascript:alert(1)">x</a><a href=" jav&#x09;ascript:alert(2)">y</a>'
        '<img src="data:text/html,<script>" onerror="alert(3)" alt="pic">'
        '<iframe src="https://evil.example"><p>inside</p></iframe>'
        '<svg><script>alert(4)</script></svg><form action="/api/v1/me"><input name="x"></form>'
        '<span style="background:url(https://track.example/x)">s</span>'
        '<span style="color:red">red</span><!-- comment --></div>'
    )
    out = sanitise_html(html, BASE)
    lowered = out.lower()
    for bad in (
        "script",
        "onclick",
        "onerror",
        "javascript",
        "iframe",
        "svg",
        "form",
        "input",
        "url(",
        "comment",
    ):
        assert bad not in lowered, bad
    assert "<p>Hi <b>there</b></p>" in out
    assert "inside" not in out  # dropped with its container
    assert '<span style="color:red">red</span>' in out
    assert '<img alt="pic">' in out
    assert out.startswith('<div class="mw-parser-output">') and out.endswith("</div>")


def test_links_and_images_become_absolute_on_the_wiki_and_open_outside() -> None:
    out = sanitise_html(
        '<a href="/wiki/Main_Page">m</a><a href="#top">t</a><img src="//upload.example/a.png" srcset="x 2x">',
        BASE,
    )
    assert (
        '<a href="https://wiki.example/wiki/Main_Page" target="_blank" rel="noopener noreferrer nofollow">'
        in out
    )
    assert '<a href="#top">' in out
    assert '<img src="https://upload.example/a.png">' in out
    assert "srcset" not in out


def test_unclosed_and_stray_tags_are_balanced_and_text_escaped() -> None:
    out = sanitise_html("<div><p>a &lt;b&gt; <i>c</div></p><b>d", BASE)
    assert out == "<div><p>a &lt;b&gt; <i>c</i></p></div><b>d</b>"


def test_safe_url() -> None:
    assert safe_url("mailto:a@b.c", BASE) == "mailto:a@b.c"
    assert safe_url("vbscript:x", BASE) is None
    assert safe_url("  ", BASE) is None
    assert safe_url("page", BASE) == "https://wiki.example/page"


def test_the_document_has_its_own_script_free_policy() -> None:
    doc = preview_document("<p>x</p>", BASE, "ar", "rtl")
    assert "default-src 'none'" in doc and "script-src" not in doc
    assert '<html lang="ar" dir="rtl">' in doc
    assert '<base href="https://wiki.example/" target="_blank">' in doc
