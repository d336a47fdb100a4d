"""A Wikimedia-like OAuth 2 provider on 127.0.0.1, for tests, the browser e2e run and ``make demo``.

The real provider (``meta.wikimedia.org/w/rest.php/oauth2``) cannot be reached from the tests, and a mock
that answers whatever it is asked would let a broken client pass. So this double is a real authorization
server, built on Authlib's ``AuthorizationServer`` (RFC 6749, with RFC 7636 PKCE), with Wikimedia's paths
and answers, and it refuses what Meta refuses:

* ``GET|POST /w/rest.php/oauth2/authorize``: checks ``client_id``, ``redirect_uri`` (exactly one of the
  client's), ``response_type=code`` and a ``code_challenge`` with ``code_challenge_method=S256`` (plain is
  refused); approves the configured user at once (``auto_approve``) or shows a minimal approve/deny page;
  redirects back with ``code`` and ``state`` (or ``error``); an unknown client or redirect URI gets a 400
  page, never a redirect (RFC 6749 §4.1.2.1);
* ``POST /w/rest.php/oauth2/access_token``: ``authorization_code`` (the code is single-use, bound to its
  client and redirect URI, expires after ``code_ttl`` s; the verifier must match the challenge: a wrong or
  missing one is ``invalid_grant``; a code used twice also revokes what it issued) and ``refresh_token``
  (each refresh issues a new refresh token and revokes the old one and its access token, as Wikimedia
  does); confidential clients authenticate (``client_secret_post`` or ``_basic``), public ones send only
  their ``client_id``. Errors are RFC 6749 JSON (``{"error", "error_description"}``);
* ``GET /w/rest.php/oauth2/resource/profile``: Bearer only; ``sub``, ``username``, ``editcount``,
  ``confirmed_email``, ``blocked``, ``registered``, ``groups``, ``rights``, ``grants``;
* ``/w/api.php``: a sliver of the Action API that knows bearer tokens (``meta=userinfo``, ``meta=tokens``):
  an unknown, expired or revoked token gets ``mwoauth-invalid-authorization`` (or HTTP 401 with
  ``api_reject="401"``), so API clients can be tested renewing tokens against a real server.

``access_ttl`` (seconds) can be shortened, and :meth:`OAuthDouble.expire_access_tokens` ends every access
token at once. Every code and token ever issued is kept in ``issued`` so that tests can assert that none of
them (nor a PKCE verifier it received) leaks into responses or logs. Requests are served in threads named ``oauthdouble…`` (tests that capture
logs can tell the provider's own records from the client's).

Use::

    with OAuthDouble(redirect_uris=["http://127.0.0.1:5000/api/v1/auth/oauth/callback"]) as provider:
        provider.oauth_base   # http://127.0.0.1:PORT/w/rest.php/oauth2 -> WFT_OAUTH_BASE

or on its own: ``python -m testbed.oauthdouble --port 8090 --redirect-uri URL --user Alice``.
"""

from __future__ import annotations

import argparse
import hmac
import html
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, jsonify, request
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

PREFIX = "/w/rest.php/oauth2"
WIKIMEDIA_GRANTS = ("basic", "editpage", "createeditmovepage", "uploadfile", "uploadeditmovefile")


@dataclass
class DoubleUser:
    """The account the double signs in (its profile answer)."""

    username: str = "Alice"
    sub: str = field(default_factory=lambda: str(uuid.uuid4().int % 10_000_000))
    editcount: int = 1234
    confirmed_email: bool = True
    blocked: bool = False
    registered: str = "20150101000000"
    groups: tuple[str, ...] = ("*", "user", "autoconfirmed")
    rights: tuple[str, ...] = ("read", "edit", "upload", "reupload", "createpage")

    def profile(self, grants_: Iterable[str]) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "username": self.username,
            "editcount": self.editcount,
            "confirmed_email": self.confirmed_email,
            "blocked": self.blocked,
            "registered": self.registered,
            "groups": list(self.groups),
            "rights": list(self.rights),
            "grants": list(grants_),
        }


@dataclass
class DoubleClient(ClientMixin):
    client_id: str
    client_secret: str | None
    redirect_uris: list[str]
    grants: tuple[str, ...] = WIKIMEDIA_GRANTS

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Meta redirects to the registered callback when the request names none; one is enough here.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        # Wikimedia grants come from the consumer's registration; a request can only narrow them.
        if not scope:
            return " ".join(self.grants)
        return " ".join(s for s in scope.split() if s in self.grants)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and hmac.compare_digest(
            client_secret.encode(), self.client_secret.encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.client_secret is None:
            return method == "none"
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class IssuedCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str | None
    scope: str
    user: DoubleUser
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    token_ids: list[int] = field(default_factory=list)

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class IssuedToken(TokenMixin):
    id: int
    client_id: str
    user: DoubleUser
    scope: str
    access_token: str
    refresh_token: str | None
    issued_at: float
    expires_in: int
    revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: DoubleClient) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> DoubleUser:
        return self.user

    def get_client(self) -> Any:  # pragma: no cover - not used by the grants registered here
        return None


