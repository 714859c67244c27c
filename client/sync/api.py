"""HTTP client of the county platform (PROTOCOL.md), over one requests.Session.

Everything the network or the platform can do wrong is translated here, once:
- connection refused/reset, DNS, timeouts      -> NetworkError("network.*")
- certificate not trusted                       -> NetworkError("tls.untrusted")
- problem+json answers                          -> GovDeskError subclass with the platform's code
- a success answer that is not what PROTOCOL says -> ProtocolError("protocol.malformed")
Every call has a timeout (connect 5 s, read 30 s by default). urllib3 retries with
backoff only what is safe to repeat: GET and PUT of a content-addressed blob. A POST
(/ops, login, refresh) is retried by urllib3 only when the connection could not be made
(nothing was sent); once sent, repeating it is the sync engine's decision: a POST /ops
whose answer is lost raises `network.answer_lost` ("sent, no answer yet"), the ops stay
"sent", and the next sync replays them (the platform answers `duplicate` with the first
verdict).
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

import requests
import truststore
import urllib3
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from client.config import Settings
from client.errors import (
    AuthError,
    ConflictError,
    GovDeskError,
    NetworkError,
    ProtocolError,
)
from protocol import wire

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1
MAX_OPS_PER_REQUEST = wire.MAX_OPS_PER_REQUEST
USER_AGENT = "GovDesk-client/0.1"

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

@dataclass(frozen=True)
class PlatformMeta:
    protocol: int
    server_version: str
    min_client_version: str
    server_time: str
    instance_id: str
    restore_epoch: int = 0


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    display_name: str
    unit_id: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserInfo


@dataclass(frozen=True)
class ChangePage:
    changes: list[dict[str, Any]]
    cursor: str
    has_more: bool


@dataclass(frozen=True)
class OpResult:
    op_id: str
    status: str  # applied | duplicate | conflict | rejected
    code: str | None
    detail: str | None
    seq: int | None
    original_status: str | None = None  # of a `duplicate`: the first answer's status


@dataclass(frozen=True)
class ServerEvent:
    event: str
    data: str
    id: str | None


class TokenStore(Protocol):
    """Where the refresh token lives (the keystore); the access token stays in memory."""

    def get_refresh_token(self) -> str | None: ...

    def set_refresh_token(self, token: str) -> None: ...


# --- TLS ------------------------------------------------------------------------------


def build_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """Trust the operating system's store (truststore) plus the county's own CA file."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            from client.errors import ConfigError

            raise ConfigError("config.ca_file", path=ca_file, reason=str(exc)) from exc
    return ctx


