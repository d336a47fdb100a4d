"""The JSON API under ``/api/v1``: one blueprint per area, registered here."""

from __future__ import annotations

from flask import Flask

from wikifile_transfer.web.api import meta, signin


def register(app: Flask) -> None:
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(signin.blueprint)
