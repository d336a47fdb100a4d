"""The signed-in user and the session's CSRF token."""

from __future__ import annotations

from flask import Blueprint, current_app
from pydantic import BaseModel, Field
from spectree import Response

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


@blueprint.get("/me")
@api.validate(resp=Response(HTTP_200=MeOut, HTTP_400=ErrorResponse), tags=["session"])
def me() -> MeOut:
    """Who is signed in (or nobody), the CSRF token of the session, and how one may sign in."""
    settings: WebSettings = current_app.extensions["wft_settings"]
    user_out = None
    user_id = current_user_id()
    if user_id is not None:
        with services().db.read_session() as session:
            user = session.get(User, user_id)
            if user is not None:
                user_out = UserOut(id=user.id, username=user.username, domain=user.domain, lang=user.lang)
    return MeOut(
        user=user_out,
        csrf_token=csrf_token(),
        lang=request_lang(),
        sign_in=SignInOptions(oauth=settings.oauth_enabled, bot_password=settings.bot_password_login),
    )
