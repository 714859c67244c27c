"""One error family for the whole client: a stable dotted code and its parameters.

Library exceptions (requests, keyring, sqlite) are translated into these where the
library is called; the UI shows `message` and decides what to offer from `code`. The
sentence is never written at the raise site: `message` renders the code's template
from the catalogue (protocol.errors) in the current language (client.messages).
"""

from __future__ import annotations

from typing import Any

from client import messages


class GovDeskError(Exception):
    """Base of every error the client reports to a person."""

    def __init__(self, code: str, *, detail: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
        # Technical detail for the log (never shown as the main text, never a secret).
        self.detail = detail

    @property
    def message(self) -> str:
        return messages.render(self.code, self.params)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({self.code!r}{params})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, self.detail, self.params), self.__dict__)


def _rebuild(cls: type[GovDeskError], code: str, detail: str | None,
             params: dict[str, Any]) -> GovDeskError:
    return cls(code, detail=detail, **params)


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
