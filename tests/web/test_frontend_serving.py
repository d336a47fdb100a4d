"""The built web app served by the Flask app: index.html for the app's routes, hashed assets cached for a
year, the API's 404s still JSON, the CSP on the page (web/frontend.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from wikifile_transfer.web import frontend
from wikifile_transfer.web.app import CSP, INLINE_SCRIPT, create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

INDEX = (
    '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-abc123.js"></script>'
    '</head><body><div id="root"></div></body></html>'
)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX, encoding="utf-8")
    (folder / "assets" / "index-abc123.js").write_text("console.log('app')", encoding="utf-8")
    (folder / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return folder


@pytest.fixture
def served(web_settings: WebSettings, web_services: Services, dist: Path) -> Flask:
    return create_app(replace(web_settings, frontend_dir=str(dist)), web_services)


@pytest.mark.parametrize("path", ["/", "/history", "/transfer?source=File:X.jpg", "/signin", "/no/such/page"])
def test_the_app_page_answers_every_client_route(served: Flask, path: str) -> None:
    response = served.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == INDEX
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hashed_assets_are_cached_for_a_year(served: Flask) -> None:
    response = served.test_client().get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "console.log('app')"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype in ("text/javascript", "application/javascript")


def test_a_missing_asset_is_a_404_not_the_page(served: Flask) -> None:
    client = served.test_client()
    assert client.get("/assets/index-old999.js").status_code == 404
    assert client.get("/assets/../index.html").status_code == 404


def test_top_level_files_of_the_build_are_served(served: Flask) -> None:
    response = served.test_client().get("/favicon.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_paths_stay_json_404s(served: Flask, method: str) -> None:
    client = served.test_client()
    token = client.get("/api/v1/me").get_json()["csrf_token"]
    response = getattr(client, method)("/api/v1/no-such-thing", headers={"X-CSRF-Token": token})
    assert response.status_code == 404
    assert response.get_json()["error"]["key"] == "wft-http-not-found"
    assert client.get("/api").get_json()["error"]["key"] == "wft-http-not-found"


def test_the_api_and_ops_routes_are_untouched(served: Flask) -> None:
    client = served.test_client()
    assert client.get("/api/v1/me").get_json()["user"] is None
    assert client.get("/healthz").is_json
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert all(path.startswith("/api/") for path in paths), sorted(paths)


def test_without_a_build_a_page_says_how_to_make_it(
    web_settings: WebSettings, web_services: Services, tmp_path: Path
) -> None:
    missing = tmp_path / "not-built"
    app = create_app(replace(web_settings, frontend_dir=str(missing)), web_services)
    response = app.test_client().get("/history")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "make frontend" in text
    assert "WFT_FRONTEND_DIR" in text
    assert str(missing) in text
    assert response.headers["Content-Security-Policy"] == CSP
    assert app.test_client().get("/api/v1/me").status_code == 200


def test_the_build_folder_comes_from_the_setting_or_the_checkout(tmp_path: Path) -> None:
    assert frontend.frontend_dir(str(tmp_path)) == tmp_path
    assert frontend.frontend_dir(None) == frontend.default_dir()
    assert frontend.source_checkout_dir().parts[-2:] == ("frontend", "dist")
    env = {"WFT_SECRET_KEY": "k" * 40, "WFT_FRONTEND_DIR": "/srv/app"}
    assert WebSettings.from_env(env).frontend_dir == "/srv/app"


def test_the_app_page_has_no_inline_script() -> None:
    """The CSP allows scripts from this origin only; the page Vite builds from this file must have none
    inline (``npm run build`` checks the built one again: frontend/scripts/check-dist.mjs)."""
    source = (frontend.source_checkout_dir().parent / "index.html").read_text(encoding="utf-8")
    assert INLINE_SCRIPT.findall(source) == []
    assert 'src="/src/main.tsx"' in source