class S256Challenge(CodeChallenge):
    """PKCE as the double demands it: always (for confidential clients too, as Wikimedia recommends),
    S256 only, and a missing verifier for a code that has a challenge is ``invalid_grant`` (OAuth 2.1),
    like a wrong one (RFC 7636 §4.6)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        code = grant.request.authorization_code
        if code.code_challenge and not grant.request.form.get("code_verifier"):
            raise InvalidGrantError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class _NamedThreadServer(ThreadedWSGIServer):
    """Werkzeug's threaded server whose request threads are named ``oauthdouble-request``."""

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="oauthdouble-request",
            daemon=True,
        )
        thread.start()


class _QuietHandler(WSGIRequestHandler):
    """No access log: the lines would carry codes and challenges into the test output."""

    def log_request(self, *_args: Any, **_kwargs: Any) -> None:
        return


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class OAuthDouble:
    """The provider; a context manager that serves it on 127.0.0.1 (a free port unless ``port``)."""

    def __init__(
        self,
        *,
        client_id: str = "wft-test-client",
        client_secret: str | None = None,
        redirect_uris: Iterable[str] = (),
        user: DoubleUser | None = None,
        access_ttl: int = 14400,
        code_ttl: float = 60.0,
        auto_approve: bool = True,
        api_reject: str = "error",
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.user = user or DoubleUser()
        self.access_ttl = access_ttl
        self.code_ttl = code_ttl
        self.auto_approve = auto_approve
        self.api_reject = api_reject
        self.host = host
        self.port = port or free_port(host)
        self.clients: dict[str, DoubleClient] = {}
        self.add_client(client_id, client_secret, redirect_uris)
        self.client_id = client_id
        self.client_secret = client_secret
        self.codes: dict[str, IssuedCode] = {}
        self.used_codes: dict[str, IssuedCode] = {}
        self.tokens: list[IssuedToken] = []
        self.issued: list[str] = []
        """Every code, access token and refresh token handed out, and every PKCE verifier received (for
        leak checks)."""
        self.token_requests: list[str] = []
        """The grant_type of every request to the token endpoint, in order."""
        self.lock = threading.RLock()
        self.app = self._build_app()
        self._server: ThreadedWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- set-up -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def oauth_base(self) -> str:
        """What ``WFT_OAUTH_BASE`` must be."""
        return self.base_url + PREFIX

    @property
    def api_url(self) -> str:
        return self.base_url + "/w/api.php"

    def add_client(
        self, client_id: str, client_secret: str | None = None, redirect_uris: Iterable[str] = ()
    ) -> DoubleClient:
        client = DoubleClient(client_id, client_secret, list(redirect_uris))
        self.clients[client_id] = client
        return client

    def expire_access_tokens(self) -> None:
        """End every access token now (refresh tokens stay valid)."""
        with self.lock:
            for token in self.tokens:
                token.issued_at = time.time() - token.expires_in - 1

    def revoke_all(self) -> None:
        """Withdraw every grant (as Special:OAuthManageMyGrants does): access and refresh tokens die."""
        with self.lock:
            for token in self.tokens:
                token.revoked = token.refresh_revoked = True

    def access_token_of(self, value: str) -> IssuedToken | None:
        with self.lock:
            for token in self.tokens:
                if hmac.compare_digest(token.access_token.encode(), value.encode()):
                    return token
        return None

    def __enter__(self) -> OAuthDouble:
        self._server = _NamedThreadServer(self.host, self.port, self.app, handler=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="oauthdouble-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- the Authlib server ----------------------------------------------------------------------------

    def _record(self, *values: str | None) -> None:
        self.issued.extend(v for v in values if v)

    def _build_app(self) -> Flask:
        app = Flask("oauthdouble")
        double = self

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

            def save_authorization_code(self, code: str, req: Any) -> None:
                data = req.payload.data
                issued = IssuedCode(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.scope or "",
                    user=req.user,
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    expires_at=time.time() + double.code_ttl,
                )
                with double.lock:
                    double.codes[code] = issued
                    double._record(code)

            def query_authorization_code(self, code: str, client: DoubleClient) -> IssuedCode | None:
                with double.lock:
                    # Single use: every attempt spends the code, a failed one too.
                    issued = double.codes.pop(code, None)
                    if issued is None:
                        reused = double.used_codes.get(code)
                        if reused is not None:  # RFC 6749 §4.1.2: revoke what the code gave
                            for token in double.tokens:
                                if token.id in reused.token_ids:
                                    token.revoked = token.refresh_revoked = True
                        return None
                    double.used_codes[code] = issued
                if issued.client_id != client.client_id or time.time() > issued.expires_at:
                    return None
                return issued

            def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
                with double.lock:
                    double.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: IssuedCode) -> DoubleUser:
                return authorization_code.user

        class RefreshGrant(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
            INCLUDE_NEW_REFRESH_TOKEN = True

            def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
                with double.lock:
                    for token in double.tokens:
                        if token.refresh_token and hmac.compare_digest(
                            token.refresh_token.encode(), refresh_token.encode()
                        ):
                            return None if token.refresh_revoked else token
                return None

            def authenticate_user(self, refresh_token: IssuedToken) -> DoubleUser:
                return refresh_token.user

            def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
                with double.lock:
                    refresh_token.refresh_revoked = True
                    refresh_token.revoked = True

        def save_token(token: dict[str, Any], req: Any) -> None:
            with double.lock:
                issued = IssuedToken(
                    id=len(double.tokens) + 1,
                    client_id=req.client.client_id,
                    user=req.user,
                    scope=str(token.get("scope", "")),
                    access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    issued_at=time.time(),
                    expires_in=int(token.get("expires_in", double.access_ttl)),
                )
                double.tokens.append(issued)
                double._record(issued.access_token, issued.refresh_token)
                code = getattr(req, "authorization_code", None)
                if isinstance(code, IssuedCode):
                    code.token_ids.append(issued.id)

        server = AuthorizationServer(app, query_client=self.clients.get, save_token=save_token)
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_kw: generate_token(42),
                lambda **_kw: generate_token(48),
                lambda _client, _grant_type: double.access_ttl,
            ),
        )
        server.register_grant(CodeGrant, [S256Challenge(required=True)])
        server.register_grant(RefreshGrant)

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string: str) -> IssuedToken | None:
                return double.access_token_of(token_string)

        protector = ResourceProtector()
        protector.register_token_validator(Validator())

        @app.route(f"{PREFIX}/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            try:
                grant = server.get_consent_grant(end_user=double.user)
            except OAuth2Error as error:
                # A redirect only to a redirect URI checked against a known client; else a page here.
                return server.handle_error_response(None, error)
            if request.method == "GET" and not double.auto_approve:
                return _approve_page(grant.client.client_id, double.user.username)
            approved = double.auto_approve or request.form.get("decision") == "approve"
            return server.create_authorization_response(
                grant=grant, grant_user=double.user if approved else None
            )

        @app.post(f"{PREFIX}/access_token")
        def access_token() -> Any:
            with double.lock:
                double.token_requests.append(str(request.form.get("grant_type", "")))
                double._record(request.form.get("code_verifier"))
            response = server.create_token_response()
            response.headers["Cache-Control"] = "no-store"
            return response

        @app.get(f"{PREFIX}/resource/profile")
        @protector()
        def profile() -> Any:
            token = current_token
            return jsonify(token.user.profile(token.scope.split()))

        @app.route("/w/api.php", methods=["GET", "POST"])
        def api_php() -> Any:
            return double._api(request.values.to_dict())

        return app

    # --- a sliver of the Action API -----------------------------------------------------------------

    def _api(self, params: dict[str, str]) -> Response:
        header = request.headers.get("Authorization", "")
        token = None
        if header:
            value = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
            token = self.access_token_of(value) if value else None
            if token is None or token.is_expired() or token.is_revoked():
                if self.api_reject == "401":
                    return Response("Unauthorized", status=401, headers={"WWW-Authenticate": "Bearer"})
                return jsonify(
                    {
                        "errors": [
                            {
                                "code": "mwoauth-invalid-authorization",
                                "text": "The authorization headers in your request are not valid",
                            }
                        ]
                    }
                )
        query: dict[str, Any] = {}
        meta = set(params.get("meta", "").split("|"))
        if "userinfo" in meta:
            if token is None:
                query["userinfo"] = {"id": 0, "name": "127.0.0.1", "anon": True}
            else:
                query["userinfo"] = {
                    "id": int(token.user.sub),
                    "name": token.user.username,
                    "groups": list(token.user.groups),
                    "rights": list(token.user.rights),
                    "ratelimits": {},
                }
        if "tokens" in meta:
            query["tokens"] = {"csrftoken": "+\\" if token is None else f"{token.id:04x}csrf+\\"}
        return jsonify({"batchcomplete": True, "query": query})


def _approve_page(client_id: str, username: str) -> Response:
    page = (
        "<!doctype html><title>Authorize</title>"
        f"<p>{html.escape(client_id)} asks to act as {html.escape(username)}.</p>"
        '<form method="post"><button name="decision" value="approve">Allow</button>'
        '<button name="decision" value="deny">Cancel</button></form>'
    )
    return Response(page, mimetype="text/html")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A Wikimedia-like OAuth 2 provider on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", default="wft-demo")
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--user", default="Alice")
    parser.add_argument("--access-ttl", type=int, default=14400)
    parser.add_argument("--approve-page", action="store_true", help="ask before approving")
    args = parser.parse_args(argv)
    double = OAuthDouble(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri,
        user=DoubleUser(args.user),
        access_ttl=args.access_ttl,
        auto_approve=not args.approve_page,
        port=args.port or None,
    )
    with double:
        print(f"WFT_OAUTH_BASE={double.oauth_base}", flush=True)
        print(f"WFT_OAUTH_CLIENT_ID={double.client_id}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
