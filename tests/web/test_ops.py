"""Operations: /healthz, /metrics, the JSON request log."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from celery import Celery
from flask import Flask
from tests.web.support import SignedIn, make_user

from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.web import logs
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

# --- /healthz ------------------------------------------------------------------------------------------


class BrokerDispatcher:
    """A dispatcher with a Celery app (as CeleryDispatcher has): /healthz checks its broker."""

    def __init__(self, url: str) -> None:
        self.app = Celery("health-test", broker=url, set_as_current=False)

    def dispatch(self, ids: object, *, countdown: float = 0.0) -> None:  # pragma: no cover - unused
        raise AssertionError


def test_healthz_is_ok_with_a_database_and_no_broker(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": {"ok": True}}}


def test_healthz_checks_the_embedded_broker(web_settings, web_services: Services, tmp_path) -> None:
    services = replace(
        web_services, dispatcher=BrokerDispatcher(f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")
    )
    response = create_app(web_settings, services).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["broker"] == {"ok": True}


def test_healthz_is_503_when_the_broker_is_down_and_says_nothing_secret(web_settings, web_services) -> None:
    url = "redis://:s3cret-password@127.0.0.1:1/0"  # nothing listens on port 1
    services = replace(web_services, dispatcher=BrokerDispatcher(url))
    response = create_app(web_settings, services).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False
    assert "s3cret" not in response.get_data(as_text=True)


def test_healthz_is_503_when_the_database_is_gone(web_settings, web_services: Services, tmp_path) -> None:
    folder = tmp_path / "not-a-file"
    folder.mkdir()
    broken = Database(f"sqlite:///{folder}")  # a folder cannot be opened as a database
    response = create_app(web_settings, replace(web_services, db=broken)).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_healthz_needs_no_session_and_sets_none(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert "Set-Cookie" not in response.headers


# --- /metrics ------------------------------------------------------------------------------------------


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values: dict[str, float] = {}
    for line in response.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def add_transfer(db: Database, user: int, state: str) -> int:
    with db.session() as session:
        row = Transfer(user_id=user, source_input="x", target_wiki="commons", state=state)
        session.add(row)
        session.flush()
        return row.id


def test_metrics_count_transfers_by_state_bytes_and_step_durations(app: Flask, web_db: Database) -> None:
    client = app.test_client()
    user = make_user(web_db, "Alice")
    first = scrape(client)
    assert first["wft_database_up"] == 1
    assert first['wft_transfers{state="done"}'] == 0
    assert first["wft_uploaded_bytes_total"] == 0

    done = add_transfer(web_db, user, "done")
    add_transfer(web_db, user, "failed")
    add_transfer(web_db, user, "failed")
    start = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    with web_db.session() as session:
        transfer = session.get(Transfer, done)
        assert transfer is not None
        repo.transfer_event(session, transfer, "step", "wft-step-download", ["1", "2"], time=start)
        repo.transfer_event(
            session, transfer, "step", "wft-step-upload", ["1", "2"], time=start + dt.timedelta(seconds=3)
        )
        repo.transfer_event(
            session, transfer, "info", "wft-event-uploaded", [2, 12345], time=start + dt.timedelta(seconds=40)
        )

    values = scrape(client)
    assert values['wft_transfers{state="done"}'] == 1
    assert values['wft_transfers{state="failed"}'] == 2
    assert values["wft_uploaded_bytes_total"] == 12345
    assert values["wft_uploaded_versions_total"] == 2
    assert values['wft_step_duration_seconds_count{step="wft-step-download"}'] == 1
    assert values['wft_step_duration_seconds_sum{step="wft-step-download"}'] == 3
    assert values['wft_step_duration_seconds_bucket{le="5.0",step="wft-step-download"}'] == 1
    assert values['wft_step_duration_seconds_bucket{le="2.5",step="wft-step-download"}'] == 0
    assert values['wft_step_duration_seconds_sum{step="wft-step-upload"}'] == 37
    # events are read once: a second scrape counts nothing twice
    assert scrape(client)["wft_uploaded_bytes_total"] == 12345


def test_metrics_count_requests_and_api_errors_by_key(app: Flask, web_db: Database) -> None:
    client = app.test_client()
    client.get("/api/v1/me")
    client.get("/api/v1/nowhere")
    client.get("/api/v1/nowhere/else")
    client.post("/api/v1/me")  # no CSRF token
    values = scrape(client)
    assert values['wft_api_errors_total{key="wft-http-not-found",status="404"}'] == 2
    assert values['wft_api_errors_total{key="wft-http-csrf",status="403"}'] == 1
    assert values['wft_http_requests_total{endpoint="meta.me",method="GET",status="200"}'] == 1
    # one series per route, never per URL
    assert values['wft_http_requests_total{endpoint="unmatched",method="GET",status="404"}'] == 2
    assert values['wft_http_request_duration_seconds_count{endpoint="meta.me"}'] == 1


def test_metrics_can_require_a_token(web_settings: WebSettings, web_services: Services) -> None:
    client = create_app(replace(web_settings, metrics_token="t0ken"), web_services).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer t0ken"}).status_code == 200


def test_metrics_say_when_the_database_is_down(app: Flask, web_db: Database, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(web_db, "read_session", broken)
    values = scrape(app.test_client())
    assert values["wft_database_up"] == 0


# --- the request log -----------------------------------------------------------------------------------


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger(logs.REQUEST_LOGGER)
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_one_json_line_per_request_with_the_request_id_and_user(
    app: Flask, web_db: Database, log_lines
) -> None:
    user = make_user(web_db, "Alice")
    client = SignedIn(app, user)
    response = client.get("/api/v1/me", headers={"X-Request-Id": "req-1"})
    client.raw.get("/api/v1/nowhere")
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["method"] == "GET" and first["path"] == "/api/v1/me" and first["status"] == 200
    assert first["request_id"] == "req-1" == response.headers["X-Request-Id"]
    assert first["user_id"] == user
    assert first["duration_ms"] >= 0 and first["level"] == "INFO" and first["time"].endswith("+00:00")
    assert second["status"] == 404 and second["error_key"] == "wft-http-not-found"
    assert re.fullmatch(r"[0-9a-f]{32}", second["request_id"])


def test_the_log_never_holds_secrets(app: Flask, web_db: Database, log_lines) -> None:
    client = SignedIn(app, make_user(web_db, "Alice"))
    client.get(
        "/api/v1/me?code=AUTHCODE-SECRET&state=STATE-SECRET",
        headers={"Authorization": "Bearer TOKEN-SECRET", "Cookie": "other=COOKIE-SECRET"},
    )
    client.post("/api/v1/me", json={"password": "PASSWORD-SECRET"})
    text = log_lines.getvalue()
    assert text.count("\n") == 2
    for secret in (
        "AUTHCODE",
        "STATE-SECRET",
        "TOKEN-SECRET",
        "COOKIE-SECRET",
        "PASSWORD-SECRET",
        client.token,
    ):
        assert secret not in text


def test_configure_installs_one_handler_and_switches_format(capsys) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        logs.configure("json", "INFO")
        logs.configure("json", "INFO")
        mine = [h for h in root.handlers if getattr(h, "_wft_handler", False)]
        assert len(mine) == 1
        logging.getLogger("wft.test").warning("hello %s", "world")
        assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["message"] == "hello world"
        logs.configure("text", "DEBUG")
        logging.getLogger("wft.test").warning("plain")
        assert capsys.readouterr().err.strip().endswith("WARNING wft.test: plain")
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
