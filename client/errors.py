"""One error family for the whole client: a stable dotted code and a Chinese sentence.

Library exceptions (requests, keyring, sqlite) are translated into these where the
library is called; the UI shows `message` and decides what to offer from `code`.
"""

from __future__ import annotations


class GovDeskError(Exception):
    """Base of every error the client reports to a person."""

    def __init__(self, code: str, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Technical detail for the log (never shown as the main text, never a secret).
        self.detail = detail

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class NetworkError(GovDeskError):
    """The platform could not be reached or the connection broke."""


class AuthError(GovDeskError):
    """Sign-in refused, token expired or revoked."""


class ProtocolError(GovDeskError):
    """The platform answered something that does not follow PROTOCOL.md."""


class ConflictError(GovDeskError):
    """The world moved on (task no longer pending, notice withdrawn...)."""


class StorageError(GovDeskError):
    """The local cache or blob store cannot be read or written."""


class KeyringError(GovDeskError):
    """The operating system's keyring is unavailable or refused access."""


class ConfigError(GovDeskError):
    """A setting is missing or invalid."""
