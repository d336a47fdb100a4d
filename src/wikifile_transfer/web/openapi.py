"""The OpenAPI document and request validation, from the pydantic models of the endpoints (spectree).

Every endpoint declares its query/body/response models; spectree validates requests against them and
publishes ``/api/v1/openapi.json`` with a browsable page (``/api/v1/docs/swagger/``,
``/api/v1/docs/redoc/``; the assets come with the package, no CDN). Validation failures are rewritten
into the project's error shape (``{"error": {"key", "params", "message"}}``), so a client handles one
format only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Request, Response, g
from spectree import SpecTree

from wikifile_transfer import __version__
from wikifile_transfer.i18n import msg
from wikifile_transfer.web.errors import ErrorResponse
from wikifile_transfer.web.lang import request_lang

log = logging.getLogger(__name__)


def _first_problem(errors: Any) -> str:
    """``body.title: String should have at most 255 characters`` from pydantic's error list."""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg', '')}".strip(": ")
    return "invalid input"


def _rewrite(response: Response, status: int, key: str, params: list[str]) -> None:
    g.wft_error_key = key
    body = {
        "error": {"key": key, "params": params, "message": msg(key, *params, lang=request_lang())},
        "request_id": getattr(g, "request_id", None),
    }
    response.set_data(json.dumps(body, ensure_ascii=False))
    response.status_code = status
    response.mimetype = "application/json"


def before(request: Request, response: Response | None, error: Any, instance: Any, *_: Any) -> None:
    if error is not None and response is not None:
        try:
            errors = json.loads(response.get_data(as_text=True))
        except ValueError:
            errors = None
        _rewrite(response, 400, "wft-http-invalid-input", [_first_problem(errors)])


def after(request: Request, response: Response | None, error: Any, instance: Any, *_: Any) -> None:
    if error is not None and response is not None:
        # The endpoint answered something its own model does not allow: a bug here, not the client's.
        log.error("response of %s does not match its model: %s", request.path, error)
        _rewrite(response, 500, "wft-http-internal-error", [str(getattr(g, "request_id", "?"))])


api = SpecTree(
    "flask",
    title="wikifile-transfer",
    version=__version__,
    path="api/v1/docs",  # spectree leaves routes under its own path out of the document
    mode="strict",
    before=before,
    after=after,
    validation_error_status=400,
    validation_error_model=ErrorResponse,  # what ``before`` turns every validation failure into
    annotations=True,
)
