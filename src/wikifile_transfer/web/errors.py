"""Every error answer of the API: a status, a stable message key, its parameters, a translated message.

Why keys: the front end (and any script) decides by ``error.key``, never by parsing text; the ``message``
is for people, in the request's language. A 500 says only that something broke and gives the request id
to quote; the stack trace goes to the log, never to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from wikifile_transfer.errors import (
    ConfigError,
    HttpStatusError,
    InputError,
    MissingFileError,
    NotAFileError,
    NotJsonError,
    PermissionDeniedError,
    SignInExpiredError,
    SsrfError,
    UnknownWikiError,
    WftError,
    WikiUnreachableError,
)
from wikifile_transfer.i18n import msg, params_json
from wikifile_transfer.jobs.batches import NotEditableError
from wikifile_transfer.store.crypto import SecretUndecryptableError
from wikifile_transfer.store.states import StateError
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.wiki.edits import EditConflictError, MissingPageError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    key: str
    params: list[Any]
    message: str


class ErrorResponse(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorBody
    request_id: str | None = None


class ApiProblem(WftError):
    """An error raised by an endpoint with its HTTP status (404 for another user's object, 409…)."""

    def __init__(self, status: int, key: str, *params: object, detail: str | None = None) -> None:
        super().__init__(*params, key=key, detail=detail)
        self.status = status


STATUS_OF: tuple[tuple[type[WftError], int], ...] = (
    (ApiProblem, 400),  # replaced by the problem's own status
    (SsrfError, 400),
    (InputError, 400),
    (NotAFileError, 400),
    (UnknownWikiError, 400),
    (ConfigError, 400),
    (MissingFileError, 404),
    (StateError, 409),
    (NotEditableError, 409),
    (EditConflictError, 409),
    (MissingPageError, 404),
    (PermissionDeniedError, 403),
    (SignInExpiredError, 401),  # the stored sign-in is dead: the front end asks to sign in again
    (SecretUndecryptableError, 401),
    (WikiUnreachableError, 502),
    (HttpStatusError, 502),
    (NotJsonError, 502),
)


def status_for(error: WftError) -> int:
    if isinstance(error, ApiProblem):
        return error.status
    for kind, status in STATUS_OF:
        if isinstance(error, kind):
            return status
    return 400


def problem(status: int, key: str, params: list[Any] | tuple[Any, ...] = ()) -> Response:
    g.wft_error_key = key  # for the request's log line and the error metrics
    lang = request_lang()
    body = {
        "error": {"key": key, "params": params_json(list(params)), "message": msg(key, *params, lang=lang)},
        "request_id": getattr(g, "request_id", None),
    }
    response = jsonify(body)
    response.status_code = status
    return response


def install(app: Flask) -> None:
    @app.errorhandler(WftError)
    def wft_error(error: WftError) -> Response:
        status = status_for(error)
        if status >= 500:
            log.warning("upstream problem %s: %s", error.key, error.detail or error)
        return problem(status, error.key, list(error.params))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        key = {
            400: "wft-http-bad-request",
            401: "wft-http-unauthorized",
            403: "wft-http-forbidden",
            404: "wft-http-not-found",
            405: "wft-http-method-not-allowed",
            413: "wft-http-too-large",
            415: "wft-http-unsupported-media-type",
            429: "wft-http-too-many-requests",
        }.get(status, "wft-http-error")
        return problem(status, key, [str(status)])

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unhandled error in request %s", getattr(g, "request_id", "?"))
        return problem(500, "wft-http-internal-error", [getattr(g, "request_id", "?")])
