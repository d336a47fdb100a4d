"""Helpers of the web tests: a signed-in client without going through a sign-in endpoint, and probe
endpoints that stand for the real ones in protections that apply to every endpoint of a kind."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask.testing import FlaskClient
from pydantic import BaseModel
from spectree import Response

from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.web.auth import login_required, user_id
from wikifile_transfer.web.errors import ErrorResponse
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.ratelimit import apply_marks, rate_limited
from wikifile_transfer.web.validation import LangCode, Title, UrlList


def make_user(db: Database, name: str) -> int:
    with db.session() as session:
        return repo.get_or_create_user(session, "wikimedia", name).id


def session_cookie(app: Flask, user: int, csrf: str) -> str:
    """The signed session cookie a sign-in would set (for clients other than Flask's test client)."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    return str(serializer.dumps({"user_id": user, "csrf": csrf, "_permanent": True}))


class SignedIn:
    """A test client signed in as ``user``, sending the CSRF token on state-changing requests."""

    def __init__(self, app: Flask, user: int, *, address: str = "127.0.0.1") -> None:
        self.user = user
        self.raw: FlaskClient = app.test_client()
        self.address = address
        with self.raw.session_transaction() as session:
            session["user_id"] = user
            session["csrf"] = self.token = f"token-of-{user}-" + "x" * 24

    def get(self, path: str, **kw: Any) -> Any:
        return self.raw.get(path, environ_base={"REMOTE_ADDR": self.address}, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self.token, **kw.pop("headers", {})}
        return self.raw.post(path, headers=headers, environ_base={"REMOTE_ADDR": self.address}, **kw)


# --- probe endpoints -----------------------------------------------------------------------------------

probe = Blueprint("probe", __name__, url_prefix="/api/v1/probe")


class ProbeIn(BaseModel):
    title: Title
    lang: LangCode | None = None
    urls: UrlList | None = None


class ProbeOut(BaseModel):
    ok: bool
    user: int


@probe.post("/expensive")
@rate_limited("expensive")
@login_required  # outside spectree's decorator: spectree reads the view's own type hints
@api.validate(
    json=ProbeIn,
    resp=Response(HTTP_200=ProbeOut, HTTP_400=ErrorResponse, HTTP_401=ErrorResponse),
    tags=["probe"],
)
def expensive(json: ProbeIn) -> ProbeOut:
    """Stands for resolve/plan/create: validated body, signed-in user, the expensive budget."""
    return ProbeOut(ok=True, user=user_id())


@probe.post("/expensive-too")
@rate_limited("expensive")
@login_required
def expensive_too() -> dict[str, bool]:
    """A second expensive endpoint: it shares the budget of the first."""
    return {"ok": True}


@probe.post("/sign-in")
@rate_limited("sign-in")
def sign_in() -> dict[str, bool]:
    """Stands for the bot-password sign-in: counted per address, signed in or not."""
    return {"ok": True}


def with_probe(app: Flask) -> Flask:
    """``app`` with the probe endpoints (documented, validated and rate-limited like real ones)."""
    app.register_blueprint(probe)
    apply_marks(app)
    return app
