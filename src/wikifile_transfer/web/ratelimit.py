"""Rate limits per user (Flask-Limiter): a signed-in user is counted by user id, anyone else by address.

Why per user and not per address: on Toolforge every request comes through the same front proxy, so the
address says nothing about who asks; a user id does. Why limits at all: an endpoint that resolves a URL,
plans a transfer or expands a category costs requests to other people's wikis. A script looping on it must
not make the tool a nuisance to them (or get the tool's address blocked for everyone).

Three budgets, each a Flask-Limiter limit string (``30/minute;300/hour``), from the environment:

* ``WFT_RATELIMIT_API`` (default ``600/minute``): every ``/api/`` request of a signed-in user;
* ``WFT_RATELIMIT_EXPENSIVE`` (default ``30/minute;600/hour``): shared by all endpoints marked
  ``@rate_limited("expensive")`` (anything that talks to wikis: resolve, plan, preview, create a transfer
  or batch, wiki search), per user;
* ``WFT_RATELIMIT_SIGN_IN`` (default ``10/minute;100/hour``): shared by the sign-in endpoints
  (``@rate_limited("sign-in")``), per address (nobody is signed in yet): bot passwords cannot be guessed
  at speed.

Counters live in ``WFT_RATELIMIT_STORAGE``: ``memory://`` (one process), or ``redis://…`` shared by all
web processes (on a shared Redis the keys get ``WFT_QUEUE_PREFIX`` in front). If that storage fails, the
limiter falls back to memory rather than failing requests. A refused request is a 429 in the project's
error shape (``wft-http-too-many-requests``) with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many

from wikifile_transfer.errors import ConfigError
from wikifile_transfer.web.auth import current_user_id
from wikifile_transfer.web.errors import problem

Category = Literal["expensive", "sign-in"]
CATEGORIES: tuple[Category, ...] = ("expensive", "sign-in")
MARK = "wft_rate_limit"
"""Attribute a ``@rate_limited`` view carries: its category."""

WRAPPED = "wft_rate_limit_applied"
F = TypeVar("F", bound=Callable[..., object])


def rate_limited(category: Category) -> Callable[[F], F]:
    """Mark a view as costly: ``create_app`` puts it under the category's shared budget.

    Only a mark (no limiter exists when blueprints are imported); any decorator order works, since the
    mark is looked up on the registered view and on the functions it wraps."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown rate-limit category {category!r}")

    def mark(view: F) -> F:
        setattr(view, MARK, category)
        return view

    return mark


def category_of(view: Callable[..., object]) -> Category | None:
    """The category a view (or a function it wraps, e.g. under spectree's validator) was marked with."""
    seen: Callable[..., object] | None = view
    while seen is not None:
        found = getattr(seen, MARK, None)
        if found in CATEGORIES:
            return found  # type: ignore[no-any-return]
        seen = getattr(seen, "__wrapped__", None)
    return None


def request_key() -> str:
    """Who is counted: the signed-in user, else the client address."""
    user_id = current_user_id()
    if user_id is not None:
        return f"user:{user_id}"
    return f"addr:{request.remote_addr or '?'}"


def address_key() -> str:
    return f"addr:{request.remote_addr or '?'}"


def check_limit(text: str, name: str) -> str:
    """``text`` if it is a valid limit string; ConfigError naming the variable otherwise."""
    try:
        if not parse_many(text):
            raise ValueError("empty")
    except ValueError as err:
        raise ConfigError(
            f"{name}: not a rate limit like 30/minute;300/hour ({text!r})", "environment"
        ) from err
    return text


def storage_prefix() -> str:
    """Key prefix on the limiter's storage: secret on a shared Redis, like the queue's."""
    return f"{os.environ.get('WFT_QUEUE_PREFIX') or 'wft'}-ratelimit"


def install(app: Flask, *, storage: str, api: str, expensive: str, sign_in: str) -> Limiter:
    """Put the limits on ``app`` (after its blueprints are registered: marked views are wrapped)."""
    limits: dict[Category, tuple[str, Callable[[], str]]] = {
        "expensive": (expensive, request_key),
        "sign-in": (sign_in, address_key),
    }
    limiter = Limiter(
        key_func=request_key,
        storage_uri=storage,
        key_prefix=storage_prefix(),
        application_limits=[api],
        application_limits_exempt_when=lambda: (
            not request.path.startswith("/api/") or current_user_id() is None
        ),
        strategy="moving-window",
        headers_enabled=False,  # Retry-After on the 429 only (below), not on every answer
        swallow_errors=True,  # a dead Redis must not take the API down …
        in_memory_fallback_enabled=True,  # … counting goes on in memory meanwhile
    )
    limiter.init_app(app)
    app.extensions["wft_limiter"] = limiter
    app.extensions["wft_limits"] = limits
    apply_marks(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> Response:
        response = problem(429, "wft-http-too-many-requests", ["429"])
        response.headers["Retry-After"] = str(retry_after(limiter))
        return response

    return limiter


def apply_marks(app: Flask) -> None:
    """Put every marked view of ``app`` under its category's budget (views registered after
    :func:`install`, too, when called again; a view is wrapped once)."""
    limiter: Limiter = app.extensions["wft_limiter"]
    limits: dict[Category, tuple[str, Callable[[], str]]] = app.extensions["wft_limits"]
    for endpoint, view in list(app.view_functions.items()):
        category = category_of(view)
        if category is None or getattr(view, WRAPPED, False):
            continue
        value, key = limits[category]
        wrapped = limiter.shared_limit(value, scope=category, key_func=key)(view)
        setattr(wrapped, WRAPPED, True)
        app.view_functions[endpoint] = wrapped  # type: ignore[assignment]


def retry_after(limiter: Limiter) -> int:
    """Seconds until the breached limit lets a request through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))


def limiter() -> Limiter:
    found = current_app.extensions["wft_limiter"]
    assert isinstance(found, Limiter)
    return found
