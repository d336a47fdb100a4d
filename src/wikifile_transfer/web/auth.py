"""Who is asking, and may they: the session, sign-in state, CSRF protection.

The session cookie (Flask's, signed with ``WFT_SECRET_KEY``; ``HttpOnly``, ``SameSite=Lax``, ``Secure`` on
https) holds only the user id and the CSRF token — never a token of a wiki, which stays encrypted in the
database. State-changing requests must carry the CSRF token in the ``X-CSRF-Token`` header (a page of
another site cannot read it, so it cannot forge the request) and, when the browser sends ``Origin``, come
from this service's own origin.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, request, session

from wikifile_transfer.web.errors import ApiProblem

P = ParamSpec("P")
R = TypeVar("R")

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_csrf() -> None:
    """Refuse a state-changing API request without this session's token, or from another origin."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    allowed = _origin(current_app.config["WFT_PUBLIC_URL"])
    if origin and origin.lower() not in (allowed, _origin(request.host_url)):
        raise ApiProblem(403, "wft-http-csrf", "origin")
    sent = request.headers.get(CSRF_HEADER, "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(sent, expected):
        raise ApiProblem(403, "wft-http-csrf", "token")


def sign_in(user_id: int) -> None:
    """Start a new session for ``user_id`` (a fresh CSRF token too: no fixation across sign-ins)."""
    session.clear()
    session["user_id"] = user_id
    session.permanent = True
    csrf_token()


def sign_out() -> None:
    session.clear()


def current_user_id() -> int | None:
    value = session.get("user_id")
    return value if isinstance(value, int) else None


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """401 with ``wft-http-unauthorized`` unless signed in; ``g.user_id`` is set for the view."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        user_id = current_user_id()
        if user_id is None:
            raise ApiProblem(401, "wft-http-unauthorized", "401")
        g.user_id = user_id
        return view(*args, **kwargs)

    return wrapped


def user_id() -> int:
    """The signed-in user of this request (inside a ``login_required`` view)."""
    value: Any = g.get("user_id")
    if not isinstance(value, int):  # pragma: no cover - login_required sets it
        raise ApiProblem(401, "wft-http-unauthorized", "401")
    return value
