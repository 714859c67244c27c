"""A keyring backend for tests only: a JSON file outside the data directory.

Tests of the sync engine start `python -m client ...` subprocesses, which need the
same keyring as the test process; an in-memory backend cannot be shared with them, so
this one persists to the file named by GOVDESK_TEST_KEYRING_FILE (under the test's tmp
directory, never under GOVDESK_HOME). Selected with keyring.set_keyring() in-process and
PYTHON_KEYRING_BACKEND=govdesk_test_keyring.FileKeyring in subprocesses.
Never used by product code: the client refuses to run without a real OS keyring.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["GOVDESK_TEST_KEYRING_FILE"])

    def _locked(self):  # noqa: ANN202 - a small context helper
        lock = open(str(self.path) + ".lock", "a+")  # noqa: SIM115
        fcntl.flock(lock, fcntl.LOCK_EX)
        return lock

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _store(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        with self._locked():
            return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked():
            data = self._load()
            data[f"{service}\x00{username}"] = password
            self._store(data)

    def delete_password(self, service: str, username: str) -> None:
        with self._locked():
            data = self._load()
            if data.pop(f"{service}\x00{username}", None) is None:
                raise PasswordDeleteError("not found")
            self._store(data)
