"""Sign-in, token rotation and the `current_user` dependency.

One `AuthSession` per signed-in device holds the hashes of its current access and
refresh tokens. Refreshing rotates both; the token presented stays valid until one of
its successors is first used (a lost answer costs nothing), and a token presented after
that means it leaked (or a client replayed it): the whole device session is revoked
(`auth.refresh_reused`). See `refresh`.

Routers use `Depends(current_user)` and get a `Principal(user, session)`.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server import clock, security
from server.db import database, execute_hot, is_sqlite, session_tx, write_tx
from server.directory import user_json
from server.errors import Problem
from server.models import AuthSession, LoginFailure, SpareRefreshToken, UsedRefreshToken, User

log = logging.getLogger(__name__)

FAILURE_WINDOW = timedelta(minutes=15)

bearer_scheme = HTTPBearer(auto_error=False, description="access_token from /auth/login")


@dataclass
class Principal:
    user: User
    session: AuthSession


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "user": user_summary(self.user),
        }


_SUMMARY_FIELDS = ("id", "username", "display_name", "unit_id", "roles", "title")


def user_summary(user: User) -> dict[str, Any]:
    """The login answer's `user`: the directory object's identity fields."""
    full = user_json(user)
    return {name: full[name] for name in _SUMMARY_FIELDS}


def _unauthenticated(detail: str = "sign in first") -> Problem:
    return Problem(401, "auth.unauthenticated", "Not signed in", detail,
                   headers={"WWW-Authenticate": "Bearer"})


def _issue(session: AuthSession) -> tuple[str, str]:
    """Give the session fresh tokens (caller saves it inside a write_tx).

    Neither token outlives the session's absolute lifetime (issue 13): refreshing slides
    the expiry, but never past `created_at + SESSION_MAX_AGE`."""
    access, refresh = security.new_token(), security.new_token()
    now = clock.now()
    ceiling = (session.created_at or now) + security.SESSION_MAX_AGE
    session.access_hash = security.token_hash(access)
    session.access_expires_at = min(now + security.ACCESS_TOKEN_TTL, ceiling)
    session.refresh_hash = security.token_hash(refresh)
    session.refresh_expires_at = min(now + security.REFRESH_TOKEN_TTL, ceiling)
    return access, refresh


# Failed sign-ins slow down, they never lock (issue 13, finding 6; OWASP): after
# FREE_FAILURES in the window each further failure doubles the wait after the latest
# one, up to MAX_DELAY. A device that signed in to the account before counts only its
# own failures, so nobody can keep the mayor out from elsewhere. An address that fails
# against many accounts (spraying) is slowed down the same way, by address.
FREE_FAILURES = 5
MAX_DELAY = timedelta(seconds=60)
SPRAY_ACCOUNTS = 10  # distinct accounts failing from one address before it is slowed


def _delay(count: int) -> timedelta:
    if count < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (count - FREE_FAILURES)), MAX_DELAY)


def _known_device(username: str, device_id: str) -> bool:
    if not device_id:
        return False
    return (AuthSession.select().join(User)
            .where((User.username == username) & (AuthSession.device_id == device_id))
            .exists())


def _wait(where: Any) -> float:
    """Seconds still to wait given the failures matching `where` in the window."""
    since = clock.now() - FAILURE_WINDOW
    rows = [r.at for r in LoginFailure.select(LoginFailure.at)
            .where(where & (LoginFailure.at > since))
            .order_by(LoginFailure.at.desc()).limit(64)]
    if not rows:
        return 0.0
    return (rows[0] + _delay(len(rows)) - clock.now()).total_seconds()


def throttle_check(username: str, address: str = "", device_id: str = "") -> None:
    """429 `auth.throttled` with Retry-After while this attempt must wait."""
    if _known_device(username, device_id):
        wait = _wait((LoginFailure.username == username)
                     & (LoginFailure.device_id == device_id))
    else:
        wait = _wait(LoginFailure.username == username)
        if address:
            since = clock.now() - FAILURE_WINDOW
            accounts = (LoginFailure.select(LoginFailure.username).distinct()
                        .where((LoginFailure.address == address) & (LoginFailure.at > since))
                        .count())
            if accounts >= SPRAY_ACCOUNTS:
                wait = max(wait, _wait(LoginFailure.address == address))
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise Problem(429, "auth.throttled", "Too many failed sign-ins",
                      f"try again in {retry} seconds", headers={"Retry-After": str(retry)})


def record_failure(username: str, address: str = "", device_id: str = "") -> None:
    with write_tx():
        LoginFailure.create(username=username, at=clock.now(), address=address[:100],
                            device_id=device_id[:200])
        # Keep the table small: failures older than a day matter to nobody.
        LoginFailure.delete().where(LoginFailure.at < clock.now() - timedelta(days=1)).execute()


def client_address(request: Any) -> str:
    """The caller's address as the platform sees it (behind a proxy: the proxy's)."""
    client = getattr(request, "client", None)
    return str(client.host) if client is not None and client.host else ""


def _disabled() -> Problem:
    return Problem(403, "auth.account_disabled", "Account disabled",
                   "this account has been disabled; ask the administrator")


def login(username: str, password: str, device_id: str, device_name: str,
          address: str = "") -> Tokens:
    throttle_check(username, address, device_id)
    user = User.get_or_none(User.username == username)
    if user is None or not user.active:
        # Same timing as a wrong password; a disabled account answers the same whatever
        # the password (no oracle for guessing the password of a disabled account).
        security.burn_password_check(password)
        ok = False
    else:
        ok = security.verify_password(password, user.password_hash)
    if user is not None and not user.active:
        raise _disabled()
    if not ok:
        record_failure(username, address, device_id)
        log.info("failed sign-in for %r", username)
        raise Problem(401, "auth.invalid_credentials", "Wrong user name or password",
                      "the user name or the password is wrong")
    assert user is not None
    with write_tx():
        LoginFailure.delete().where(LoginFailure.username == username).execute()
        # A new sign-in on the same device replaces that device's earlier session.
        AuthSession.update(revoked_at=clock.now()).where(
            (AuthSession.user == user.id)
            & (AuthSession.device_id == device_id)
            & AuthSession.revoked_at.is_null()
        ).execute()
        session = AuthSession(id=uuid.uuid4().hex, user=user.id, device_id=device_id,
                              device_name=device_name, created_at=clock.now())
        access, refresh = _issue(session)
        session.save(force_insert=True)
    log.info("user %s signed in on device %r", user.username, device_id)
    return Tokens(access, refresh, int(security.ACCESS_TOKEN_TTL.total_seconds()), user)


# Rotation (PROTOCOL "Auth", docs/protocol.md "Recovery"). The session's current refresh
# token (`refresh_hash`) and the spares are successors of the token last presented
# (`prev_refresh_hash`). That token stays valid until one successor is first used,
# however long the client stays offline: a client whose refresh answer was lost (or came
# too late) asks again with the token it still has and gets another successor, the
# earlier ones staying valid too (one of them may yet arrive). The first use of any
# successor retires the previous token and the other successors; presenting a retired
# token again is a reuse: the session is revoked (OAuth 2.0 Security BCP, 4.14.2).
MAX_SPARES = 4


def _retire(session_id: str, hashes: list[str]) -> None:
    rows = [{"token_hash": h, "session": session_id, "used_at": clock.now()}
            for h in hashes if h]
    if rows:
        UsedRefreshToken.insert_many(rows).on_conflict_ignore().execute()


def _spares(session_id: str) -> list[str]:
    return [h for (h,) in SpareRefreshToken.select(SpareRefreshToken.token_hash)
            .where(SpareRefreshToken.session_id == session_id)
            .order_by(SpareRefreshToken.issued_at).tuples()]


def _live(session: AuthSession | None,
          user: User | None = None) -> Problem | AuthSession | None:
    """The session if it may refresh, a Problem if not, None if there is none (`user`,
    when the caller has it at hand, saves looking it up)."""
    if session is None or session.revoked_at is not None:
        return None
    if session.refresh_expires_at <= clock.now():
        return Problem(401, "auth.refresh_expired", "Session expired", "sign in again")
    if not (user or User.get_by_id(session.user_id)).active:
        return _disabled()
    return session


def _grant(session: AuthSession) -> Tokens:
    access, new_refresh = _issue(session)
    session.save()
    return Tokens(access, new_refresh, int(security.ACCESS_TOKEN_TTL.total_seconds()),
                  User.get_by_id(session.user_id))


def _first_use(session: AuthSession, digest: str) -> Tokens:
    """A successor (`digest`) is used: the previous token and the other successors retire."""
    spares = _spares(session.id)
    _retire(session.id, [session.prev_refresh_hash or "",
                         *(h for h in [session.refresh_hash, *spares] if h != digest)])
    SpareRefreshToken.delete().where(SpareRefreshToken.session_id == session.id).execute()
    session.prev_refresh_hash = digest
    return _grant(session)


def _repeat(session: AuthSession) -> Tokens:
    """The token last presented, again: its answer was lost. Issue one more successor;
    the current one becomes a spare (the oldest spares beyond MAX_SPARES retire)."""
    SpareRefreshToken.insert(token_hash=session.refresh_hash, session_id=session.id,
                             issued_at=clock.now()).on_conflict_ignore().execute()
    spares = _spares(session.id)
    if len(spares) > MAX_SPARES:
        old = spares[: len(spares) - MAX_SPARES]
        SpareRefreshToken.delete().where(SpareRefreshToken.token_hash.in_(old)).execute()
        _retire(session.id, old)
    return _grant(session)


def _find(digest: str) -> tuple[str, AuthSession | None]:
    """Which role `digest` plays: "current", "spare", "previous", "retired" or "unknown"."""
    session = AuthSession.get_or_none(AuthSession.refresh_hash == digest)
    if session is not None:
        return "current", session
    spare = SpareRefreshToken.get_or_none(SpareRefreshToken.token_hash == digest)
    if spare is not None:
        return "spare", AuthSession.get_or_none(AuthSession.id == spare.session_id)
    session = AuthSession.get_or_none(AuthSession.prev_refresh_hash == digest)
    if session is not None:
        return "previous", session
    used = UsedRefreshToken.get_or_none(UsedRefreshToken.token_hash == digest)
    if used is not None:
        return "retired", AuthSession.get_or_none(AuthSession.id == used.session_id)
    return "unknown", None


def _locked_current(digest: str) -> tuple[AuthSession, User] | None:
    """The session whose current refresh token is `digest`, with its user, row-locked on
    PostgreSQL; None when `digest` is not a current token (then `_find` says what it is).

    Raw SQL and one round trip (issue 14: the morning rush is mostly refreshes, and the
    general path took up to ten statements). `FOR UPDATE` re-checks the condition after
    waiting on a concurrent refresh of the same session: if that one rotated the token,
    no row comes back and the general path sees the token's new role."""
    db = database.obj
    p = db.param
    cols = ([f"s.{c}" for c in _REFRESH_FIELDS] + [f"u.{c}" for c in _USER_FIELDS])
    sql = (f"SELECT {', '.join(cols)} FROM auth_session AS s JOIN \"user\" AS u "
           f"ON u.id = s.user_id WHERE s.refresh_hash = {p}")
    if not is_sqlite():
        sql += " FOR UPDATE OF s"
    row = db.execute_sql(sql, (digest,)).fetchone()
    if row is None:
        return None
    n = len(_REFRESH_FIELDS)
    return (_model_from_row(AuthSession, _REFRESH_FIELDS, row[:n]),
            _model_from_row(User, _USER_FIELDS, row[n:]))


