"""Fixtures for the web service: an app on a SQLite database of the test's own, and a client that sends
the CSRF token like the front end does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from wikifile_transfer.config import Config
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.store import migrate, repo
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings


class RecordingDispatcher:
    """Keeps the ids it is given (what the API queued); tests run them when they want to."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def dispatch(self, transfer_ids: Iterable[int], *, countdown: float = 0.0) -> None:
        self.sent.extend(transfer_ids)


@pytest.fixture
def web_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def web_services(web_db: Database) -> Services:
    config = Config()
    return Services(
        db=web_db,
        config=config,
        context=JobContext(db=web_db, config=config),
        dispatcher=RecordingDispatcher(),
        box=SecretBox([generate_key()]),
        preparer=RecordingPreparer(),
    )


@pytest.fixture
def web_settings() -> WebSettings:
    return WebSettings(secret_key="x" * 40, testing=True, bot_password_login=True)


@pytest.fixture
def app(web_settings: WebSettings, web_services: Services) -> Flask:
    app = create_app(web_settings, web_services)
    app.config.update(WFT_SSE_POLL=0.01, WFT_SSE_MAX_SECONDS=0.5)
    return app


class ApiClient:
    """A test client that fetches the CSRF token once and sends it with every state-changing request."""

    def __init__(self, client: FlaskClient) -> None:
        self.raw = client
        self.token: str | None = None
        self.user_id = 0

    def _token(self) -> str:
        if self.token is None:
            self.token = str(self.raw.get("/api/v1/me").get_json()["csrf_token"])
        return self.token

    def get(self, path: str, **kw: Any) -> Any:
        return self.raw.get(path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self._token(), **kw.pop("headers", {})}
        response = self.raw.post(path, headers=headers, **kw)
        # Signing in or out starts a new session with a new token, which those answers carry.
        body = response.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("csrf_token"), str):
            self.token = body["csrf_token"]
        return response

    def patch(self, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self._token(), **kw.pop("headers", {})}
        return self.raw.patch(path, headers=headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        headers = {"X-CSRF-Token": self._token(), **kw.pop("headers", {})}
        return self.raw.delete(path, headers=headers, **kw)


@pytest.fixture
def api_client(app: Flask) -> ApiClient:
    return ApiClient(app.test_client())


@pytest.fixture
def sign_in_as(web_db: Database) -> Callable[..., int]:
    """Sign a test client in without a wiki or a provider: ``sign_in_as(api_client, "Alice")`` returns the
    user id (``domain`` defaults to ``wikimedia``, an OAuth user; pass a wiki's name for a bot-password
    user). Works with an ``ApiClient`` (its CSRF token is fetched again) or a plain FlaskClient."""

    def sign(client: ApiClient | FlaskClient, username: str = "Alice", domain: str = "wikimedia") -> int:
        with web_db.session() as session:
            user_id = repo.get_or_create_user(session, domain, username).id
        raw = client.raw if isinstance(client, ApiClient) else client
        with raw.session_transaction() as session:
            session.clear()
            session["user_id"] = user_id
        if isinstance(client, ApiClient):
            client.token = None
        return user_id

    return sign


# --- signed-in clients (until real sign-in lands: a session that names the user, as sign_in() makes) ----


@pytest.fixture
def make_user(web_db: Database) -> Callable[[str], int]:
    def make(name: str = "Alice") -> int:
        with web_db.session() as session:
            return repo.get_or_create_user(session, "wikimedia", name).id

    return make


def signed_in(app: Flask, user_id: int) -> ApiClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = user_id
    return ApiClient(client)


@pytest.fixture
def alice(app: Flask, make_user: Callable[[str], int]) -> ApiClient:
    client = signed_in(app, make_user("Alice"))
    client.user_id = make_user("Alice")
    return client


@pytest.fixture
def bob(app: Flask, make_user: Callable[[str], int]) -> ApiClient:
    client = signed_in(app, make_user("Bob"))
    client.user_id = make_user("Bob")
    return client


from apihelpers import RecordingPreparer, sample_plan  # noqa: E402,F401 - shared with the test modules


@pytest.fixture
def make_transfer(web_db: Database) -> Callable[..., int]:
    """Insert a transfer row as a worker would have left it (state set directly, one state event)."""

    def make(user_id: int, state: str = "done", **fields: Any) -> int:
        values: dict[str, Any] = {
            "source_input": "src:File:A.png",
            "source_wiki": "src",
            "source_title": "File:A.png",
            "target_wiki": "commons",
            "target_title": "File:A.png",
            **fields,
        }
        if state == "done":
            values.setdefault("outcome", "done")
        with web_db.session() as session:
            transfer = Transfer(user_id=user_id, state=state, **values)
            session.add(transfer)
            session.flush()
            repo.transfer_event(session, transfer, "state", "wft-event-state", ["queued", state])
            return transfer.id

    return make
