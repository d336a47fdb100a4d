"""Whose credentials reach the wikis: stored OAuth tokens (renewal, across processes), the bearer header's
scope, bot passwords from the store, and the registry factory the workers use (no Flask anywhere here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from testbed.oauthdouble import OAuthDouble

from wikifile_transfer.accounts import LOCAL_DOMAIN, WIKIMEDIA_DOMAIN
from wikifile_transfer.accounts.registry import (
    StoredBotPasswords,
    UserWikiRegistry,
    bearer_allowed,
    registry_factory_from_env,
    user_registry_factory,
    without_accounts,
)
from wikifile_transfer.accounts.signin import oauth_sign_in
from wikifile_transfer.accounts.tokens import StoredTokens
from wikifile_transfer.config import Config, WikiConfig
from wikifile_transfer.errors import NotLoggedInError, SignInExpiredError
from wikifile_transfer.jobs.context import JobContext
from wikifile_transfer.store import repo
from wikifile_transfer.store.crypto import SecretBox, SecretKeysMissingError, generate_key
from wikifile_transfer.store.db import Database
from wikifile_transfer.wiki.api import ApiClient
from wikifile_transfer.wiki.guard import HostGuard
from wikifile_transfer.wiki.http import HttpClient
from wikifile_transfer.wiki.oauth2 import OAuthConsumer, WikimediaOAuth, new_verifier
from wikifile_transfer.wiki.registry import WikiRegistry
from wikifile_transfer.wiki.site import Wiki

CALLBACK = "http://127.0.0.1:5000/api/v1/auth/oauth/callback"
PUBLIC_IP = "208.80.154.224"
COMMONS_API = "https://commons.wikimedia.org/w/api.php"


@pytest.fixture
def box() -> SecretBox:
    return SecretBox([generate_key()])


@pytest.fixture
def provider() -> Iterator[OAuthDouble]:
    with OAuthDouble(redirect_uris=[CALLBACK]) as double:  # a public client (PKCE only)
        yield double


@pytest.fixture
def oauth(provider: OAuthDouble) -> WikimediaOAuth:
    return WikimediaOAuth(OAuthConsumer(provider.client_id, None, provider.oauth_base))


def oauth_user(db: Database, box: SecretBox, oauth: WikimediaOAuth) -> int:
    """A user signed in through the double (a real code exchange)."""
    verifier = new_verifier()
    location = requests.get(
        oauth.authorization_url(CALLBACK, "state", verifier), allow_redirects=False, timeout=10
    ).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    return oauth_sign_in(db, box, oauth, code=code, redirect_uri=CALLBACK, verifier=verifier).user_id


def stored_access(db: Database, box: SecretBox, user_id: int) -> str:
    with db.session() as session:
        stored = repo.load_credential(session, box, user_id, "oauth2", "*")
    assert stored is not None
    return str(stored.secret["access_token"])


def local_guard() -> HostGuard:
    guard = HostGuard()
    guard.allow_host("127.0.0.1", private_ok=True)
    return guard


# --- stored tokens --------------------------------------------------------------------------------


def test_a_stored_token_is_used_until_it_is_about_to_expire(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth
) -> None:
    user_id = oauth_user(web_db, box, oauth)
    tokens = StoredTokens(web_db, box, oauth, user_id)
    first = tokens.access_token()
    assert first == provider.tokens[-1].access_token
    assert tokens.access_token() == first and tokens.refreshes == 0

    provider.access_ttl = 30  # less than the 60 s leeway: "expired" as soon as it is issued
    renewed_once = StoredTokens(web_db, box, oauth, user_id).refresh(first)
    assert renewed_once != first
    provider.access_ttl = 14400
    later = StoredTokens(web_db, box, oauth, user_id)
    token = later.access_token()
    assert token != renewed_once  # the stored one was expiring: renewed before use
    assert later.refreshes == 1
    assert stored_access(web_db, box, user_id) == token
    assert later.access_token() == token and later.refreshes == 1
    assert provider.token_requests == ["authorization_code", "refresh_token", "refresh_token"]


def test_processes_that_saw_the_same_refusal_refresh_once(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth
) -> None:
    """Wikimedia's refresh tokens are single-use: a second refresh with the old one would sign the user
    out. Two "processes" (two StoredTokens) and several threads refuse the same token at once."""
    user_id = oauth_user(web_db, box, oauth)
    rejected = provider.tokens[-1].access_token
    processes = [StoredTokens(web_db, box, oauth, user_id) for _ in range(2)]
    results: list[str] = []
    errors: list[BaseException] = []

    def renew(tokens: StoredTokens) -> None:
        try:
            results.append(tokens.refresh(rejected))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=renew, args=(processes[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert provider.token_requests.count("refresh_token") == 1
    assert len(set(results)) == 1 and results[0] != rejected
    assert stored_access(web_db, box, user_id) == results[0]


def test_a_refused_refresh_means_signing_in_again(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth
) -> None:
    user_id = oauth_user(web_db, box, oauth)
    provider.revoke_all()
    tokens = StoredTokens(web_db, box, oauth, user_id)
    with pytest.raises(SignInExpiredError) as info:
        tokens.refresh(tokens.access_token())
    assert info.value.key == "wft-error-signin-expired"
    with web_db.session() as session:
        assert repo.delete_credentials(session, user_id) == 1
    with pytest.raises(SignInExpiredError):
        StoredTokens(web_db, box, oauth, user_id).access_token()
    without_client = StoredTokens(web_db, box, None, 999)
    with pytest.raises(SignInExpiredError):
        without_client.access_token()


def test_a_forgotten_token_stops_working_within_the_recheck_time(
    web_db: Database, box: SecretBox, oauth: WikimediaOAuth
) -> None:
    now = [0.0]
    user_id = oauth_user(web_db, box, oauth)
    tokens = StoredTokens(web_db, box, oauth, user_id, clock=lambda: now[0])
    tokens.access_token()
    with web_db.session() as session:
        repo.delete_credentials(session, user_id)
    tokens.access_token()  # cached for a moment
    now[0] += 31
    with pytest.raises(SignInExpiredError):
        tokens.access_token()


# --- the Action API with a bearer token (the double's api.php) ------------------------------------------


@pytest.mark.parametrize("reject", ["error", "401"])
def test_a_refused_token_is_renewed_once_and_the_call_repeated(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth, reject: str
) -> None:
    provider.api_reject = reject
    user_id = oauth_user(web_db, box, oauth)
    tokens = StoredTokens(web_db, box, oauth, user_id)
    api = ApiClient(provider.api_url, HttpClient(local_guard()), auth=tokens, sleep=lambda _s: None)
    assert api.userinfo().name == "Alice"
    assert api.logged_in  # a named account: writes will carry assert=user

    provider.expire_access_tokens()  # the wiki refuses it; the stored expiry still looks fine
    info = api.userinfo(refresh=True)
    assert info.name == "Alice"
    assert provider.token_requests.count("refresh_token") == 1

    provider.revoke_all()
    with pytest.raises(SignInExpiredError):
        api.userinfo(refresh=True)


class FixedTokens:
    """A token source whose renewals the wiki refuses too (a grant withdrawn for this wiki)."""

    def __init__(self) -> None:
        self.renewals = 0

    def access_token(self) -> str:
        return "dead"

    def refresh(self, rejected: str) -> str:
        self.renewals += 1
        return "still-dead"


def test_a_token_refused_after_renewal_is_not_renewed_again(provider: OAuthDouble) -> None:
    source = FixedTokens()
    api = ApiClient(provider.api_url, HttpClient(local_guard()), auth=source, sleep=lambda _s: None)
    with pytest.raises(SignInExpiredError) as info:
        api.get({"action": "query", "meta": "userinfo"})
    assert source.renewals == 1
    assert info.value.params == (urlsplit(provider.api_url).netloc,)


def test_ensure_login_with_oauth_asks_the_wiki_who_we_are(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth
) -> None:
    user_id = oauth_user(web_db, box, oauth)
    api = ApiClient(
        provider.api_url, HttpClient(local_guard()), auth=StoredTokens(web_db, box, oauth, user_id)
    )
    wiki = Wiki("meta", api)
    assert wiki.has_account and "OAuth" in repr(wiki)
    wiki.ensure_login()
    assert api.logged_in
    assert api.csrf_token() != "+\\"
    anonymous = Wiki("meta", ApiClient(provider.api_url, HttpClient(local_guard())))
    assert not anonymous.has_account
    with pytest.raises(NotLoggedInError):
        anonymous.ensure_login()


# --- where the bearer header goes -------------------------------------------------------------------


def public_resolver(host: str, port: int) -> list[str]:
    return [host] if host.replace(".", "").isdigit() else [PUBLIC_IP]


class Recorder:
    """A responses callback that keeps the Authorization header of every request it answers."""

    def __init__(self, body: dict[str, Any] | None = None) -> None:
        self.seen: list[str | None] = []
        self.body = body or {"batchcomplete": True, "query": {"userinfo": {"id": 5, "name": "Alice"}}}

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.seen.append(request.headers.get("Authorization"))
        return 200, {"Content-Type": "application/json"}, json.dumps(self.body)


def user_registry(tokens: Any, wikis: dict[str, WikiConfig] | None = None) -> UserWikiRegistry:
    return UserWikiRegistry(
        Config(wikis=wikis or {}), HttpClient(HostGuard(resolver=public_resolver)), tokens=tokens
    )


def test_bearer_only_for_https_wikimedia_hosts() -> None:
    assert bearer_allowed(COMMONS_API)
    assert bearer_allowed("https://hi.wikipedia.org/w/api.php")
    assert not bearer_allowed("http://commons.wikimedia.org/w/api.php")
    assert not bearer_allowed("https://wiki.example.org/w/api.php")
    assert not bearer_allowed("https://commons.wikimedia.org.evil.example/w/api.php")
    assert not bearer_allowed("https://evilwikimedia.org/w/api.php")
    assert not bearer_allowed("https://127.0.0.1:8081/w/api.php")


@responses.activate
def test_wikimedia_wikis_get_the_token_and_nothing_else_does() -> None:
    tokens = FixedTokens()
    wikimedia, third, download = Recorder(), Recorder(), Recorder()
    responses.add_callback(responses.GET, COMMONS_API, callback=wikimedia)
    responses.add_callback(responses.GET, "https://wiki.example.org/w/api.php", callback=third)
    responses.add_callback(
        responses.GET, "https://upload.wikimedia.org/wikipedia/commons/a/ab/X.png", callback=download
    )
    registry = user_registry(tokens, {"ex": WikiConfig("ex", "https://wiki.example.org/w/api.php")})

    commons = registry.get("commons")
    assert commons.api.auth is tokens and commons.has_account
    commons.api.get({"action": "query", "meta": "userinfo"})
    assert wikimedia.seen == ["Bearer dead"]

    other = registry.get("ex")
    assert other.api.auth is None and not other.has_account
    other.api.get({"action": "query", "meta": "userinfo"})
    assert third.seen == [None]

    registry.http.request("GET", "https://upload.wikimedia.org/wikipedia/commons/a/ab/X.png")
    assert download.seen == [None]  # a download never carries it, even from a Wikimedia host


@responses.activate
def test_the_token_does_not_follow_a_redirect_to_another_host() -> None:
    landing = Recorder()
    responses.get(COMMONS_API, status=302, headers={"Location": "https://meta.wikimedia.org/w/api.php"})
    responses.add_callback(responses.GET, "https://meta.wikimedia.org/w/api.php", callback=landing)
    commons = user_registry(FixedTokens()).get("commons")
    commons.api.get({"action": "query", "meta": "userinfo"})
    assert responses.calls[0].request.headers["Authorization"] == "Bearer dead"
    assert landing.seen == [None]


@responses.activate
def test_a_refusal_from_a_wikimedia_wiki_renews_through_the_registry(
    web_db: Database, box: SecretBox, provider: OAuthDouble, oauth: WikimediaOAuth
) -> None:
    responses.add_passthru(provider.base_url)
    user_id = oauth_user(web_db, box, oauth)
    first = provider.tokens[-1].access_token
    answers = [
        {
            "errors": [
                {"code": "mwoauth-invalid-authorization", "text": "The authorization headers are not valid"}
            ]
        },
        {"batchcomplete": True, "query": {"userinfo": {"id": 5, "name": "Alice"}}},
    ]
    seen: list[str | None] = []

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append(request.headers.get("Authorization"))
        return 200, {"Content-Type": "application/json"}, json.dumps(answers[len(seen) - 1])

    responses.add_callback(responses.GET, COMMONS_API, callback=answer)
    registry = user_registry(StoredTokens(web_db, box, oauth, user_id))
    assert registry.get("commons").api.userinfo().name == "Alice"
    second = stored_access(web_db, box, user_id)
    assert seen == [f"Bearer {first}", f"Bearer {second}"] and first != second


def test_the_configuration_accounts_never_reach_a_web_user() -> None:
    config = Config(
        wikis={"tb": WikiConfig("tb", "http://127.0.0.1:8081/w/api.php", "Operator@bot", "op-pw")}
    )
    assert without_accounts(config).wikis["tb"].password is None
    assert config.wikis["tb"].password == "op-pw"  # the original is left alone
    wiki = UserWikiRegistry(config, HttpClient(HostGuard(resolver=public_resolver))).get("tb")
    assert wiki.credentials is None and not wiki.has_account
    with pytest.raises(NotLoggedInError):
        wiki.ensure_login()
    # The private address of a configured wiki stays reachable (the guard still knows the wiki).
    assert wiki.api_url == "http://127.0.0.1:8081/w/api.php"


# --- bot passwords from the store ---------------------------------------------------------------------


def test_bot_passwords_come_from_the_store_by_wiki_name(web_db: Database, box: SecretBox) -> None:
    now = [0.0]
    with web_db.session() as session:
        user_id = repo.get_or_create_user(session, "tb", "Admin").id
        repo.save_credential(
            session, box, user_id, "botpassword", "tb", account="Admin@app", secret={"password": "pw1"}
        )
    passwords = StoredBotPasswords(web_db, box, user_id, clock=lambda: now[0])
    config = Config(
        wikis={"tb": WikiConfig("tb", "http://127.0.0.1:8081/w/api.php", "Operator@bot", "op-pw")}
    )
    registry = UserWikiRegistry(
        config, HttpClient(HostGuard(resolver=public_resolver)), bot_passwords=passwords
    )
    wiki = registry.get("tb")
    assert wiki.credentials == ("Admin@app", "pw1")
    assert registry.get("commons").credentials is None  # nothing stored: anonymous
    with web_db.session() as session:  # signed in again with a new password
        repo.save_credential(
            session, box, user_id, "botpassword", "tb", account="Admin@app2", secret={"password": "pw2"}
        )
    assert wiki.credentials == ("Admin@app", "pw1")  # cached a moment
    now[0] += 31
    assert wiki.credentials == ("Admin@app2", "pw2")
    assert "pw2" not in repr(wiki) and "pw2" not in repr(passwords)


# --- the factory (JobContext.registry_factory) ---------------------------------------------------------


def test_the_factory_gives_each_kind_of_user_their_own_wikis(
    web_db: Database, box: SecretBox, oauth: WikimediaOAuth
) -> None:
    config = Config(
        wikis={"tb": WikiConfig("tb", "http://127.0.0.1:8081/w/api.php", "Operator@bot", "op-pw")}
    )
    boxes: list[int] = []

    def the_box() -> SecretBox:
        boxes.append(1)
        return box

    factory = user_registry_factory(web_db, config, box=the_box, oauth=lambda: oauth)
    with web_db.session() as session:
        local = repo.get_or_create_user(session, LOCAL_DOMAIN, "me").id
        self_hosted = repo.get_or_create_user(session, "tb", "Admin").id
    sul = oauth_user(web_db, box, oauth)

    operator = factory(local)
    assert type(operator) is WikiRegistry
    assert operator.get("tb").credentials == ("Operator@bot", "op-pw")  # the CLI's user: the file's account
    assert boxes == []  # no key needed for the local user

    oauth_registry = factory(sul)
    assert isinstance(oauth_registry, UserWikiRegistry) and isinstance(oauth_registry.tokens, StoredTokens)
    assert oauth_registry.get("commons").api.auth is oauth_registry.tokens
    assert oauth_registry.get("tb").credentials is None

    bot = factory(self_hosted)
    assert isinstance(bot, UserWikiRegistry) and bot.tokens is None
    assert bot.get("commons").api.auth is None
    gone = factory(10_000)
    assert isinstance(gone, UserWikiRegistry) and gone.tokens is None and gone.bot_passwords is None

    context = JobContext(db=web_db, config=config, registry_factory=factory)
    assert context.registry_for(sul) is context.registry_for(sul)  # one per user and process
    assert context.registry_for(sul) is not context.registry_for(self_hosted)


def test_the_workers_factory_reads_keys_and_consumer_from_the_environment(
    web_db: Database,
    box: SecretBox,
    oauth: WikimediaOAuth,
    provider: OAuthDouble,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sul = oauth_user(web_db, box, oauth)
    with web_db.session() as session:
        assert repo.get_or_create_user(session, WIKIMEDIA_DOMAIN, "Alice").id == sul
    monkeypatch.delenv("WFT_SECRET_KEYS", raising=False)
    factory = registry_factory_from_env(web_db, Config())
    with pytest.raises(SecretKeysMissingError):
        factory(sul)
    monkeypatch.setenv("WFT_SECRET_KEYS", generate_key())
    monkeypatch.setenv("WFT_OAUTH_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("WFT_OAUTH_BASE", provider.oauth_base + "/")
    registry = registry_factory_from_env(web_db, Config())(sul)
    assert isinstance(registry, UserWikiRegistry) and isinstance(registry.tokens, StoredTokens)
    assert registry.tokens.oauth is not None and registry.tokens.oauth.consumer.base == provider.oauth_base
    monkeypatch.delenv("WFT_OAUTH_CLIENT_ID")
    assert OAuthConsumer.from_env() is None


def test_a_configured_wikimedia_wiki_has_both_the_token_and_the_stored_password(
    web_db: Database, box: SecretBox
) -> None:
    with web_db.session() as session:
        user_id = repo.get_or_create_user(session, "wikimedia", "Alice").id
        repo.save_credential(
            session, box, user_id, "botpassword", "c", account="A@app", secret={"password": "pw"}
        )
    config = Config(wikis={"c": WikiConfig("c", "https://commons.wikimedia.org/wiki/Main_Page")})
    tokens = FixedTokens()
    registry = UserWikiRegistry(
        config,
        HttpClient(HostGuard(resolver=public_resolver)),
        tokens=tokens,
        bot_passwords=StoredBotPasswords(web_db, box, user_id),
    )
    by_wikimedia_name = registry.get("commons")
    configured = registry.get("c")
    assert configured is by_wikimedia_name and configured.name == "c"
    assert configured.credentials == ("A@app", "pw")  # stored under the configured name
    assert configured.api.auth is tokens  # and still a Wikimedia wiki over https