def _rotate(session: AuthSession, user: User, digest: str) -> Tokens | Problem:
    """First use of the current token `digest` of a locked session: the previous token and
    any spares retire, the session gets new tokens. Four statements, no model queries."""
    live = _live(session, user)
    if live is None:
        return _unauthenticated("unknown or revoked refresh token")
    if isinstance(live, Problem):
        return live
    db = database.obj
    p = db.param
    if is_sqlite():
        spares = _spares(session.id)
        if spares:
            SpareRefreshToken.delete().where(
                SpareRefreshToken.session_id == session.id).execute()
    else:
        spares = [h for (h,) in db.execute_sql(
            f"DELETE FROM {SpareRefreshToken._meta.table_name} WHERE session_id = {p} "
            "RETURNING token_hash",
            (session.id,)).fetchall()]
    _retire(session.id, [session.prev_refresh_hash or "", *(h for h in spares if h != digest)])
    access, new_refresh = _issue(session)
    db.execute_sql(
        f"UPDATE auth_session SET access_hash = {p}, access_expires_at = {p}, "
        f"refresh_hash = {p}, refresh_expires_at = {p}, prev_refresh_hash = {p} "
        f"WHERE id = {p}",
        (session.access_hash, AuthSession.access_expires_at.db_value(session.access_expires_at),
         session.refresh_hash,
         AuthSession.refresh_expires_at.db_value(session.refresh_expires_at), digest,
         session.id))
    return Tokens(access, new_refresh, int(security.ACCESS_TOKEN_TTL.total_seconds()), user)


