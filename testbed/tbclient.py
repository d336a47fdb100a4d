"""A small, self-contained client for the MediaWiki testbed, plus generators for test media.

Only needs ``requests``. Used by ``testbed/seed.py`` and by the project's tests::

    from testbed.tbclient import load_testbed, login, png_bytes

    tb = load_testbed("/tmp/mwtb")            # BASE or BASE/testbed.json
    admin = login(tb, "src", "admin")         # a logged-in TBClient (bot password)
    admin.upload("Example.png", png_bytes(64, 48, seed=3), text="Hello", comment="test")

Every session has ``trust_env = False`` so loopback traffic never goes through a proxy.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import requests

__all__ = [
    "APIError",
    "TBClient",
    "load_testbed",
    "login",
    "new_session",
    "ogg_bytes",
    "pdf_bytes",
    "png_bytes",
    "sha1_hex",
    "svg_bytes",
    "wait_next_second",
    "webm_bytes",
]

USER_AGENT = "wikifile-transfer-testbed/0.1 (http://127.0.0.1; testbed@localhost)"


class APIError(RuntimeError):
    """An ``{"error": {...}}`` answer from api.php."""

    def __init__(self, code: str, info: str, data: dict[str, Any]) -> None:
        super().__init__(f"{code}: {info}")
        self.code = code
        self.info = info
        self.data = data


def new_session() -> requests.Session:
    """A requests session that ignores proxy environment variables."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = USER_AGENT
    return session


