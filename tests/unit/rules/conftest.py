"""The ``messages`` fixture: the message files once per session, for every rule-loader test."""

from __future__ import annotations

import pytest
from rules_helpers import Messages, load_messages


@pytest.fixture(scope="session")
def messages() -> Messages:
    return load_messages()
