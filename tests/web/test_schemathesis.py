"""Property tests of the whole API from its own OpenAPI document (schemathesis), as a signed-in user.

Data-driven: every operation in ``/api/v1/openapi.json`` is exercised, so an endpoint added later is
covered without touching this file. Each generated request carries the session cookie and the CSRF
token (otherwise everything but GETs would stop at the CSRF check); the answer must not be a 5xx and
must match the schema the document gives for its status. Bounded and repeatable: few examples per
operation, derandomized, no deadline (the 2-core CI machine is shared).
"""

from __future__ import annotations

import atexit
import tempfile
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.web.support import make_user, session_cookie, with_probe

from wikifile_transfer.config import Config
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.store import migrate
from wikifile_transfer.store.crypto import SecretBox, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.services import Services
from wikifile_transfer.web.settings import WebSettings

MAX_EXAMPLES = 15
TOKEN = "schemathesis-csrf-token-0123456789abcdef"


class RecordingDispatcher:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def dispatch(self, transfer_ids, *, countdown: float = 0.0) -> None:
        self.sent.extend(transfer_ids)


def build_app(folder: Path) -> Flask:
    db = Database(f"sqlite:///{folder / 'api.sqlite'}")
    migrate.upgrade(db)
    config = Config()
    services = Services(
        db=db,
        config=config,
        context=JobContext(db=db, config=config),
        dispatcher=RecordingDispatcher(),
        box=SecretBox([generate_key()]),
    )
    web_settings = WebSettings(
        secret_key="s" * 40,
        testing=True,
        bot_password_login=True,
        ratelimit_api="100000/minute",
        ratelimit_expensive="100000/minute",
        ratelimit_sign_in="100000/minute",
    )
    app = with_probe(create_app(web_settings, services))
    app.config["WFT_SCHEMATHESIS_USER"] = make_user(db, "Schemathesis")
    return app


# Built at import: schemathesis parametrizes from the document when the module is collected
# (schemathesis.pytest.from_fixture does not work with pytest 9.2). The folder goes when the run ends.
_folder = tempfile.TemporaryDirectory(prefix="wft-schemathesis-")
atexit.register(_folder.cleanup)
APP = build_app(Path(_folder.name))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@pytest.fixture
def signed_in_app() -> Flask:
    return APP


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_no_server_error_and_no_schema_violation(case, signed_in_app: Flask) -> None:
    user = signed_in_app.config["WFT_SCHEMATHESIS_USER"]
    cookie = session_cookie(signed_in_app, user, TOKEN)
    case.call_and_validate(
        headers={"Cookie": f"wft_session={cookie}", "X-CSRF-Token": TOKEN},
        checks=[not_a_server_error, response_schema_conformance],
    )


def test_the_signed_in_session_is_real(signed_in_app: Flask) -> None:
    """The property test above runs as a user: the cookie it sends is accepted."""
    user = signed_in_app.config["WFT_SCHEMATHESIS_USER"]
    client = signed_in_app.test_client()
    client.set_cookie("wft_session", session_cookie(signed_in_app, user, TOKEN))
    body = client.get("/api/v1/me").get_json()
    assert body["user"]["id"] == user and body["csrf_token"] == TOKEN
    response = client.post("/api/v1/probe/sign-in", headers={"X-CSRF-Token": TOKEN})
    assert response.status_code == 200
