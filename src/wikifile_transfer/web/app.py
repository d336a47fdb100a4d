"""The Flask application factory: one function builds the web service from settings and services.

Tests, ``wikifile-transfer serve``, gunicorn (``wikifile_transfer.web.wsgi:app``) and the Toolforge build
all go through :func:`create_app`, so they run the same app with the same protections: signed session
cookie, CSRF on every state-changing API call, security headers (CSP…), a request id on every answer,
errors as ``{"error": {"key", "params", "message"}}``, rate limits per user (web.ratelimit), one JSON
log line and metrics per request (web.logs, web.metrics), ``/healthz`` and ``/metrics`` (web.ops).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from wikifile_transfer.web import errors, frontend, logs, ops, ratelimit
from wikifile_transfer.web.api import register, signin
from wikifile_transfer.web.auth import check_csrf, current_user_id
from wikifile_transfer.web.metrics import Metrics
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings
from wikifile_transfer.wiki.api import RETRY_CAP

INTERACTIVE_RETRIES = 1
"""Retries of a wiki call made while a person waits for the answer (see wiki.api.RETRY_CAP)."""

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


DOCS_PATH = "/api/v1/docs/"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def docs_csp(page: str) -> str:
    """The CSP of an API docs page (Swagger UI, ReDoc, Scalar, bundled by spectree's ``offline`` extra):
    their scripts are inline, so each is allowed by its SHA-256, and nothing else is ("unsafe-inline"
    would allow any injected script too)."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
            for body in INLINE_SCRIPT.findall(page)
        }
    )
    return CSP.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]))


JSON_TYPES = ("application/json",)


def check_body() -> None:
    """A body sent to the API must be JSON, and valid JSON (a 415 or a 400 with a key, before any view)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_length:
        return
    if request.mimetype not in JSON_TYPES and not request.mimetype.endswith("+json"):
        raise errors.ApiProblem(415, "wft-http-unsupported-media-type", "415")
    try:
        request.get_json(force=True)  # parsed once; spectree's validation reads the same cached value
    except BadRequest as error:
        raise errors.ApiProblem(400, "wft-http-invalid-json", detail=str(error.description)) from None


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
    if settings.proxy_count:
        # the client's address (rate limits by address) and https (Secure cookies) from the proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count, x_host=0
        )
    app.extensions["wft"] = services
    app.extensions["wft_settings"] = settings
    signin.install(app, settings, services)  # OAuth client; every user's own wikis (accounts.registry)
    metrics = Metrics(services.db)
    app.extensions["wft_metrics"] = metrics
    errors.install(app)

    @app.before_request
    def start() -> None:
        logs.request_started()
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        length = request.content_length
        if length is not None and length > MAX_BODY:
            # refused before anything reads the body (or checks the session)
            raise errors.ApiProblem(413, "wft-http-too-large")
        if request.path.startswith("/api/"):
            check_csrf()
            check_body()
            # someone is waiting for this answer: a failing wiki is reported after one retry, not after
            # a minute of back-off (the workers keep the configured budget for background work)
            RETRY_CAP.set(INTERACTIVE_RETRIES)

    @app.teardown_request
    def finish(_error: BaseException | None) -> None:
        # the server's thread serves other requests next, or work that is not interactive
        RETRY_CAP.set(None)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["X-Request-Id"] = str(g.get("request_id", ""))
        if request.path.startswith(DOCS_PATH) and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = docs_csp(response.get_data(as_text=True))
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if settings.secure_cookies:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        seconds = logs.log_request(response, current_user_id())
        metrics.observe(
            request.method, request.endpoint, response.status_code, seconds, g.get("wft_error_key")
        )
        return response

    register(app)
    app.register_blueprint(ops.blueprint)
    ratelimit.install(
        app,
        storage=settings.ratelimit_storage,
        api=settings.ratelimit_api,
        expensive=settings.ratelimit_expensive,
        sign_in=settings.ratelimit_sign_in,
    )
    # One SpecTree per process (the endpoints' decorators are made at import); it describes the app it
    # was registered with last, so a new app (tests make many) must not reuse the previous app's spec.
    api.__dict__.pop("_spec", None)
    api.register(app)

    @app.get("/api/v1/openapi.json", endpoint="openapi_document")  # "openapi…": not itself documented
    def openapi_document() -> Response:
        return jsonify(api.spec)

    # The web app at / (after the API, whose paths its catch-all route leaves alone).
    frontend.install(app, frontend.frontend_dir(settings.frontend_dir))

    return app