def load_testbed(path: str | Path) -> dict[str, Any]:
    """Parse BASE/testbed.json (``path`` may be BASE or the json file itself)."""
    p = Path(path)
    if p.is_dir():
        p = p / "testbed.json"
    return json.loads(p.read_text(encoding="utf-8"))


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class TBClient:
    """Minimal action-API client: GET/POST with formatversion=2, login, CSRF, edit, upload."""

    def __init__(self, api: str, session: requests.Session | None = None, timeout: float = 120) -> None:
        self.api = api
        self.session = session or new_session()
        self.timeout = timeout
        self.user: str | None = None
        self._csrf: str | None = None

    # ---- raw calls ----
    def request(
        self, method: str, params: dict[str, Any], files: dict[str, Any] | None = None
    ) -> requests.Response:
        data = {"format": "json", "formatversion": "2", **params}
        if method == "GET":
            return self.session.get(self.api, params=data, timeout=self.timeout)
        return self.session.post(self.api, data=data, files=files, timeout=self.timeout)

    def call(
        self, method: str, params: dict[str, Any], files: dict[str, Any] | None = None, check: bool = True
    ) -> dict[str, Any]:
        resp = self.request(method, params, files)
        resp.raise_for_status()
        result: dict[str, Any] = resp.json()
        if check and "error" in result:
            err = result["error"]
            raise APIError(err.get("code", "?"), err.get("info", ""), result)
        return result

    def get(self, check: bool = True, **params: Any) -> dict[str, Any]:
        return self.call("GET", params, check=check)

    def post(self, files: dict[str, Any] | None = None, check: bool = True, **params: Any) -> dict[str, Any]:
        return self.call("POST", params, files=files, check=check)

    # ---- session ----
    def login(self, name: str, password: str) -> TBClient:
        token = self.get(action="query", meta="tokens", type="login")["query"]["tokens"]["logintoken"]
        result = self.post(action="login", lgname=name, lgpassword=password, lgtoken=token)["login"]
        if result.get("result") != "Success":
            raise APIError("login-failed", json.dumps(result), {"login": result})
        self.user = result["lgusername"]
        self._csrf = None
        return self

    def csrf(self, refresh: bool = False) -> str:
        if self._csrf is None or refresh:
            self._csrf = self.get(action="query", meta="tokens", type="csrf")["query"]["tokens"]["csrftoken"]
        return self._csrf

    # ---- writes ----
    def edit(self, title: str, text: str, summary: str = "", **extra: Any) -> dict[str, Any]:
        return self.post(action="edit", title=title, text=text, summary=summary, token=self.csrf(), **extra)[
            "edit"
        ]

    def upload(
        self,
        filename: str,
        data: bytes,
        text: str = "",
        comment: str = "",
        ignorewarnings: bool = True,
        check: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """Simple (one request) upload; returns the whole API answer."""
        params: dict[str, Any] = {
            "action": "upload",
            "filename": filename,
            "text": text,
            "comment": comment,
            "token": self.csrf(),
            **extra,
        }
        if ignorewarnings:
            params["ignorewarnings"] = "1"
        return self.post(files={"file": (filename, data, "application/octet-stream")}, check=check, **params)

    def chunked_upload(
        self,
        filename: str,
        data: bytes,
        text: str = "",
        comment: str = "",
        chunk_size: int = 5 * 1024 * 1024,
        ignorewarnings: bool = True,
    ) -> dict[str, Any]:
        """Upload in chunks to the stash, then commit. Returns the commit's API answer."""
        filekey: str | None = None
        offset = 0
        while offset < len(data):
            chunk = data[offset : offset + chunk_size]
            params: dict[str, Any] = {
                "action": "upload",
                "stash": "1",
                "filename": filename,
                "filesize": str(len(data)),
                "offset": str(offset),
                "token": self.csrf(),
            }
            if filekey:
                params["filekey"] = filekey
            answer = self.post(files={"chunk": (filename, chunk, "application/octet-stream")}, **params)
            filekey = answer["upload"]["filekey"]
            offset += len(chunk)
        commit: dict[str, Any] = {
            "action": "upload",
            "filekey": filekey,
            "filename": filename,
            "text": text,
            "comment": comment,
            "token": self.csrf(),
        }
        if ignorewarnings:
            commit["ignorewarnings"] = "1"
        return self.post(**commit)

    # ---- reads ----
    def page(self, title: str, **extra: Any) -> dict[str, Any]:
        """``query`` for one title with imageinfo (all versions) and revisions (all, with content)."""
        params = {
            "action": "query",
            "titles": title,
            "prop": "imageinfo|revisions|categories|templates|langlinks",
            "iiprop": "url|sha1|size|mime|timestamp|user|comment",
            "iilimit": "max",
            "rvprop": "content|user|timestamp|comment|ids|sha1",
            "rvslots": "main",
            "rvlimit": "max",
            "cllimit": "max",
            "tllimit": "max",
            "lllimit": "max",
            **extra,
        }
        return self.get(**params)["query"]["pages"][0]

    def siteinfo(self, siprop: str = "general|namespaces|fileextensions") -> dict[str, Any]:
        return self.get(action="query", meta="siteinfo", siprop=siprop)["query"]


def login(testbed: dict[str, Any], wiki: str, user: str = "admin") -> TBClient:
    """A TBClient for ``wiki`` (src/other/commons) logged in as ``user`` (admin/alice/bob)."""
    account = testbed["users"][user]
    return TBClient(testbed["wikis"][wiki]["api"]).login(account["login"], account["password"])


def wait_next_second() -> None:
    """Sleep into the next wall-clock second (MediaWiki timestamps have 1-second resolution)."""
    time.sleep(1.02 - (time.time() % 1.0))


# ---------------------------------------------------------------------------------------------
# Media generators (no Pillow). ``seed`` changes the bytes; ``size`` pads to at least that many bytes.
# ---------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_bytes(width: int, height: int, seed: int = 0, noise: bool = False) -> bytes:
    """A valid 8-bit RGB PNG. Different ``seed`` gives different bytes.

    ``noise=True`` fills the image with random pixels: the file is then about 3*width*height bytes
    (2600x2600 is ~20 MB), handy for large uploads.
    """
    if width <= 0 or height <= 0:
        raise ValueError("width and height must be positive")
    if noise:
        rng = random.Random(seed)
        raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    else:
        r0, g0, b0 = (seed * 67) % 256, (seed * 131 + 40) % 256, (seed * 29 + 90) % 256
        reds = bytes((r0 + x * 255 // width) % 256 for x in range(width))
        rows = []
        for y in range(height):
            row = bytearray(3 * width)
            row[0::3] = reds
            row[1::3] = bytes([(g0 + y * 200 // height) % 256]) * width
            row[2::3] = bytes((b0 + (x ^ y)) % 256 for x in range(width))
            rows.append(b"\x00" + bytes(row))
        raw = b"".join(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # The colours above repeat every 256 seeds: two tests with random seeds then made the same file, and the
    # second one was refused as a duplicate of the first on the target (a rare, confusing flake). A text
    # chunk with the whole seed makes the bytes unique; seeds below 256 keep their old bytes.
    text = _png_chunk(b"tEXt", b"Comment\x00seed " + str(seed).encode()) if seed >= 256 else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + text
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def svg_bytes(width: int = 200, height: int = 120, seed: int = 0, size: int = 0) -> bytes:
    """A minimal valid SVG (a sky, a sun and the sea); padded with an XML comment up to ``size``."""
    rng = random.Random(seed)
    cx, cy, r = rng.randint(width // 4, 3 * width // 4), height // 2, max(4, height // 6)
    sky = f"#{rng.randint(0xC0, 0xFF):02x}{rng.randint(0x60, 0xA0):02x}{rng.randint(0x20, 0x60):02x}"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n'
        f"  <title>Testbed sun diagram {seed}</title>\n"
        f'  <rect width="{width}" height="{height}" fill="{sky}"/>\n'
        f'  <circle cx="{cx}" cy="{cy}" r="{r}" fill="#ffdd33"/>\n'
        f'  <rect y="{cy}" width="{width}" height="{height - cy}" fill="#225588"/>\n'
    )
    tail = "</svg>\n"
    pad = size - len(body) - len(tail) - len("  <!--  -->\n")
    if pad > 0:
        body += "  <!-- " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(pad)) + " -->\n"
    return (body + tail).encode()


def pdf_bytes(seed: int = 0, size: int = 0, text: str = "Testbed sunset guide") -> bytes:
    """A valid one-page PDF (Helvetica text) with a correct xref table; padded to at least ``size``."""
    plain = _pdf(seed, text, b"")
    if len(plain) >= size:
        return plain
    rng = random.Random(seed)
    need = size - len(plain)
    lines = []
    while need > 0:
        n = max(1, min(need - 3, 4000))
        lines.append(b"% " + rng.randbytes(n).hex().encode()[:n] + b"\n")
        need -= n + 3
    return _pdf(seed, text, b"".join(lines))


def _pdf(seed: int, text: str, padding: bytes) -> bytes:
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 24 Tf 72 720 Td ({safe} {seed}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    # Comment lines right after the header keep the file valid; the xref below accounts for them.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + padding)
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def ogg_bytes(size: int = 4096, seed: int = 0) -> bytes:
    """A *fake* Ogg file: the ``OggS`` magic followed by random bytes (MediaWiki only checks magic)."""
    head = b"OggS\x00\x02" + b"\x00" * 8
    return head + random.Random(seed).randbytes(max(0, size - len(head)))


def _ebml(element_id: bytes, payload: bytes) -> bytes:
    n = len(payload)
    if n >= 0x7F:
        raise ValueError("payload too long for 1-byte EBML size")
    return element_id + bytes([0x80 | n]) + payload


def webm_bytes(size: int = 4096, seed: int = 0) -> bytes:
    """A *fake* WebM file: a real EBML header with DocType ``webm``, then random bytes."""
    header_body = (
        _ebml(b"\x42\x86", b"\x01")  # EBMLVersion
        + _ebml(b"\x42\xf7", b"\x01")  # EBMLReadVersion
        + _ebml(b"\x42\xf2", b"\x04")  # EBMLMaxIDLength
        + _ebml(b"\x42\xf3", b"\x08")  # EBMLMaxSizeLength
        + _ebml(b"\x42\x82", b"webm")  # DocType
        + _ebml(b"\x42\x87", b"\x02")  # DocTypeVersion
        + _ebml(b"\x42\x85", b"\x02")  # DocTypeReadVersion
    )
    head = _ebml(b"\x1a\x45\xdf\xa3", header_body) + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
    return head + random.Random(seed).randbytes(max(0, size - len(head)))
