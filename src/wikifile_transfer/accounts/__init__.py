"""Whose credentials reach the wikis: sign-in (Wikimedia OAuth 2, bot passwords) and per-user wikis.

The glue between ``wiki/`` (OAuth client, bearer tokens, bot-password login) and ``store/`` (users and
encrypted credentials), with no Flask in it, because workers need it as much as the web app does:

* :mod:`.tokens`: an OAuth user's tokens, read from the store, renewed when expired or refused (once per
  refusal across threads and processes), saved back encrypted;
* :mod:`.registry`: ``user_id -> WikiRegistry`` for :class:`~wikifile_transfer.jobs.context.JobContext`:
  Wikimedia wikis with the user's bearer token (https Wikimedia API hosts only), other wikis with the
  user's stored bot password or anonymously; never the configuration file's accounts;
* :mod:`.signin`: completing an OAuth sign-in, and a bot-password sign-in against the wiki itself.

Users: ``domain='wikimedia'`` (OAuth, SUL account name), ``domain=<wiki name>`` (bot password on that
wiki), ``domain='local'`` (the CLI's machine user, who alone acts with the configuration file's accounts).
"""

from __future__ import annotations

WIKIMEDIA_DOMAIN = "wikimedia"
"""Users signed in with Wikimedia OAuth 2 (one SUL account for every Wikimedia wiki)."""
LOCAL_DOMAIN = "local"
"""The CLI's user (the machine account), who acts with the configuration file's bot passwords."""
RESERVED_DOMAINS = frozenset({WIKIMEDIA_DOMAIN, LOCAL_DOMAIN})
"""Domains no bot-password sign-in may take: a wiki configured as ``local`` must not make its users the
CLI's user (who has the configuration file's accounts)."""

OAUTH_KIND = "oauth2"
BOTPASSWORD_KIND = "botpassword"
ALL_WIKIMEDIA = "*"
"""The ``wiki`` of an OAuth credential: it works on every Wikimedia wiki."""
