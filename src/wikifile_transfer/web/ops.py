"""``/healthz`` and ``/metrics``: for the platform that runs the service, not for people.

``/healthz`` answers 200 when the database and the broker answer, 503 otherwise, with which one failed
(by name and exception class only: a broker URL holds a password, an exception message may hold the
URL). It is cheap (``SELECT 1`` and one broker connection, each with a short timeout) so Kubernetes or
Toolforge may probe it often. Neither endpoint is under ``/api``: no CSRF, no rate limit, no session.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from wikifile_transfer.web.errors import ApiProblem
from wikifile_transfer.web.metrics import CONTENT_TYPE, Metrics
from wikifile_transfer.web.services import Services, services
from wikifile_transfer.web.settings import WebSettings

log = logging.getLogger(__name__)
blueprint = Blueprint("ops", __name__)
BROKER_TIMEOUT = 2.0


def check_database(found: Services) -> None:
    with found.db.read_session() as session:
        session.execute(text("SELECT 1"))


def check_broker(celery_app: Any) -> None:
    """Open (and close) one connection to the Celery broker, failing within BROKER_TIMEOUT seconds."""
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)


def checks(found: Services) -> dict[str, Callable[[], None]]:
    result: dict[str, Callable[[], None]] = {"database": lambda: check_database(found)}
    celery_app = getattr(found.dispatcher, "app", None)
    if celery_app is not None and hasattr(celery_app, "connection_for_write"):
        result["broker"] = lambda: check_broker(celery_app)
    return result


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    report: dict[str, Any] = {}
    healthy = True
    for name, check in checks(services()).items():
        try:
            check()
            report[name] = {"ok": True}
        except Exception as error:  # any failure of a dependency is "unhealthy", never a 500 (logged)
            healthy = False
            log.warning("health check %s failed", name, exc_info=True)
            report[name] = {"ok": False, "error": type(error).__name__}
    body = {"status": "ok" if healthy else "unavailable", "checks": report}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


@blueprint.get("/metrics")
def metrics() -> Response:
    settings: WebSettings = current_app.extensions["wft_settings"]
    if settings.metrics_token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
            raise ApiProblem(401, "wft-http-unauthorized", "401")
    found: Metrics = current_app.extensions["wft_metrics"]
    return Response(found.exposition(), mimetype=None, content_type=CONTENT_TYPE)
