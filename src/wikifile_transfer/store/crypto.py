"""Secrets at rest: OAuth tokens and bot passwords are stored only as Fernet tokens.

Why Fernet: authenticated encryption (AES-CBC + HMAC) with a version and a timestamp, from the
``cryptography`` package the stack already has; a modified or foreign token fails loudly instead of
decrypting to garbage. Why :class:`~cryptography.fernet.MultiFernet`: keys must be rotatable without
downtime. ``WFT_SECRET_KEYS`` lists keys newest first; new secrets are encrypted with the first, every key
can decrypt, so the operator

1. prepends a new key (``WFT_SECRET_KEYS=new,old``) and restarts the web app and workers,
2. runs :func:`reencrypt_credentials` (every row is re-encrypted with the new key),
3. removes the old key.

The keys live in the environment (Toolforge ``toolforge envvars``), never in the database or Redis, so a
leaked database dump alone reveals no token. Decrypted secrets come back as :class:`Secrets`, a dict whose
``repr``/``str`` never show the values, so a stray log line or a traceback with locals cannot leak them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from wikifile_transfer.errors import WftError
from wikifile_transfer.store.models import Credential

ENV_KEYS = "WFT_SECRET_KEYS"


class SecretKeysMissingError(WftError):
    """No encryption key is configured, so credentials can be neither stored nor read. Parameter: the
    name of the environment variable to set."""

    key = "wft-error-secret-keys-missing"


class SecretKeyInvalidError(WftError):
    """One of the configured keys is not a Fernet key. Parameters: the variable, the key's position
    (1 = first). The key itself is never repeated in the message."""

    key = "wft-error-secret-key-invalid"


class SecretUndecryptableError(WftError):
    """A stored secret cannot be decrypted with any configured key (the key that encrypted it was removed,
    or the row was tampered with). The user has to sign in again."""

    key = "wft-error-secret-undecryptable"


class Secrets(dict[str, Any]):
    """A decrypted secret: a plain dict for the code that needs the values, redacted for everything that
    prints it (``repr``, ``str``, f-strings, ``logging``, tracebacks)."""

    def __repr__(self) -> str:
        return f"Secrets({sorted(self)!r}: redacted)"

    __str__ = __repr__


def generate_key() -> str:
    """A new random key for ``WFT_SECRET_KEYS`` (setup docs: ``python -c 'from
    wikifile_transfer.store.crypto import generate_key; print(generate_key())'``)."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts secrets with the configured keys (newest first)."""

    def __init__(self, keys: Iterable[str | bytes]) -> None:
        fernets: list[Fernet] = []
        for position, key in enumerate(keys, start=1):
            raw = key.strip() if isinstance(key, bytes) else key.strip().encode("ascii", "replace")
            if not raw:
                continue
            try:
                fernets.append(Fernet(raw))
            except (ValueError, TypeError):
                # Never put the key itself into the error: it ends up in logs.
                raise SecretKeyInvalidError(ENV_KEYS, position) from None
        if not fernets:
            raise SecretKeysMissingError(ENV_KEYS)
        self._primary = fernets[0]
        self._all = MultiFernet(fernets)
        self.key_count = len(fernets)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SecretBox:
        """The box for ``$WFT_SECRET_KEYS`` (comma-separated, newest first)."""
        value = (os.environ if environ is None else environ).get(ENV_KEYS, "")
        return cls(value.split(","))

    def __repr__(self) -> str:
        return f"SecretBox({self.key_count} keys)"

    def encrypt(self, secret: Mapping[str, Any]) -> bytes:
        """A Fernet token (with the newest key) of the secret as JSON."""
        payload = json.dumps(dict(secret), separators=(",", ":"), sort_keys=True).encode("utf-8")
        return self._all.encrypt(payload)

    def decrypt(self, token: bytes) -> Secrets:
        """The secret back, trying every key. Raises SecretUndecryptableError when no key fits or the token
        was altered."""
        try:
            data = json.loads(self._all.decrypt(bytes(token)))
        except (InvalidToken, TypeError, ValueError):
            raise SecretUndecryptableError() from None
        if not isinstance(data, dict):
            raise SecretUndecryptableError()
        return Secrets(data)

    def rotate(self, token: bytes) -> bytes:
        """The same secret encrypted with the newest key (decrypting with any configured key)."""
        try:
            return self._all.rotate(bytes(token))
        except (InvalidToken, TypeError, ValueError):
            raise SecretUndecryptableError() from None

    def is_current(self, token: bytes) -> bool:
        """Whether the token is already encrypted with the newest key (rotation can skip it)."""
        try:
            self._primary.decrypt(bytes(token))
        except (InvalidToken, TypeError, ValueError):
            return False
        return True


def reencrypt_credentials(session: Session, box: SecretBox, *, batch_size: int = 200) -> int:
    """Re-encrypt every stored credential with the newest key; returns how many rows changed.

    Idempotent (rows already on the newest key are skipped), so it can be run again after an interruption.
    Rows go by id in batches so memory stays flat. A row that no configured key decrypts raises
    SecretUndecryptableError; inside ``db.session()`` that rolls the whole run back, so either every row is
    on the newest key afterwards or none was touched.
    """
    changed = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(Credential).where(Credential.id > last_id).order_by(Credential.id).limit(batch_size)
        ).all()
        if not rows:
            return changed
        for row in rows:
            if not box.is_current(row.secret):
                row.secret = box.rotate(row.secret)
                changed += 1
        last_id = rows[-1].id
        session.flush()
