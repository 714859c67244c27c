"""`Profile`: one signed-in account on one platform, with everything it needs.

config + paths + keystore + the open cache + api + services + sync engine. The CLI and
the UI both build on it:

    profile = Profile.login(server, username, password)      # online
    profile.enrol_key(password, code)   # once per device: the signing key's second factor
    profile = Profile.open_offline(server, username, password)  # verifier, no network
    profile = Profile.resume()                                # CLI: last account, keyring
    profile.sync(progress)
    profile.close()

Several profiles may be open in one process at once. Each one's `services`, `blobs` and
`engine` use its own cache whatever thread calls them (client/db.py `bound`); anything
else that reads the models (module functions such as `outbox.counts()`, model queries)
runs inside `with profile.cache_context():` once a second profile is open.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from client import auth, db, models, paths
from client.auth import ProfileInfo
from client.blobstore import BlobStore
from client.config import Settings, load_settings
from client.errors import AuthError, GovDeskError, KeyringError, NetworkError
from client.keystore import Keystore
from client.services import Services, attachments, keys, outbox
from client.sync import apply
from client.sync.api import PlatformApi
from client.sync.engine import ProgressCallback, SyncEngine, SyncReport
from client.types import UserId
from protocol.signing import KeyPair, Signer

log = logging.getLogger(__name__)

LAST_ACCOUNT_FILE = "last_account.json"
MB = 1024 * 1024

R = TypeVar("R")


def _in_cache(method: Callable[..., R]) -> Callable[..., R]:
    """Run a Profile method with the profile's own cache as the models' cache."""

    @functools.wraps(method)
    def run(self: Profile, *args: Any, **kwargs: Any) -> R:
        with self.cache_context():
            return method(self, *args, **kwargs)
    return run


def remember_last(server_url: str, username: str) -> None:
    root = paths.data_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / LAST_ACCOUNT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"server_url": server_url, "username": username},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def last_account() -> tuple[str, str] | None:
    try:
        data = json.loads((paths.data_root() / LAST_ACCOUNT_FILE).read_text(encoding="utf-8"))
        return str(data["server_url"]), str(data["username"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget_last(server_url: str, username: str) -> None:
    if last_account() == (server_url, username):
        (paths.data_root() / LAST_ACCOUNT_FILE).unlink(missing_ok=True)


class Profile:
    def __init__(self, server_url: str, username: str, *, settings: Settings | None = None
                 ) -> None:
        self.settings = settings or load_settings()
        self.server_url = server_url.rstrip("/")
        self.username = username
        self.dir: Path = paths.profile_dir(self.server_url, username)
        self.keystore = Keystore(paths.profile_key(self.server_url, username))
        self.info: ProfileInfo | None = ProfileInfo.load(self.dir, self.keystore)
        if not self.settings.ca_file and self.info is not None and self.info.ca_file:
            # Remembered from `login --ca-file`: any configured ca_file still wins.
            self.settings = dataclasses.replace(self.settings, ca_file=self.info.ca_file)
        self.api = PlatformApi(self.server_url, self.settings, tokens=self.keystore)
        self.db: Any = None
        self.blobs: BlobStore | None = None
        self.services: Services | None = None
        self.engine: SyncEngine | None = None
        # Set by a sign-in with the password: only then may a revoked device key be
        # replaced. The replacement is not usable before it is enrolled with the password
        # and a one-time code, which the platform checks (a stolen session alone must not
        # mint a signing key: issue 13).
        self._signed_in_with_password = False
        # Why the enrolment at sign-in failed (shown by the UI), None when it did not.
        self.enrolment_error: GovDeskError | None = None

    # --- ways in --------------------------------------------------------------------------
    @classmethod
    def login(cls, server_url: str, username: str, password: str, *,
              settings: Settings | None = None, enrolment_code: str | None = None
              ) -> Profile:
        """Sign in online; creates the profile, its keys and cache on first use.

        `enrolment_code`: the one-time code county IT issued, to enrol this device's
        signing key right away when it is not enrolled yet (ignored when it is). A wrong
        code leaves the sign-in valid and raises nothing: `key_enrolled` stays False and
        `enrol_key` may be called again."""
        profile = cls(server_url, username, settings=settings)
        try:
            profile._login(password)
        except BaseException:
            profile.close()
            raise
        if enrolment_code and not profile.key_enrolled:
            try:
                profile.enrol_key(password, enrolment_code)
            except GovDeskError as exc:
                profile.enrolment_error = exc
                log.warning("signing key not enrolled at sign-in: %s", exc.code)
        return profile

    def _login(self, password: str) -> None:
        self.keystore.check_available()  # no keyring: fail before the platform is asked
        info = self.info or ProfileInfo(server_url=self.server_url, username=self.username)
        grant = self.api.login(self.username, password, device_id=info.device_id,
                               device_name=auth.device_name())
        if info.user_id and info.user_id != grant.user.id:
            raise AuthError("auth.user_changed")
        auth.record_login(info, password, user_id=grant.user.id,
                          display_name=grant.user.display_name, unit_id=grant.user.unit_id,
                          roles=list(grant.user.roles))
        keypair, _ = auth.ensure_device_key(self.keystore, info.device_id,
                                            self.settings.signature_algorithm)
        info.signing_key_id = keypair.key_id
        if self.settings.ca_file:
            info.ca_file = str(Path(self.settings.ca_file).resolve())
        info.save(self.dir, self.keystore)
        self.info = info
        self._open_cache()
        self._signed_in_with_password = True
        self._replace_revoked_key(keypair)
        remember_last(self.server_url, self.username)
        log.info("signed in online as %s on %s", self.username, self.server_url)

    @classmethod
    def open_offline(cls, server_url: str, username: str, password: str, *,
                     settings: Settings | None = None) -> Profile:
        """Open the cache without the platform, checking the password's local verifier."""
        profile = cls(server_url, username, settings=settings)
        try:
            if auth.check_offline(profile.info, password):
                assert profile.info is not None
                profile.info.save(profile.dir, profile.keystore)  # today's cost
            profile._open_cache()
        except BaseException:
            profile.close()
            raise
        log.info("opened offline as %s", username)
        return profile

    def check_password(self, password: str) -> bool:
        """The password of the signed-in user, checked offline against the verifier
        (the screen lock). Slow on purpose (client/auth.py): call it off the GUI thread.
        A verifier of an older, cheaper cost is replaced once the password matched."""
        try:
            upgraded = auth.check_offline(self.info, password)
        except AuthError:
            return False
        if upgraded:
            assert self.info is not None
            try:
                self.info.save(self.dir, self.keystore)
            except GovDeskError as exc:  # unlocking must not fail over the upgrade
                log.warning("verifier not upgraded at unlock: %s", exc.code)
        return True

    @classmethod
    def resume(cls, server_url: str | None = None, username: str | None = None, *,
               settings: Settings | None = None) -> Profile:
        """The account this machine is signed in to (CLI sync/status): keyring, no password."""
        if server_url is None or username is None:
            last = last_account()
            if last is None:
                raise AuthError("auth.not_logged_in")
            server_url = server_url or last[0]
            username = username or last[1]
        profile = cls(server_url, username, settings=settings)
        try:
            if profile.info is None or not profile.info.user_id:
                raise AuthError("auth.not_logged_in", username=username)
            if profile.keystore.get_cache_key() is None:
                raise AuthError("auth.not_logged_in", detail="no cache key in the keyring")
            profile._open_cache()
        except BaseException:
            profile.close()
            raise
        return profile

    # --- internals --------------------------------------------------------------------------
    @property
    def user_id(self) -> UserId:
        if self.info is None or not self.info.user_id:
            raise AuthError("auth.not_logged_in")
        return UserId(self.info.user_id)

    @contextmanager
    def cache_context(self) -> Iterator[db.CacheDatabase]:
        """This profile's cache is the models' cache inside (this thread; nestable)."""
        if self.db is None:
            raise GovDeskError("profile.closed")
        with db.use_cache(self.db) as cache:
            yield cache

    def _open_cache(self) -> None:
        # Copies of attachments opened more than an hour ago (issue 13).
        attachments.clean_open_folder(self.dir)
        key = self.keystore.get_or_create_cache_key()
        cache = db.open_cache(paths.cache_path(self.dir), key)
        self.db = cache
        with db.use_cache(cache):
            apply.set_identity(user_id=self.user_id)
        # Bound: whichever thread or context calls them, they use this profile's cache.
        self.blobs = db.bound(BlobStore(paths.blobs_dir(self.dir), key,
                                        cap_bytes=self.settings.prefetch_total_mb * MB), cache)
        services = Services(me=self.user_id, blobs=self.blobs)
        for name in _SERVICE_FIELDS:
            setattr(services, name, db.bound(getattr(services, name), cache))
        self.services = services
        self.engine = SyncEngine(self.api, self.blobs, page_limit=self.settings.sync_page_limit,
                                 max_blob_bytes=self.settings.prefetch_max_blob_mb * MB,
                                 prefetch_budget_bytes=self.settings.prefetch_total_mb * MB,
                                 database=cache,
                                 applied_op_retention_days=self.settings.applied_op_retention_days)

    @_in_cache
    def _replace_revoked_key(self, keypair: KeyPair) -> KeyPair:
        row = models.SigningKey.get_or_none(models.SigningKey.id == keypair.key_id)
        if row is None or row.revoked_at is None:
            return keypair
        assert self.info is not None
        self.keystore.delete_signing_key(self.info.device_id)
        keypair, _ = auth.ensure_device_key(self.keystore, self.info.device_id,
                                            self.settings.signature_algorithm)
        self.info.signing_key_id = keypair.key_id
        self.info.save(self.dir, self.keystore)
        return keypair

    # --- the signing key's enrolment (issue 13) -------------------------------------------
    @property
    def key_enrolled(self) -> bool:
        """Whether this device's signing key is enrolled on the platform (so it may sign):
        enrolled by this profile, or listed unrevoked in the directory (a key registered
        before enrolment existed)."""
        if self.info is None or self.db is None:
            return False
        keypair = self.keystore.get_signing_key(self.info.device_id)
        if keypair is None:
            return False
        with self.cache_context():
            row = models.SigningKey.get_or_none(models.SigningKey.id == keypair.key_id)
        if row is not None:
            return row.revoked_at is None
        return self.info.enrolled_key_id == keypair.key_id

    def enrol_key(self, password: str, enrolment_code: str) -> str:
        """Enrol this device's signing key: the platform checks the password and the
        one-time code (GovDeskError `key.enrolment_refused` otherwise). Returns the key id.
        Online only; the user's other devices announce the new key."""
        if self.info is None or self.db is None:
            raise GovDeskError("profile.closed")
        if not enrolment_code.strip():
            raise GovDeskError("key.enrolment_refused")
        keypair, _ = auth.ensure_device_key(self.keystore, self.info.device_id,
                                            self.settings.signature_algorithm)
        keypair = self._replace_revoked_key(keypair)
        self.api.enrol_key(keypair, password=password, enrolment_code=enrolment_code)
        self.info.enrolled_key_id = keypair.key_id
        self.info.signing_key_id = keypair.key_id
        self.info.save(self.dir, self.keystore)
        self.enrolment_error = None
        log.info("signing key %s enrolled", keypair.key_id)
        return keypair.key_id

    @_in_cache
    def new_keys_elsewhere(self, *, mark: bool = False) -> list[keys.KeyAnnouncement]:
        """Keys of mine enrolled on other devices since this one's, not announced yet;
        `mark`: record that they were announced (they are not listed again)."""
        assert self.info is not None
        found = keys.new_keys_elsewhere(self.user_id, device_key_id=self.info.enrolled_key_id
                                        or self.info.signing_key_id)
        if mark and found:
            keys.mark_announced(self.user_id, [a.key_id for a in found])
        return found

    # --- what a signed-in profile does ------------------------------------------------------
    def signer(self) -> Signer:
        """This device's signer; GovDeskError `key.not_enrolled` before the enrolment
        (the platform would refuse the signature anyway: say so before the user signs)."""
        assert self.info is not None
        keypair = self.keystore.get_signing_key(self.info.device_id)
        if keypair is None:
            raise KeyringError("keyring.no_signing_key")
        if not self.key_enrolled:
            raise GovDeskError("key.not_enrolled")
        return Signer.from_keypair(keypair, self.user_id)

    def sync(self, progress: ProgressCallback | None = None) -> SyncReport:
        if self.engine is None:
            raise GovDeskError("profile.closed")
        report = self.engine.run(progress)
        if self._signed_in_with_password:
            self._rekey_if_revoked()
        return report

    @_in_cache
    def _rekey_if_revoked(self) -> None:
        """After the pull of a password sign-in: the platform revoked this device's key
        since we last knew (a key revocation, e.g. by an admin) -> a new key, which signs
        only once enrolled (`enrol_key`)."""
        assert self.info is not None
        current = self.keystore.get_signing_key(self.info.device_id)
        if current is None:
            return
        replaced = self._replace_revoked_key(current)
        if replaced.key_id != current.key_id:
            log.info("device key %s was revoked; new key %s needs enrolment",
                     current.key_id, replaced.key_id)

    @_in_cache
    def index_bodies(self) -> int:
        """Read the text of downloaded bodies for search (after a sync, never inside it:
        each PDF in a limited child process). Returns how many were done."""
        from client import bodytext

        if self.blobs is None:
            return 0
        total = 0
        while n := bodytext.index_downloaded_bodies(self.blobs, limit=50):
            total += n
        return total

    @_in_cache
    def unsent_ops(self) -> int:
        return outbox.counts().unsent

    def logout(self, *, wipe: bool = False, force: bool = False) -> bool:
        """Sign out this device; wipe the cache when asked or when policy forces it.

        A wipe with operations not yet on the platform is refused unless `force`: what the
        user signed must not vanish silently. Returns whether the cache was wiped.
        """
        wipe = wipe or self.settings.wipe_cache_on_logout
        if wipe and not force and self.db is not None and self.unsent_ops():
            raise GovDeskError("logout.unsent_ops", count=self.unsent_ops())
        try:
            self.api.logout()
        except (NetworkError, AuthError) as exc:
            log.info("platform logout not confirmed (%s); local sign-out continues", exc.code)
        self.keystore.delete_refresh_token()
        forget_last(self.server_url, self.username)
        attachments.clean_open_folder(self.dir, older_than=0)
        device_id = self.info.device_id if self.info else None
        self.close()
        if wipe:
            self.keystore.delete_all(device_id)
            shutil.rmtree(self.dir, ignore_errors=True)
            log.info("profile %s wiped", self.dir.name)
        return wipe

    def close(self) -> None:
        if self.engine is not None:
            self.engine.stop_requested = True
        if self.db is not None:
            db.close_cache(self.db)
            self.db = None
        self.api.close()


# The service objects of `Services` (its other fields, me and blobs, are not services).
_SERVICE_FIELDS = tuple(f.name for f in dataclasses.fields(Services) if not f.init)
