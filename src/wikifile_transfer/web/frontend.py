"""Serving the built web app (``frontend/dist``, made by ``make frontend``) from the Flask app itself.

One origin for the app and its API keeps the session cookie ``SameSite=Lax`` and the CSP simple
(``default-src 'self'``, no CORS). The app routes in the browser (``/history``, ``/transfer``…), so every
GET that is not the API, an asset or one of the app's own top-level files answers ``index.html``.
Vite names assets by content hash: ``/assets/*`` may be cached for a year, while ``index.html`` (which
names the current hashes) is revalidated on every visit, so a new release shows at the next load.

Where the build is: ``WFT_FRONTEND_DIR``, else ``frontend/dist`` of the source checkout, else a copy
shipped inside the package (``wikifile_transfer/_frontend``). When none has an ``index.html`` the app
answers a short page that says how to build it, and the API works as before.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, send_from_directory
from markupsafe import escape
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter

ASSET_CACHE = "public, max-age=31536000, immutable"
"""Hashed file names change with their content: a year, and no revalidation."""
INDEX_CACHE = "no-cache"
"""index.html names the current hashes: always ask the server (an ETag makes that a cheap 304)."""
TOP_LEVEL_CACHE = "public, max-age=3600"
"""favicon.svg and other unhashed files at the top of ``dist``."""


class AppPath(PathConverter):
    """Any path but the API's: ``/api/v1/nope`` must stay a JSON 404 (and a POST to it not a 405)."""

    regex = r"(?!api(?:/|$))[^/].*?"


def source_checkout_dir() -> Path:
    """``frontend/dist`` of the repository this module is in (src/wikifile_transfer/web/frontend.py)."""
    return Path(__file__).resolve().parents[3] / "frontend" / "dist"


def default_dir() -> Path:
    """The first folder with a built ``index.html``: the source checkout's, then the package's copy; when
    neither is built, the source checkout's (named on the page that says how to build it)."""
    candidates = (source_checkout_dir(), Path(__file__).resolve().parents[1] / "_frontend")
    for candidate in candidates:
        if (candidate / "index.html").is_file():
            return candidate
    return candidates[0]


def frontend_dir(configured: str | None) -> Path:
    return Path(configured).expanduser() if configured else default_dir()


NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Wikifile Transfer: the web app is not built</title></head>
<body><h1>The web app is not built</h1>
<p>This server answers the JSON API (<a href="/api/v1/docs/swagger/">its documentation</a>), but the files of
the web app are missing: there is no <code>index.html</code> in <code>{folder}</code>.</p>
<p>Build it in the repository with <code>make frontend</code> (that is <code>cd frontend &amp;&amp; npm ci
&amp;&amp; npm run build</code>; Node.js 20 or newer), or set <code>WFT_FRONTEND_DIR</code> to a folder
with a built copy. Then reload this page.</p></body></html>
"""


def not_built(folder: Path) -> Response:
    response = Response(NOT_BUILT.format(folder=escape(str(folder))), status=503, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask, folder: Path) -> None:
    """Serve the app in ``folder`` at ``/`` (register after the API: explicit routes are unaffected)."""
    app.url_map.converters["app_path"] = AppPath
    blueprint = Blueprint("frontend", __name__)

    @blueprint.get("/assets/<path:name>")
    def asset(name: str) -> Response:
        # send_from_directory refuses paths that leave the folder; a missing asset is a 404, never the
        # index page (a browser would run HTML as a script module and fail obscurely).
        response = send_from_directory(folder / "assets", name, max_age=31536000)
        response.headers["Cache-Control"] = ASSET_CACHE
        return response

    @blueprint.get("/", defaults={"path": ""})
    @blueprint.get("/<app_path:path>")
    def index(path: str) -> Response:
        if path and "/" not in path and (folder / path).is_file():
            response = send_from_directory(folder, path, max_age=3600)
            response.headers["Cache-Control"] = TOP_LEVEL_CACHE
            return response
        if path.startswith("assets/"):
            raise NotFound()
        if not (folder / "index.html").is_file():
            return not_built(folder)
        response = send_from_directory(folder, "index.html", mimetype="text/html", max_age=0)
        response.headers["Cache-Control"] = INDEX_CACHE
        return response

    app.register_blueprint(blueprint)
