"""What the web app works with, built once per process: database, wikis per user, dispatcher, secrets.

Kept apart from the Flask app so that tests can give the app a database of their own and an in-process
dispatcher, and so that no endpoint builds its own connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from wikifile_transfer.config import Config
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.jobs.dispatch import Dispatcher
from wikifile_transfer.jobs.prepare import Preparer, ThreadPreparer
from wikifile_transfer.store.crypto import SecretBox
from wikifile_transfer.store.db import Database


@dataclass
class Services:
    db: Database
    config: Config
    context: JobContext
    dispatcher: Dispatcher
    box: SecretBox
    preparer: Preparer | None = field(default=None)
    """Expands and dry-runs new batches (jobs/prepare.py): ``CeleryPreparer`` when workers run (web.bootstrap
    decides); None: a thread of this process, made on first use (no worker anywhere; tests)."""

    def batch_preparer(self) -> Preparer:
        if self.preparer is None:
            self.preparer = ThreadPreparer(self.context)
        return self.preparer


def services() -> Services:
    """The services of the app handling the current request."""
    found = current_app.extensions["wft"]
    assert isinstance(found, Services)
    return found
