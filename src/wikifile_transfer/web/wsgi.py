"""The WSGI entry point, for gunicorn (see web.gunicorn_conf and the Procfile)::

    gunicorn -c python:wikifile_transfer.web.gunicorn_conf wikifile_transfer.web.wsgi:app

Importing this module configures logging (JSON lines, web.logs), reads the settings and services from the
environment and migrates the database (web.bootstrap). A missing secret stops the start with a clear
message: there is no weak default.
"""

from __future__ import annotations

from wikifile_transfer.web import logs
from wikifile_transfer.web.app import create_app
from wikifile_transfer.web.bootstrap import build_services
from wikifile_transfer.web.settings import WebSettings

logs.configure()
app = create_app(WebSettings.from_env(), build_services())
