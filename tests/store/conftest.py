"""Fixtures for the store tests: the shared database fixtures (tests/dbfixtures.py), on all three
backends."""

from __future__ import annotations

from dbfixtures import backend, db, empty_url, race, servers

__all__ = ["backend", "db", "empty_url", "race", "servers"]
