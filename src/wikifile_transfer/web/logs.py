"""Structured logs: one JSON object per line on standard error, and one line per request.

Why JSON: Toolforge (``toolforge webservice logs``, ``toolforge jobs logs``), Kubernetes and any log
shipper keep lines as they are; a JSON line can be searched by field (``request_id``, ``status``,
``user_id``) without a parser per message. ``WFT_LOG_FORMAT=text`` gives plain lines for people at a
terminal; ``WFT_LOG_LEVEL`` sets the level (``INFO`` by default).

What a request line holds: method, path (never the query string: the OAuth callback carries the
authorization code and state there), status, duration, user id, request id, the error key of a 4xx/5xx.
Never headers, cookies or bodies, so no session, CSRF token, password or wiki token can reach the logs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
from typing import Any

from flask import Response, g, has_request_context, request

REQUEST_LOGGER = "wikifile_transfer.web.request"
FIELDS = ("method", "path", "status", "duration_ms", "user_id", "request_id", "error_key", "endpoint")
"""Fields a record may carry (``extra={…}``) that go into the JSON object as they are."""
_HANDLER_MARK = "_wft_handler"


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", …}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if "request_id" not in data and has_request_context():
            request_id = g.get("request_id")
            if request_id:
                data["request_id"] = request_id
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def make_formatter(kind: str) -> logging.Formatter:
    if kind == "text":
        return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return JsonFormatter()


def configure(kind: str | None = None, level: str | None = None) -> None:
    """Send the root logger's records to standard error in ``kind`` (json|text) format.

    Idempotent: a second call replaces the handler it installed before instead of adding one."""
    kind = (kind or os.environ.get("WFT_LOG_FORMAT") or "json").strip().lower()
    level = (level or os.environ.get("WFT_LOG_LEVEL") or "INFO").strip().upper()
    root = logging.getLogger()
    for handler in list(root.handlers):
        # ours from before, or gunicorn's (web.gunicorn_conf) inherited from its master: one line per record
        if getattr(handler, _HANDLER_MARK, False) or (
            isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stderr, sys.__stderr__)
        ):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(kind))
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")


def gunicorn_logconfig(kind: str | None = None) -> dict[str, Any]:
    """``logconfig_dict`` for gunicorn: its own messages (worker boot, timeouts) in the same format."""
    kind = (kind or os.environ.get("WFT_LOG_FORMAT") or "json").strip().lower()
    formatter: dict[str, Any] = (
        {"()": "wikifile_transfer.web.logs.JsonFormatter"}
        if kind != "text"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"wft": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "wft", "stream": "ext://sys.stderr"}
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
        },
    }


def request_started() -> None:
    g.wft_started = time.perf_counter()


def log_request(response: Response, user_id: int | None) -> float:
    """Write the request's line; returns its duration in seconds (for the metrics)."""
    started = g.get("wft_started")
    duration = time.perf_counter() - started if isinstance(started, float) else 0.0
    status = response.status_code
    level = logging.ERROR if status >= 500 else logging.INFO
    logging.getLogger(REQUEST_LOGGER).log(
        level,
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": round(duration * 1000, 1),
            "user_id": user_id,
            "request_id": g.get("request_id"),
            "error_key": g.get("wft_error_key"),
            "endpoint": request.endpoint,
        },
    )
    return duration
