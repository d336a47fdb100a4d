"""Secrets at rest (store/crypto.py): round trip, key rotation, wrong keys, nothing readable leaks."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from wikifile_transfer.store.crypto import (
    ENV_KEYS,
    SecretBox,
    SecretKeyInvalidError,
    SecretKeysMissingError,
    Secrets,
    SecretUndecryptableError,
    generate_key,
    reencrypt_credentials,
)
from wikifile_transfer.store.db import Database
from wikifile_transfer.store.models import Credential
from wikifile_transfer.store.repo import get_or_create_user, load_credential, save_credential

SECRET = {"access_token": "tok-𝔘-SECRET-123", "refresh_token": "ref-SECRET-456"}
OLD, NEW = generate_key(), generate_key()


def test_round_trip_and_ciphertext_is_opaque() -> None:
    box = SecretBox([OLD])
    token = box.encrypt(SECRET)
    assert isinstance(token, bytes) and b"SECRET" not in token and b"tok" not in token
    assert box.decrypt(token) == SECRET
    assert box.encrypt(SECRET) != token  # fresh IV every time


def test_keys_from_the_environment_newest_first() -> None:
    box = SecretBox.from_env({ENV_KEYS: f" {NEW} , {OLD},"})
    assert box.key_count == 2
    assert Fernet(NEW.encode()).decrypt(box.encrypt({"a": 1})) == b'{"a":1}'  # encrypted with the first


def test_rotation_with_old_and_new_keys() -> None:
    old_token = SecretBox([OLD]).encrypt(SECRET)
    both = SecretBox([NEW, OLD])
    assert both.decrypt(old_token) == SECRET and not both.is_current(old_token)
    rotated = both.rotate(old_token)
    assert both.is_current(rotated)
    only_new = SecretBox([NEW])
    assert only_new.decrypt(rotated) == SECRET
    with pytest.raises(SecretUndecryptableError):
        only_new.decrypt(old_token)


def test_wrong_key_or_tampered_token_fails_with_the_typed_error() -> None:
    token = SecretBox([OLD]).encrypt(SECRET)
    for bad in (token, token[:-3] + b"AAA", b"not a token", b""):
        with pytest.raises(SecretUndecryptableError) as caught:
            SecretBox([NEW]).decrypt(bad)
        assert caught.value.key == "wft-error-secret-undecryptable"
    with pytest.raises(SecretUndecryptableError):
        SecretBox([NEW]).rotate(token)
    # a valid token of something that is not an object
    with pytest.raises(SecretUndecryptableError):
        SecretBox([OLD]).decrypt(Fernet(OLD.encode()).encrypt(b"[1, 2]"))


@pytest.mark.parametrize("value", [None, "", " , ,"])
def test_missing_keys(value: str | None) -> None:
    env = {} if value is None else {ENV_KEYS: value}
    with pytest.raises(SecretKeysMissingError) as caught:
        SecretBox.from_env(env)
    assert caught.value.key == "wft-error-secret-keys-missing" and caught.value.params == (ENV_KEYS,)


def test_invalid_key_names_its_position_never_the_key() -> None:
    secretish = "this-is-not-a-fernet-key-but-could-be-a-password"
    with pytest.raises(SecretKeyInvalidError) as caught:
        SecretBox.from_env({ENV_KEYS: f"{NEW},{secretish}"})
    assert caught.value.key == "wft-error-secret-key-invalid"
    assert caught.value.params == (ENV_KEYS, "2")
    assert secretish not in str(caught.value) and caught.value.__cause__ is None


def test_secrets_never_appear_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    box = SecretBox([NEW, OLD])
    secrets = box.decrypt(box.encrypt(SECRET))
    assert isinstance(secrets, Secrets) and secrets["access_token"] == SECRET["access_token"]
    shown = [repr(secrets), str(secrets), f"{secrets}", repr(box), str([secrets]), repr({"s": secrets})]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("wft.test").info("credential %s %r", secrets, secrets)
        logging.getLogger("wft.test").info("box %s", box)
    shown.append(caplog.text)
    for text in shown:
        for needle in ("SECRET", "tok-", NEW, OLD):
            assert needle not in text
    assert "access_token" in repr(secrets)  # which fields there are is fine to show


def test_stored_credential_repr_hides_the_secret(db: Database) -> None:
    box = SecretBox([NEW])
    with db.session() as s:
        user = get_or_create_user(s, "wikimedia", "Alice")
        save_credential(s, box, user.id, "oauth2", "*", account="Alice", secret=SECRET)
    with db.session() as s:
        stored = load_credential(s, box, user.id, "oauth2", "*")
        row = s.scalars(select(Credential)).one()
    assert stored is not None and stored.secret == SECRET
    for text in (repr(stored), str(stored), repr(row)):
        assert "SECRET" not in text
    assert b"SECRET" not in row.secret


def test_reencrypt_every_credential_with_the_newest_key(db: Database) -> None:
    old_box = SecretBox([OLD])
    with db.session() as s:
        for i in range(7):
            user = get_or_create_user(s, "wikimedia", f"User {i}")
            save_credential(
                s, old_box, user.id, "botpassword", "src", account=f"U{i}@bot", secret={"password": f"pw{i}"}
            )
    rotating = SecretBox([NEW, OLD])
    with db.session() as s:
        assert reencrypt_credentials(s, rotating, batch_size=3) == 7
    with db.session() as s:
        assert reencrypt_credentials(s, rotating) == 0  # idempotent: all on the newest key now
    new_only = SecretBox([NEW])
    with db.session() as s:
        users = sorted(s.scalars(select(Credential.user_id)))
        secrets = [load_credential(s, new_only, uid, "botpassword", "src") for uid in users]
    assert [c.secret["password"] for c in secrets if c] == [f"pw{i}" for i in range(7)]


def test_reencrypt_rolls_back_when_a_row_cannot_be_read(db: Database) -> None:
    with db.session() as s:
        a = get_or_create_user(s, "wikimedia", "A")
        b = get_or_create_user(s, "wikimedia", "B")
        save_credential(s, SecretBox([OLD]), a.id, "oauth2", "*", account="A", secret={"t": 1})
        save_credential(s, SecretBox([generate_key()]), b.id, "oauth2", "*", account="B", secret={"t": 2})
    with pytest.raises(SecretUndecryptableError), db.session() as s:
        reencrypt_credentials(s, SecretBox([NEW, OLD]))
    with db.session() as s:
        assert load_credential(s, SecretBox([OLD]), a.id, "oauth2", "*") is not None  # untouched