class _Adapter(HTTPAdapter):
    """An adapter that verifies with our SSL context only (not requests' certifi)."""

    def __init__(self, ssl_context: ssl.SSLContext, retry: Retry, pool_size: int = 4) -> None:
        self._ssl_context = ssl_context
        super().__init__(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._ssl_context
        return super().proxy_manager_for(proxy, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None  # our context already holds the trusted roots
        else:
            conn.cert_reqs = "CERT_NONE"
            conn.ca_certs = None


def _retry(total: int, methods: frozenset[str]) -> Retry:
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        backoff_factor=0.3,
        backoff_max=10,
        status_forcelist=(502, 503, 504),
        allowed_methods=methods,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


# --- parsing (protocol.wire) --------------------------------------------------------------


def _malformed(what: str) -> ProtocolError:
    return ProtocolError("protocol.malformed", detail=what)


def _invalid(where: str, exc: ValidationError) -> ProtocolError:
    """A success answer that fails its wire schema: where it failed, pydantic's why."""
    first = exc.errors(include_url=False, include_input=False)[0]
    loc = ".".join(str(part) for part in first["loc"])
    return _malformed(f"{where} {loc}: {first['msg']}".strip())


def _json_body(resp: requests.Response) -> Any:
    try:
        return json.loads(resp.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed("the answer is not valid JSON") from exc
    except requests.RequestException as exc:
        raise _translate_exception(exc) from exc


def parse_change_page(body: Any) -> ChangePage:
    """The page envelope and each change's header; the objects are checked when applied
    (client.sync.parse), once."""
    try:
        wire.PageEnvelope.model_validate(body)
    except ValidationError as exc:
        raise _invalid("changes answer", exc) from None
    return ChangePage(changes=body["changes"], cursor=body["cursor"], has_more=body["has_more"])


def parse_meta(body: Any) -> PlatformMeta:
    try:
        meta = wire.Meta.model_validate(body)
    except ValidationError as exc:
        raise _invalid("meta", exc) from None
    return PlatformMeta(protocol=meta.protocol, server_version=meta.server_version,
                        min_client_version=meta.min_client_version,
                        server_time=meta.server_time, instance_id=meta.instance_id,
                        restore_epoch=meta.restore_epoch)


def parse_grant(body: Any) -> TokenGrant:
    try:
        grant = wire.TokenGrant.model_validate(body)
    except ValidationError as exc:
        raise _invalid("login answer", exc) from None
    user = grant.user
    return TokenGrant(
        access_token=grant.access_token, refresh_token=grant.refresh_token,
        expires_in=int(grant.expires_in),
        user=UserInfo(id=user.id, username=user.username, display_name=user.display_name,
                      unit_id=user.unit_id, roles=tuple(user.roles)),
    )


def parse_op_results(body: Any, sent_ids: list[str]) -> list[OpResult]:
    try:
        answer = wire.OpsResponse.model_validate(body)
    except ValidationError as exc:
        raise _invalid("ops answer", exc) from None
    out = [OpResult(op_id=r.op_id, status=r.status, code=r.code, detail=r.detail, seq=r.seq,
                    original_status=r.original_status)
           for r in answer.results]
    if sorted(r.op_id for r in out) != sorted(sent_ids):
        raise _malformed("the op results do not match the ops sent")
    return out


# --- error translation ----------------------------------------------------------------


def _translate_exception(exc: BaseException) -> GovDeskError:
    """requests/urllib3 exceptions -> NetworkError with a code (client.messages words it)."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return NetworkError("tls.untrusted", detail=text[:300])
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError("network.timeout", detail=f"connect: {text[:300]}")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return NetworkError("network.timeout", detail=f"read: {text[:300]}")
    if isinstance(exc, requests.exceptions.RetryError):
        return NetworkError("network.unavailable", detail=text[:300])
    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError("network.proxy", detail=text[:300])
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return ProtocolError("protocol.malformed", detail=f"undecodable body: {text[:300]}")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema):
        from client.errors import ConfigError

        return ConfigError("config.server_url", url=text[:200])
    if isinstance(exc, requests.exceptions.ChunkedEncodingError
                  | urllib3.exceptions.ProtocolError):
        return NetworkError("network.interrupted", detail=text[:300])
    return NetworkError("network.unreachable", detail=text[:300])


# Failures that happen before a request leaves this PC: nothing reached the platform.
_NOT_SENT_CODES = frozenset({"tls.untrusted", "network.proxy"})


def _answer_lost(exc: GovDeskError) -> bool:
    """After a POST was sent: did the platform possibly apply it without our hearing back?

    True for a broken or timed-out read, a truncated or garbled body, and a gateway's
    5xx page (nginx answering 502/504 after the platform may have applied the request);
    false when the connection was never made and for the platform's own answers.
    """
    detail = exc.detail or ""
    if exc.code in _NOT_SENT_CODES:
        return False
    if exc.code == "network.timeout":
        return not detail.startswith("connect:")
    if exc.code == "network.unreachable":
        # Connection refused / DNS: urllib3 says so (NewConnectionError); a reset of a
        # sent request comes as "Connection aborted".
        return "Connection aborted" in detail or "RemoteDisconnected" in detail
    if exc.code in ("network.interrupted", "protocol.malformed"):
        return True
    return exc.code == "server.unavailable" and getattr(exc, "status", 0) in (502, 504)


def error_from_response(resp: requests.Response) -> GovDeskError:
    """A non-2xx answer -> the matching GovDeskError (code from the problem document)."""
    status = resp.status_code
    code = None
    detail = ""
    ctype = resp.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            body = json.loads(resp.content)
            if isinstance(body, dict):
                code = body.get("code") if isinstance(body.get("code"), str) else None
                detail = body.get("detail") if isinstance(body.get("detail"), str) else ""
        except (ValueError, UnicodeDecodeError, requests.RequestException):
            pass
    if code is None:
        if status >= 500:
            err: GovDeskError = NetworkError("server.unavailable", status=status)
            err.status = status  # type: ignore[attr-defined]
            return err
        code = f"http.{status}"
    params: dict[str, Any] = {"status": status}
    if code.startswith("auth.") or status == 401:
        retry_after = resp.headers.get("Retry-After") if status == 429 else None
        if retry_after:
            params["retry_after"] = retry_after
        err = AuthError(code, detail=detail or None, **params)
    elif status in (409, 410):
        err = ConflictError(code, detail=detail or None, **params)
    elif status >= 500 or status == 429:
        err = NetworkError(code, detail=detail or None, **params)
    elif status in (400, 422):
        err = ProtocolError(code, detail=detail or None, **params)
    else:
        err = GovDeskError(code, detail=detail or None, **params)
    err.status = status  # type: ignore[attr-defined]
    return err


# --- the client ---------------------------------------------------------------------------


class PlatformApi:
    """One platform, one session, one access token (memory only)."""

    def __init__(self, base_url: str, settings: Settings | None = None, *,
                 tokens: TokenStore | None = None) -> None:
        from client.config import Settings as _Settings

        self.settings = settings or _Settings()
        if not base_url or "://" not in base_url:
            from client.errors import ConfigError

            raise ConfigError("config.server_url", url=repr(base_url))
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        self._access_token: str | None = None
        self._access_expires = 0.0
        self._refresh_lock = threading.Lock()
        self.requests_sent = 0  # for benchmarks and tests of request counts
        self.on_refresh: Callable[[TokenGrant], None] | None = None

        ctx = build_ssl_context(self.settings.ca_file)
        retries = max(0, self.settings.http_retries)
        session = requests.Session()
        session.trust_env = False  # proxies and CAs come from our settings only
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                "Accept-Encoding": "gzip"})
        if self.settings.proxy:
            session.proxies = {"http": self.settings.proxy, "https": self.settings.proxy}
        session.mount(self.base_url + "/", _Adapter(ctx, _retry(retries, IDEMPOTENT_METHODS)))
        # POST /ops: connection failures only (urllib3 retries those for any method); a
        # read error or a 502/503 after sending is the engine's to handle (answer lost).
        session.mount(self.url("/ops"), _Adapter(ctx, _retry(retries, IDEMPOTENT_METHODS)))
        # Login/refresh: a connection failure is retried (nothing was sent), nothing else.
        no_post = _retry(retries, IDEMPOTENT_METHODS)
        session.mount(self.url("/auth/"), _Adapter(ctx, no_post))
        self.session = session

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def close(self) -> None:
        self.session.close()

    # --- tokens ---------------------------------------------------------------------------
    @property
    def has_access_token(self) -> bool:
        return self._access_token is not None

    def set_access_token(self, token: str | None, expires_in: int = 0) -> None:
        self._access_token = token
        # Refresh a little early so a call never starts with a token about to lapse.
        self._access_expires = time.monotonic() + max(0, expires_in - 30) if token else 0.0

    def _grant(self, grant: TokenGrant) -> None:
        # The refresh token goes to the keyring before anything else can fail.
        if self.tokens is not None:
            self.tokens.set_refresh_token(grant.refresh_token)
        self.set_access_token(grant.access_token, grant.expires_in)
        if self.on_refresh is not None:
            self.on_refresh(grant)

    def refresh(self, *, stale_token: str | None = None) -> TokenGrant | None:
        """Exchange the stored refresh token for new tokens (single-flight across threads).

        Returns None when another thread refreshed while we waited.
        """
        with self._refresh_lock:
            if stale_token is not None and self._access_token not in (None, stale_token):
                return None
            refresh_token = self.tokens.get_refresh_token() if self.tokens else None
            if not refresh_token:
                raise AuthError("auth.required", detail="no refresh token saved on this PC")
            resp = self._send("POST", "/auth/refresh", json_body={"refresh_token": refresh_token},
                              auth=False)
            if resp.status_code >= 400:
                raise error_from_response(resp)
            grant = parse_grant(_json_body(resp))
            self._grant(grant)
            return grant

    # --- transport ------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, json_body: Any = None, params: Any = None,
              data: Any = None, headers: dict[str, str] | None = None, auth: bool = True,
              stream: bool = False, timeout: Any = None) -> requests.Response:
        hdrs = dict(headers or {})
        if auth and self._access_token:
            hdrs["Authorization"] = f"Bearer {self._access_token}"
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            hdrs["Content-Type"] = "application/json"
        self.requests_sent += 1
        try:
            return self.session.request(method, self.url(path), params=params, data=data,
                                        headers=hdrs, stream=stream,
                                        timeout=timeout or self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise _translate_exception(exc) from exc

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any
                ) -> requests.Response:
        """Send with the access token; refresh once on 401 and retry.

        Not only on auth.token_expired: a refresh request that reached the platform late
        (after a quicker one) rotates the access token we hold away, which then reads
        auth.unauthenticated; the refresh token is still good (the platform keeps it
        valid until a successor is used), so one refresh recovers. A revoked session
        fails that refresh, and its error is raised."""
        if auth and (self._access_token is None or time.monotonic() >= self._access_expires):
            self.refresh(stale_token=self._access_token)
        token = self._access_token
        resp = self._send(method, path, auth=auth, **kwargs)
        if auth and resp.status_code == 401:
            err = error_from_response(resp)
            if err.code not in ("auth.token_expired", "auth.unauthenticated") or not (
                    self.tokens and self.tokens.get_refresh_token()):
                raise err
            resp.close()
            self.refresh(stale_token=token)
            resp = self._send(method, path, auth=auth, **kwargs)
        if resp.status_code >= 400:
            err = error_from_response(resp)
            resp.close()
            raise err
        return resp

    # --- endpoints ------------------------------------------------------------------------
    def meta(self, *, timeout: float | None = None) -> PlatformMeta:
        """`timeout` (seconds, connect and read): a short bound for a link probe."""
        resp = self._send("GET", "/meta", auth=False,
                          timeout=(timeout, timeout) if timeout else None)
        if resp.status_code >= 400:
            raise error_from_response(resp)
        meta = parse_meta(_json_body(resp))
        if meta.protocol != PROTOCOL_VERSION:
            raise ProtocolError("protocol.version", server=meta.protocol,
                                client=PROTOCOL_VERSION)
        return meta

    def login(self, username: str, password: str, *, device_id: str, device_name: str
              ) -> TokenGrant:
        resp = self._send("POST", "/auth/login", auth=False, json_body={
            "username": username, "password": password,
            "device_id": device_id, "device_name": device_name})
        if resp.status_code >= 400:
            raise error_from_response(resp)
        grant = parse_grant(_json_body(resp))
        self._grant(grant)
        return grant

    def logout(self) -> None:
        """Revoke this device's tokens on the platform (best effort for the caller)."""
        if self._access_token is None and self.tokens and self.tokens.get_refresh_token():
            self.refresh()
        resp = self._send("POST", "/auth/logout", auth=True, json_body={})
        if resp.status_code >= 400 and resp.status_code != 401:
            raise error_from_response(resp)
        self.set_access_token(None)

    def changes(self, cursor: str | None, limit: int = 500) -> ChangePage:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        resp = self.request("GET", "/changes", params=params)
        return parse_change_page(_json_body(resp))

    def post_ops(self, ops: list[dict[str, Any]]) -> list[OpResult]:
        if not ops or len(ops) > MAX_OPS_PER_REQUEST:
            raise ValueError(f"post_ops takes 1..{MAX_OPS_PER_REQUEST} ops")
        try:
            resp = self.request("POST", "/ops", json_body={"ops": ops})
            return parse_op_results(_json_body(resp), [op["op_id"] for op in ops])
        except GovDeskError as exc:
            if _answer_lost(exc):
                raise NetworkError("network.answer_lost",
                                   detail=f"{exc.code}: {exc.detail or ''}"[:300]) from exc
            raise

    def put_blob(self, sha256: str, data: bytes, media_type: str = "application/octet-stream"
                 ) -> None:
        resp = self.request("PUT", f"/blobs/{sha256}", data=data,
                            headers={"Content-Type": media_type})
        resp.close()

    def open_blob(self, sha256: str, *, offset: int = 0) -> requests.Response:
        """Start a blob download at `offset` (Range); the caller streams and closes it."""
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        return self.request("GET", f"/blobs/{sha256}", headers=headers, stream=True)

    def download_blob(self, sha256: str, out: IO[bytes], *, offset: int = 0,
                      chunk_size: int = 256 * 1024,
                      on_chunk: Callable[[int], None] | None = None) -> int:
        """Write the blob from `offset` into `out` (positioned at `offset`); return bytes written.

        A 200 answer to a Range request means the platform sent the whole blob: `out`
        is truncated and rewritten from 0.
        """
        resp = self.open_blob(sha256, offset=offset)
        written = 0
        try:
            if offset and resp.status_code == 200:
                out.seek(0)
                out.truncate()
            elif offset and resp.status_code == 206:
                content_range = resp.headers.get("Content-Range", "")
                if not content_range.startswith(f"bytes {offset}-"):
                    raise _malformed(f"Content-Range does not match the request: {content_range!r}")
            try:
                for chunk in resp.iter_content(chunk_size):
                    out.write(chunk)
                    written += len(chunk)
                    if on_chunk is not None:
                        on_chunk(len(chunk))
            except requests.RequestException as exc:
                raise _translate_exception(exc) from exc
        finally:
            resp.close()
        return written

    def events(self, *, read_timeout: float = 90.0) -> Iterator[ServerEvent]:
        """The event stream (hint only); ends or raises NetworkError when the link drops."""
        resp = self.request("GET", "/events", stream=True,
                            headers={"Accept": "text/event-stream",
                                     "Accept-Encoding": "identity"},
                            timeout=(self.settings.connect_timeout, read_timeout))
        try:
            event, data, ev_id = "message", [], None
            for raw in resp.iter_lines(decode_unicode=False):
                line = raw.decode("utf-8", errors="replace")
                if not line:
                    if data:
                        yield ServerEvent(event=event, data="\n".join(data), id=ev_id)
                    event, data = "message", []
                    continue
                if line.startswith(":"):
                    continue  # keep-alive comment
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                elif name == "id":
                    ev_id = value
        except requests.RequestException as exc:
            raise _translate_exception(exc) from exc
        finally:
            resp.close()
