"""`--demo` and `--screenshot`: a demo platform on loopback and a throwaway profile.

The demo must run on a fresh machine. A fresh headless machine often has no OS keyring;
for the demo only (a temporary profile deleted on exit) secrets are then kept in this
process's memory. A real sign-in never does this: the product refuses to run without a
keyring (client/keystore.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError

log = logging.getLogger(__name__)

DEMO_USER = "zhangjianguo"
DEMO_PASSWORD = "Fujin@2005"


class _DemoMemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._data.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def keyring_for_demo() -> bool:
    """Use an in-memory keyring when the machine has none; True when it did."""
    if isinstance(keyring.get_keyring(), fail.Keyring):
        log.warning("no OS keyring: the demo keeps its secrets in memory only")
        keyring.set_keyring(_DemoMemoryKeyring())
        return True
    return False


class DemoEnvironment:
    """Starts the embedded demo platform and points GOVDESK_HOME at a temp dir."""

    def __init__(self) -> None:
        self.platform = None
        self._home: Path | None = None

    def start(self) -> DemoEnvironment:
        import platformdirs

        from client.paths import APP_NAME
        from server.embedded import TEMPLATE_DIR_ENV, EmbeddedPlatform, demo_template_cache

        if not os.environ.get(TEMPLATE_DIR_ENV):
            # The demo county is built once a day (~13 s) and copied by later demos.
            cache = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "demo-county"
            os.environ[TEMPLATE_DIR_ENV] = str(demo_template_cache(cache))
        if not os.environ.get("GOVDESK_HOME"):
            self._home = Path(tempfile.mkdtemp(prefix="govdesk-demo-"))
            os.environ["GOVDESK_HOME"] = str(self._home)
        keyring_for_demo()
        self.platform = EmbeddedPlatform(demo=True)
        self.platform.start()
        return self

    @property
    def base_url(self) -> str:
        assert self.platform is not None
        return self.platform.base_url

    def enrolment_code(self, username: str) -> str | None:
        """A signing-key enrolment code for a demo account; None when there is no such
        account (or no platform)."""
        from server.embedded import PlatformError

        if self.platform is None:
            return None
        try:
            return self.platform.issue_enrolment_code(username)
        except PlatformError:
            log.warning("no enrolment code for %s", username)
            return None

    def stop(self) -> None:
        if self.platform is not None:
            self.platform.close()
            self.platform = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            os.environ.pop("GOVDESK_HOME", None)
            self._home = None
