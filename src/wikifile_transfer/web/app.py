"""The Flask application factory: one function builds the web service from settings and services.

Tests, ``wikifile-transfer serve``, gunicorn (``wikifile_transfer.web.wsgi:app``) and the Toolforge build
all go through :func:`create_app`, so they run the same app with the same protections: signed session
cookie, CSRF on every state-changing API call, security headers (CSP…), a request id on every answer,
errors as ``{"error": {"key", "params", "message"}}``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from flask import Flask, Response, g, jsonify, request

from wikifile_transfer.web import errors
from wikifile_transfer.web.api import register, signin
from wikifile_transfer.web.auth import check_csrf
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

MAX_BODY = 4 * 1024 * 1024
"""Bytes of a request body: a list of a few thousand URLs fits; a runaway upload of junk does not."""

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

CSP = (
    "default-src 'self'; img-src 'self' data: https://upload.wikimedia.org; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
"""The front end is served by this app and talks only to its API; thumbnails may come from Wikimedia.
MUI's emotion styles need inline ``style`` attributes, hence ``'unsafe-inline'`` for styles only."""


def create_app(settings: WebSettings, services: Services) -> Flask:
    app = Flask("wikifile_transfer.web", static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="wft_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=30),
        MAX_CONTENT_LENGTH=MAX_BODY,
        JSON_SORT_KEYS=False,
        TESTING=settings.testing,
        WFT_PUBLIC_URL=settings.public_url,
    )
    app.extensions["wft"] = services
    app.extensions["wft_settings"] = settings
    signin.install(app, settings, services)  # OAuth client; every user's own wikis (accounts.registry)
    errors.install(app)

    @app.before_request
    def start() -> None:
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        if request.path.startswith("/api/"):
            check_csrf()

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["X-Request-Id"] = str(g.get("request_id", ""))
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if settings.secure_cookies:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    register(app)
    # One SpecTree per process (the endpoints' decorators are made at import); it describes the app it
    # was registered with last, so a new app (tests make many) must not reuse the previous app's spec.
    api.__dict__.pop("_spec", None)
    api.register(app)

    @app.get("/api/v1/openapi.json", endpoint="openapi_document")  # "openapi…": not itself documented
    def openapi_document() -> Response:
        return jsonify(api.spec)

    return app
