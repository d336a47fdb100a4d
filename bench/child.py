"""One measured run in its own process, so its peak RSS and its requests are its own (bench/run.py).

    python bench/child.py OUT.json tool ARGS...         the CLI (``batch``/``transfer`` ARGS)
    python bench/child.py OUT.json floor PLAN.json N    downloads + uploads only, N at once
    python bench/child.py OUT.json sequential PLAN.json one file after another, latest version only

PLAN.json (written by run.py): ``{"target_api", "login", "password", "files": [{"title", "source_api",
"versions": [{"url", "size"}, ...] oldest first}]}``. The floor and the sequential baseline write the same
bytes as the tool, under their own titles, with ``ignorewarnings`` (the tool ran first and checked).
OUT.json gets ``{"seconds", "peak_rss_mb", "requests": {host: n}, "exit"}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

CHUNK = 5 * 1024 * 1024  # the tool's chunk size and its simple-upload limit
READ = 1024 * 1024


class Counted:
    """A logged-in requests session shared by the threads, counting requests per host."""

    def __init__(self, pool: int) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(4, pool))
        self.session.mount("http://", adapter)
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        host = urlsplit(url).netloc
        with self.lock:
            self.counts[host] = self.counts.get(host, 0) + 1
        response = self.session.request(method, url, timeout=(10, 600), **kw)
        response.raise_for_status()
        return response

    def api(self, api: str, method: str = "POST", **params: Any) -> dict[str, Any]:
        files = params.pop("files", None)
        params.update(format="json", formatversion="2")
        if method == "GET":
            answer = self.request("GET", api, params=params).json()
        else:
            answer = self.request("POST", api, data=params, files=files).json()
        if "error" in answer:
            raise RuntimeError(f"{params.get('action')}: {answer['error']}")
        return answer

    def login(self, api: str, name: str, password: str) -> str:
        token = self.api(api, "GET", action="query", meta="tokens", type="login")["query"]["tokens"]
        self.api(api, action="login", lgname=name, lgpassword=password, lgtoken=token["logintoken"])
        csrf = self.api(api, "GET", action="query", meta="tokens")["query"]["tokens"]["csrftoken"]
        return str(csrf)


def download(client: Counted, url: str, folder: str) -> Path:
    fd, name = tempfile.mkstemp(dir=folder)
    with os.fdopen(fd, "wb") as out, client.request("GET", url, stream=True) as response:
        for block in response.iter_content(READ):
            out.write(block)
    return Path(name)


def upload(client: Counted, api: str, token: str, title: str, path: Path, text: str = "") -> None:
    size = path.stat().st_size
    base = {"action": "upload", "filename": title, "token": token, "ignorewarnings": "1"}
    if size <= CHUNK:
        with path.open("rb") as handle:
            files = {"file": (title, handle, "application/octet-stream")}
            answer = client.api(api, **base, text=text, comment="bench", files=files)
        if answer["upload"]["result"] != "Success":
            raise RuntimeError(f"upload {title}: {answer}")
        return
    filekey = None
    with path.open("rb") as handle:
        offset = 0
        while offset < size:
            chunk = handle.read(CHUNK)
            params = {**base, "stash": "1", "filesize": str(size), "offset": str(offset)}
            if filekey:
                params["filekey"] = filekey
            files = {"chunk": (title, io.BytesIO(chunk), "application/octet-stream")}
            filekey = client.api(api, **params, files=files)["upload"]["filekey"]
            offset += len(chunk)
    answer = client.api(api, **base, filekey=filekey, text=text, comment="bench")
    if answer["upload"]["result"] != "Success":
        raise RuntimeError(f"commit {title}: {answer}")


def run_floor(plan: dict[str, Any], concurrency: int, *, sequential: bool) -> dict[str, int]:
    client = Counted(concurrency)
    api = plan["target_api"]
    token = client.login(api, plan["login"], plan["password"])
    folder = tempfile.mkdtemp(prefix="wft-bench-")

    def one(item: dict[str, Any]) -> None:
        text = ""
        versions = item["versions"]
        if sequential:
            # What a simple transfer script does: read the file's description page and its latest version.
            answer = client.api(
                item["source_api"],
                "GET",
                action="query",
                titles="File:" + item["source_title"],
                prop="imageinfo|revisions",
                iiprop="url|size|sha1",
                rvprop="content",
                rvslots="main",
            )
            page = answer["query"]["pages"][0]
            text = page["revisions"][0]["slots"]["main"]["content"]
            versions = [{"url": page["imageinfo"][0]["url"]}]
        last_second = None
        for version in versions:
            path = download(client, version["url"], folder)
            try:
                # MediaWiki names an archived version by the second of its re-upload: two re-uploads of one
                # file in the same second collide, so the floor spaces them exactly as the tool does.
                if last_second is not None and int(time.time()) <= last_second:
                    time.sleep(last_second + 1 - time.time() + 0.02)
                upload(client, api, token, item["title"], path, text)
                last_second = int(time.time())
            finally:
                path.unlink()

    if concurrency <= 1:
        for item in plan["files"]:
            one(item)
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for future in [pool.submit(one, item) for item in plan["files"]]:
                future.result()
    os.rmdir(folder)
    return client.counts


def run_tool(args: list[str]) -> tuple[int, dict[str, int], str]:
    # Imported here: the floor and the sequential baseline must not pay for loading the tool.
    from wikifile_transfer.cli.main import main  # noqa: PLC0415
    from wikifile_transfer.wiki.http import PROCESS_STATS  # noqa: PLC0415

    if os.environ.get("WFT_BENCH_TRACE"):
        trace()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    return code, PROCESS_STATS.snapshot(), out.getvalue()


TRACE: dict[str, int] = {}
TRACE_S: dict[str, float] = {}


def trace() -> None:
    """Count the tool's requests by kind (host, method, action and its query modules) into TRACE."""
    from wikifile_transfer.wiki.http import HttpClient  # noqa: PLC0415

    send = HttpClient._send
    lock = threading.Lock()

    def traced(self: HttpClient, method: str, url: str, **kw: Any) -> Any:
        fields = {**(kw.get("params") or {}), **(kw.get("data") or {})}
        parts = urlsplit(url)
        kind = parts.path if "action" not in fields else f"action={fields['action']}"
        for key in ("prop", "list", "meta", "generator", "type", "stash"):
            if key in fields:
                kind += f" {key}={fields[key]}"
        if "filekey" in fields:
            kind += " filekey"
        key = f"{parts.netloc} {method} {kind}"
        started = time.perf_counter()
        try:
            return send(self, method, url, **kw)
        finally:
            with lock:
                TRACE[key] = TRACE.get(key, 0) + 1
                TRACE_S[key] = TRACE_S.get(key, 0.0) + time.perf_counter() - started

    HttpClient._send = traced  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    out_path, mode, *rest = argv
    started = time.perf_counter()
    stdout = ""
    if mode == "tool":
        code, counts, stdout = run_tool(rest)
    elif mode in ("floor", "sequential"):
        plan = json.loads(Path(rest[0]).read_text(encoding="utf-8"))
        concurrency = int(rest[1]) if mode == "floor" else 1
        counts = run_floor(plan, concurrency, sequential=mode == "sequential")
        code = 0
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"seconds": seconds, "peak_rss_mb": peak, "requests": counts, "exit": code, "stdout": stdout}
    if TRACE:
        result["trace"] = {k: [n, round(TRACE_S[k], 2)] for k, n in sorted(TRACE.items())}
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
