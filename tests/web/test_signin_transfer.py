"""End to end on the testbed: what a web user signed in with bot passwords uploads, uploads as them.

The job context is the web app's (and a worker's): the user's wikis come from the store, so the upload on
``commons`` is made by the account whose bot password the user gave, and a user who gave none for the
target cannot upload there at all, whatever accounts the configuration file holds.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from testbed.tbclient import png_bytes

from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.transfer.model import Status
from wikifile_transfer.web.services import Services

pytestmark = pytest.mark.testbed

ENDPOINT = "/api/v1/auth/botpassword"


@pytest.fixture
def web_services(web_services: Services, testbed: Any, tmp_path: Path) -> Services:
    wikis = {name: WikiConfig(name, wiki["url"]) for name, wiki in testbed.wikis.items()}
    # The operator's account for commons in the file: a web user must never upload with it.
    admin = testbed.users["admin"]
    wikis["commons"] = WikiConfig(
        "commons", testbed.wikis["commons"]["url"], admin["login"], admin["password"]
    )
    config = Config(wikis=wikis, contact="tests@localhost", temp_dir=tmp_path)
    web_services.config = web_services.context.config = config
    return web_services


def sign_in(client: Any, testbed: Any, wiki: str, user: str) -> int:
    account = testbed.users[user]
    response = client.post(
        ENDPOINT, json={"wiki": wiki, "username": account["login"], "password": account["password"]}
    )
    assert response.status_code == 200, response.get_json()
    return int(response.get_json()["user"]["id"])


def new_file(testbed: Any) -> str:
    name = f"WFT {uuid.uuid4().hex[:8]} Signed in.png"
    testbed.client("src", "bob").upload(
        name, png_bytes(48, 32, seed=uuid.uuid4().int % 10**9), text="{{Information|description=A test file}}"
    )
    return name


def uploaders(testbed: Any, title: str) -> list[str]:
    return [v["user"] for v in testbed.anon("commons").page(title).get("imageinfo", [])]


def test_the_upload_is_made_by_the_signed_in_users_account(
    api_client: Any, testbed: Any, web_services: Services
) -> None:
    user_id = sign_in(api_client, testbed, "src", "alice")
    sign_in(api_client, testbed, "commons", "alice")  # linked: Alice may upload to commons too
    name = new_file(testbed)
    outcome = web_services.context.service_for(user_id).transfer(f"src:File:{name}", "commons")
    assert outcome.status is Status.DONE, outcome.error
    assert uploaders(testbed, f"File:{name}") == ["Alice"]


def test_a_user_without_an_account_on_the_target_uploads_nothing(
    app: Any, testbed: Any, web_services: Services, api_client: Any
) -> None:
    user_id = sign_in(api_client, testbed, "src", "bob")  # nothing stored for commons
    name = new_file(testbed)
    outcome = web_services.context.service_for(user_id).transfer(f"src:File:{name}", "commons")
    assert outcome.status is Status.BLOCKED
    blocks = [(r.id, r.key) for r in outcome.report.results if r.outcome.value == "block"]
    assert blocks == [("may-upload", "wft-check-not-logged-in")]
    assert uploaders(testbed, f"File:{name}") == []  # not even with the configuration's Admin account