def refresh(refresh_token: str) -> Tokens:
    digest = security.token_hash(refresh_token)
    outcome: Problem | Tokens
    # Not the platform write lock (issue 14): a refresh publishes nothing. Refreshes of
    # one session are serialised by its row lock, then the token's role is looked up
    # again, as it may have changed while this one waited.
    with session_tx():
        # The common case first: the token last issued, used once.
        current = _locked_current(digest)
        outcome = _rotate(*current, digest) if current is not None else _refresh_other(digest)
    if isinstance(outcome, Problem):
        raise outcome
    return outcome


def _refresh_other(digest: str) -> Tokens | Problem:
    """A refresh token that is not a session's current one: a spare, the previous token
    (its answer was lost), a retired one (reuse: revoke) or nothing known."""
    role, found = _find(digest)
    if found is not None and not is_sqlite():
        lock = AuthSession.select(AuthSession.id).where(AuthSession.id == found.id)
        lock.for_update().execute()
        role, found = _find(digest)
    live = _live(found) if role != "retired" else None
    if isinstance(live, Problem):
        return live
    if live is not None and role in ("current", "spare"):
        return _first_use(live, digest)
    if live is not None and role == "previous":
        return _repeat(live)
    if role == "retired" and found is not None:
        # Commit the revocation before answering: the reuse is the alarm.
        AuthSession.update(revoked_at=clock.now()).where(
            (AuthSession.id == found.id) & AuthSession.revoked_at.is_null()).execute()
        log.warning("refresh token reused: session %s revoked", found.id)
        return Problem(401, "auth.refresh_reused", "Session revoked",
                       "this sign-in was used twice and has been revoked; sign in again")
    return _unauthenticated("unknown or revoked refresh token")


