"""Fixtures of the jobs tests: the shared database fixtures (tests/dbfixtures.py) on SQLite and MariaDB
(the two engines of the two modes: embedded and Toolforge). Helpers (a scripted transfer service, plans
without any wiki, runners and job contexts on a database) are in jobkit.py beside this file.

* ``db`` (parametrised sqlite/mariadb): an empty database with the tables, dropped after the test;
* ``user_id``: the local user of that database;
* ``item(**fields)``: a Transfer row with a stored plan (so a run needs no wiki), returns its id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from jobkit import a_plan

from dbfixtures import db, empty_url, race, servers
from wikifile_transfer.store import repo
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Transfer
from wikifile_transfer.store.states import TransferState
from wikifile_transfer.transfer.serialize import plan_to_data

__all__ = ["db", "empty_url", "race", "servers"]


@pytest.fixture(params=("sqlite", "mariadb"))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def user_id(db: Database) -> int:
    with db.session() as session:
        return repo.get_or_create_user(session, "local", "tester").id


@pytest.fixture
def item(db: Database, user_id: int) -> Callable[..., int]:
    def make(*, source: str = "src", target: str = "commons", name: str = "X.png", **fields: Any) -> int:
        fields.setdefault("state", TransferState.QUEUED.value)
        with db.session() as session:
            transfer = Transfer(
                user_id=user_id,
                source_input=f"{source}:File:{name}",
                target_wiki=target,
                plan=plan_to_data(a_plan(source, target, name)),
                **fields,
            )
            session.add(transfer)
            session.flush()
            return transfer.id

    return make
