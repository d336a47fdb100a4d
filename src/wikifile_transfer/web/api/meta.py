"""The signed-in user and the session's CSRF token."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app
from pydantic import BaseModel, Field, model_validator
from spectree import Response

from wikifile_transfer.accounts import LOCAL_DOMAIN, WIKIMEDIA_DOMAIN
from wikifile_transfer.store import repo
from wikifile_transfer.store.models import User
from wikifile_transfer.web.auth import csrf_token, current_user_id
from wikifile_transfer.web.errors import ErrorResponse
from wikifile_transfer.web.lang import request_lang
from wikifile_transfer.web.openapi import api
from wikifile_transfer.web.services import services
from wikifile_transfer.web.settings import WebSettings

blueprint = Blueprint("meta", __name__, url_prefix="/api/v1")


class UserOut(BaseModel):
    id: int
    username: str
    domain: str = Field(description="wikimedia (OAuth, SUL), a self-hosted wiki's name, or local")
    lang: str | None = None
    kind: Literal["oauth", "botpassword", "local"] | None = Field(
        default=None, description="how the user signed in (follows from the domain)"
    )

    @model_validator(mode="after")
    def _kind_from_domain(self) -> UserOut:
        if self.kind is None:
            self.kind = sign_in_kind(self.domain)
        return self


class AccountOut(BaseModel):
    kind: str = Field(description="oauth2 or botpassword")
    wiki: str = Field(description="* (every Wikimedia wiki) for OAuth, else the wiki's name")
    account: str = Field(description="the account name on the wiki (Name@appid for a bot password)")


def sign_in_kind(domain: str) -> Literal["oauth", "botpassword", "local"]:
    if domain == WIKIMEDIA_DOMAIN:
        return "oauth"
    return "local" if domain == LOCAL_DOMAIN else "botpassword"


def user_out(user_id: int) -> UserOut | None:
    """The user as the API shows them (None for an id that no longer exists)."""
    with services().db.read_session() as session:
        user = session.get(User, user_id)
        if user is None:
            return None
        return UserOut(id=user.id, username=user.username, domain=user.domain, lang=user.lang)


class SignInOptions(BaseModel):
    oauth: bool = Field(description="Wikimedia OAuth 2 sign-in is configured")
    bot_password: bool = Field(description="bot-password sign-in is allowed (self-hosted wikis)")


class MeOut(BaseModel):
    user: UserOut | None = Field(description="null when not signed in")
    csrf_token: str = Field(
        description="send it back in the X-CSRF-Token header of every POST/PUT/PATCH/DELETE"
    )
    lang: str = Field(description="the language of the messages of this response")
    sign_in: SignInOptions
    accounts: list[AccountOut] = Field(
        default_factory=list, description="the stored sign-ins the tool acts with (never their secrets)"
    )


@blueprint.get("/me")
@api.validate(resp=Response(HTTP_200=MeOut, HTTP_400=ErrorResponse), tags=["session"])
def me() -> MeOut:
    """Who is signed in (or nobody), the CSRF token of the session, and how one may sign in."""
    settings: WebSettings = current_app.extensions["wft_settings"]
    user = None
    accounts: list[AccountOut] = []
    user_id = current_user_id()
    if user_id is not None:
        user = user_out(user_id)
        with services().db.read_session() as session:
            accounts = [
                AccountOut(kind=c.kind, wiki=c.wiki, account=c.account)
                for c in repo.list_credentials(session, user_id)
            ]
    return MeOut(
        user=user,
        accounts=accounts,
        csrf_token=csrf_token(),
        lang=request_lang(),
        sign_in=SignInOptions(oauth=settings.oauth_enabled, bot_password=settings.bot_password_login),
    )