def logout(*, access_token: str | None, refresh_token: str | None) -> bool:
    """Revoke the device session named by either token (an expired access token will do)."""
    conds = []
    if access_token:
        conds.append(AuthSession.access_hash == security.token_hash(access_token))
    if refresh_token:
        conds.append(AuthSession.refresh_hash == security.token_hash(refresh_token))
    if not conds:
        return False
    cond = conds[0] if len(conds) == 1 else conds[0] | conds[1]
    with write_tx():
        n = AuthSession.update(revoked_at=clock.now()).where(
            cond & AuthSession.revoked_at.is_null()
        ).execute()
    return n > 0


_SESSION_FIELDS = ("id", "user_id", "device_id", "device_name", "access_hash",
                   "access_expires_at", "refresh_hash", "refresh_expires_at", "created_at",
                   "revoked_at")
_USER_FIELDS = ("id", "username", "display_name", "unit_id", "roles", "title", "password_hash",
                "active", "version", "updated_at")
_REFRESH_FIELDS = (*_SESSION_FIELDS, "prev_refresh_hash")


def _model_from_row(model: type, names: tuple[str, ...], values: tuple) -> Any:
    """A model instance from raw column values (converted as peewee would)."""
    fields = model._meta.columns
    return model(**{fields[n].name: fields[n].python_value(v)
                    for n, v in zip(names, values, strict=True)})


