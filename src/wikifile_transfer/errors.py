"""Typed errors with a message key.

Every error a user can meet carries a key from ``i18n/en.json`` and the parameters for it, so the CLI,
the web API and the logs can all explain it in the user's language instead of showing a stack trace.
"""

from __future__ import annotations


class WftError(Exception):
    """Base of every error the tool reports to a user.

    ``key`` names a message in ``i18n/en.json``; ``params`` fill its ``$1``, ``$2`` ...
    ``detail`` is free text for logs (for example the wiki's own error text).
    """

    key = "wft-error-unknown"

    def __init__(self, *params: object, detail: str | None = None, key: str | None = None) -> None:
        if key is not None:
            self.key = key
        self.params: tuple[str, ...] = tuple(str(p) for p in params)
        self.detail = detail
        super().__init__(f"{self.key}: {', '.join(self.params)}" + (f" ({detail})" if detail else ""))


# --- input and resolution -------------------------------------------------------------------------


class InputError(WftError):
    """The user's input cannot be understood (malformed URL, empty title...)."""

    key = "wft-error-bad-input"


class UnknownWikiError(WftError):
    """A wiki name or host that is neither configured nor a Wikimedia wiki nor discoverable."""

    key = "wft-error-unknown-wiki"


class NotAFileError(WftError):
    """The title is not in the File namespace of its wiki."""

    key = "wft-error-not-a-file"


class MissingFileError(WftError):
    """The file page or the file itself does not exist on the source wiki."""

    key = "wft-error-missing-file"


# --- talking to a wiki -----------------------------------------------------------------------------


class WikiUnreachableError(WftError):
    """Connection refused, DNS failure or timeout after the bounded retries."""

    key = "wft-error-wiki-unreachable"


class HttpStatusError(WftError):
    """The wiki answered with an HTTP error status (4xx/5xx) after the bounded retries."""

    key = "wft-error-http-status"


class NotJsonError(WftError):
    """The API answered with something that is not JSON (an HTML error page, a proxy's 502...)."""

    key = "wft-error-not-json"


class ApiError(WftError):
    """The MediaWiki API answered with an error object. ``code`` is the API's error code."""

    key = "wft-error-api"

    def __init__(
        self, code: str, info: str, *, key: str | None = None, data: dict[str, object] | None = None
    ):
        self.code = code
        self.info = info
        self.data = data or {}
        super().__init__(code, info, key=key)


class ReadOnlyError(ApiError):
    key = "wft-error-readonly"


class RateLimitedError(ApiError):
    key = "wft-error-ratelimited"


class MaxlagError(ApiError):
    key = "wft-error-maxlag"


class PermissionDeniedError(ApiError):
    key = "wft-error-permission"


class LoginError(WftError):
    """The bot-password login was refused."""

    key = "wft-error-login"


class NotLoggedInError(WftError):
    """The wiki treats us as anonymous (CSRF token ``+\\``) although a write needs an account."""

    key = "wft-error-not-logged-in"


class SsrfError(WftError):
    """A URL points at a host or address the tool must not contact."""

    key = "wft-error-ssrf"


# --- files -----------------------------------------------------------------------------------------


class TooLargeError(WftError):
    key = "wft-error-too-large"


class Sha1MismatchError(WftError):
    key = "wft-error-sha1-mismatch"


class DiskFullError(WftError):
    key = "wft-error-disk-full"


class UploadError(WftError):
    """An upload ended with a result we cannot accept (unexpected warnings, failed assembly...)."""

    key = "wft-error-upload"


class ConfigError(WftError):
    key = "wft-error-config"


class SizeMismatchError(WftError):
    """The downloaded file's size differs from the size the source wiki reports (no SHA-1 to compare)."""

    key = "wft-error-size-mismatch"


# --- signing in (web service) ---------------------------------------------------------------------


class SignInExpiredError(WftError):
    """The user's sign-in no longer works: the wiki refused the OAuth token even after a refresh, the
    refresh token was refused, or no credential is stored any more. Only signing in again helps, so this
    is final for a queued item (never retried). Parameter: the wiki (or the sign-in service) that said so."""

    key = "wft-error-signin-expired"


class OAuthError(WftError):
    """The OAuth 2 provider refused a request of the sign-in itself (not a wiki call). Parameter: the
    RFC 6749 error code (``invalid_grant``, ``invalid_client``…), which the message shows as it is."""

    key = "wft-error-oauth"
