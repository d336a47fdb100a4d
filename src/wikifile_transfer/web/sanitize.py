"""HTML from a wiki's ``action=parse``, made safe to show inside our front end.

The rendered preview is the *target wiki's* HTML. MediaWiki's own sanitiser already keeps scripts out of
parsed wikitext, but the target may be any wiki (a self-hosted one with raw HTML enabled, an extension
with a bug, a hostile host), and whatever it sends would run in our origin, next to the session cookie
and the CSRF token. So the HTML is rebuilt here from an allowlist — tags, attributes, URL schemes —
rather than trusting the wiki, and the front end is asked to show it in ``<iframe sandbox srcdoc=…>``
without ``allow-scripts`` or ``allow-same-origin`` (two independent walls: either alone stops a script).

* tags not on the list are dropped (their text kept); ``script``, ``style``, ``iframe``, ``object``,
  ``template``… are dropped with everything inside them;
* attributes: only listed ones; every ``on…`` handler goes; ``style`` goes when it could load or run
  something (``url(``, ``expression(``, ``javascript:``, ``@import``);
* URLs (``href``, ``src``): http(s), ``mailto:`` and fragments only, made absolute against the wiki's
  address, so a relative link never points into this service; ``srcset`` is dropped.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

ALLOWED_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rb",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
        "wbr",
        "audio",
        "video",
        "source",
        "track",
    ]
)
DROP_WITH_CONTENT = frozenset(
    [
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "template",
        "noscript",
        "noembed",
        "math",
        "svg",
        "textarea",
        "select",
        "button",
        "form",
        "title",
        "head",
    ]
)
VOID_TAGS = frozenset(["br", "hr", "img", "wbr", "col", "source", "track"])
ALLOWED_ATTRIBUTES = frozenset(
    [
        "href",
        "src",
        "alt",
        "title",
        "class",
        "id",
        "dir",
        "lang",
        "style",
        "width",
        "height",
        "colspan",
        "rowspan",
        "align",
        "valign",
        "border",
        "cellpadding",
        "cellspacing",
        "scope",
        "abbr",
        "datetime",
        "cite",
        "start",
        "reversed",
        "type",
        "value",
        "controls",
        "poster",
        "preload",
        "loop",
        "muted",
    ]
)
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_DANGEROUS_STYLE = re.compile(r"url\s*\(|expression\s*\(|javascript:|@import|behavior\s*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(value: str, base_url: str) -> str | None:
    """``value`` as an absolute http(s)/mailto URL on ``base_url``, a bare fragment, or None."""
    text = _CONTROL.sub("", html.unescape(value))
    if not text:
        return None
    if text.startswith("#"):
        return text
    absolute = urljoin(base_url, text)
    scheme = urlsplit(absolute).scheme.lower()
    return absolute if scheme in SAFE_SCHEMES else None


class _Sanitiser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.out: list[str] = []
        self.skip: list[str] = []  # the dropped-with-content tags we are inside
        self.open: list[str] = []  # allowed tags opened and not yet closed

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        kept: list[str] = []
        for raw_name, value in attrs:
            name = raw_name.lower()
            if name not in ALLOWED_ATTRIBUTES or (value is None and name in URL_ATTRIBUTES):
                continue
            text = value or ""
            if name in URL_ATTRIBUTES:
                url = safe_url(text, self.base_url)
                if url is None:
                    continue
                text = url
            elif name == "style" and _DANGEROUS_STYLE.search(html.unescape(text)):
                continue
            kept.append(f' {name}="{html.escape(text, quote=True)}"')
        if tag == "a" and any(k.startswith(' href="http') or k.startswith(' href="mailto') for k in kept):
            kept.append(' target="_blank" rel="noopener noreferrer nofollow"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skip:
            if tag in DROP_WITH_CONTENT and tag not in VOID_TAGS:
                self.skip.append(tag)
            return
        if tag in DROP_WITH_CONTENT:
            self.skip.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if self.skip or tag in DROP_WITH_CONTENT or tag not in ALLOWED_TAGS:
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag not in ALLOWED_TAGS or tag in VOID_TAGS or tag not in self.open:
            return
        while self.open:  # close what the wiki left open inside it, so the nesting stays sound
            inner = self.open.pop()
            self.out.append(f"</{inner}>")
            if inner == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def sanitise_html(fragment: str, base_url: str) -> str:
    """The allowlisted rebuild of ``fragment`` (comments, doctype and processing instructions dropped)."""
    parser = _Sanitiser(base_url)
    parser.feed(fragment)
    return parser.result()


FRAME_CSP = (
    "default-src 'none'; img-src http: https: data:; media-src http: https:; style-src 'unsafe-inline'"
)


def preview_document(fragment: str, base_url: str, lang: str, direction: str) -> str:
    """A whole document for ``<iframe sandbox srcdoc>``: the sanitised fragment, links opening outside
    the frame, and a CSP of its own that allows no script at all."""
    return (
        "<!DOCTYPE html>"
        f'<html lang="{html.escape(lang)}" dir="{html.escape(direction)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{FRAME_CSP}">'
        f'<base href="{html.escape(base_url, quote=True)}" target="_blank">'
        "</head><body>"
        f"{fragment}</body></html>"
    )