_principal_sql: dict[str, str] = {}


def _check_access(revoked_at: Any, access_expires_at: Any, active: bool) -> None:
    if revoked_at is not None:
        raise _unauthenticated("unknown or revoked access token")
    if access_expires_at <= clock.now():
        raise Problem(401, "auth.token_expired", "Access token expired",
                      "refresh the token and retry", headers={"WWW-Authenticate": "Bearer"})
    if not active:
        raise _disabled()


def principal_for_token(token: str) -> Principal:
    # Raw SQL: this runs on every request, and building the query with peewee's
    # expression layer costs several times more than executing it.
    param = database.obj.param
    sql = _principal_sql.get(param)
    if sql is None:
        cols = [f"s.{c}" for c in _SESSION_FIELDS] + [f"u.{c}" for c in _USER_FIELDS]
        sql = _principal_sql[param] = (
            f"SELECT {', '.join(cols)} FROM auth_session AS s JOIN \"user\" AS u "
            f"ON u.id = s.user_id WHERE s.access_hash = {param}"
        )
    row = execute_hot("govdesk_principal", sql, (security.token_hash(token),)).fetchone()
    if row is None:
        raise _unauthenticated("unknown or revoked access token")
    n = len(_SESSION_FIELDS)
    session = _model_from_row(AuthSession, _SESSION_FIELDS, row[:n])
    user = _model_from_row(User, _USER_FIELDS, row[n:])
    _check_access(session.revoked_at, session.access_expires_at, bool(user.active))
    return Principal(user, session)


def user_id_for_token(token: str) -> str:
    """`principal_for_token(token).user.id`, with the same checks and answers, but no
    models built (a tenth of a no-change poll's time went into building them)."""
    p = database.obj.param
    row = execute_hot(
        "govdesk_token_user",
        "SELECT s.revoked_at, s.access_expires_at, u.id, u.active FROM auth_session AS s"
        f" JOIN \"user\" AS u ON u.id = s.user_id WHERE s.access_hash = {p}",
        (security.token_hash(token),)).fetchone()
    if row is None:
        raise _unauthenticated("unknown or revoked access token")
    fields = AuthSession._meta.columns
    _check_access(fields["revoked_at"].python_value(row[0]),
                  fields["access_expires_at"].python_value(row[1]),
                  bool(User._meta.columns["active"].python_value(row[3])))
    return str(row[2])


def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
) -> Principal:
    """FastAPI dependency: the signed-in caller, or 401/403 problem.

    Sync on purpose, so FastAPI runs it in the thread pool: the lookup is one indexed
    read, but a database that is restarting or slow to connect would otherwise stall the
    event loop, and with it every other request, /healthz included (issue 12).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthenticated("missing bearer token")
    return principal_for_token(credentials.credentials)


def require_role(principal: Principal, *roles: str) -> None:
    """403 `auth.forbidden` unless the caller holds one of `roles`."""
    if not set(roles) & set(principal.user.roles or []):
        raise Problem(403, "auth.forbidden", "Not allowed",
                      f"needs one of the roles: {', '.join(roles)}")
