"""The JSON API under ``/api/v1``: one blueprint per area, registered here."""

from __future__ import annotations

from flask import Flask

from wikifile_transfer.web.api import batches, meta, preview, signin, transfers, wikis


def register(app: Flask) -> None:
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(signin.blueprint)
    app.register_blueprint(wikis.blueprint)
    app.register_blueprint(preview.blueprint)
    app.register_blueprint(transfers.blueprint)
    app.register_blueprint(batches.blueprint)
