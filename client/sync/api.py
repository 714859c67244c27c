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

import contextlib
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol

import requests
import truststore
import urllib3
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from client import jsontext
from client.config import Settings
from client.errors import (
    AuthError,
    ConflictError,
    GovDeskError,
    NetworkError,
    ProtocolError,
)
from protocol import wire
from protocol.wire import blob_batch

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1
MAX_OPS_PER_REQUEST = wire.MAX_OPS_PER_REQUEST
USER_AGENT = "GovDesk-client/0.1"

# Bytes read per progress report while a page or a file arrives: 8 KiB is under a
# second even at 80 kbit/s, so a display fed from it never stands still for long.
PROGRESS_CHUNK = 8 * 1024

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

@dataclass(frozen=True)
class PlatformMeta:
    protocol: int
    server_version: str
    min_client_version: str
    server_time: str
    instance_id: str
    restore_epoch: int = 0
    # The platform's receipt keys, as protocol/platform_receipt.py reads them.
    platform_keys: tuple[dict[str, Any], ...] = ()


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
    instance_id: str | None = None  # None: a platform that does not say (ask /meta)
    # The platform's receipt keys, on a pull's first page (protocol/platform_receipt.py).
    platform_keys: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class OpResult:
    op_id: str
    status: str  # applied | duplicate | conflict | rejected
    code: str | None
    detail: str | None
    seq: int | None
    original_status: str | None = None  # of a `duplicate`: the first answer's status
    # Of a conflict or rejection: who, when, who holds the step now (ConflictContext).
    context: dict[str, Any] | None = None


@dataclass(frozen=True)
class ServerEvent:
    event: str
    data: str
    id: str | None


class TokenStore(Protocol):
    """Where the tokens live (the keystore). The access token is kept there too, with its
    expiry, so that a new process (each CLI sync is one) reuses a valid token instead of
    spending a round trip, and a rotation of the refresh token, on /auth/refresh."""

    def get_refresh_token(self) -> str | None: ...

    def set_refresh_token(self, token: str) -> None: ...


class AccessTokenStore(Protocol):
    def get_access_token(self) -> tuple[str, float] | None: ...  # (token, expires at, epoch s)

    def set_access_token(self, token: str | None, expires_at: float = 0.0) -> None: ...


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


# Keep-alive connections kept per platform: the concurrent file downloads
# (client.sync.blobs.FETCH_CONCURRENCY), the event stream and one for the rest.
POOL_SIZE = 6


class _Adapter(HTTPAdapter):
    """An adapter that verifies with our SSL context only (not requests' certifi).

    `share_pool_of`: use that adapter's connection pools (direct and per proxy). Adapters
    differ only in what they retry; sharing the pools means one keep-alive connection
    serves /auth, /ops and everything else, so a run pays one TLS handshake, not one per
    adapter (three, before: under loss each cost seconds).
    """

    def __init__(self, ssl_context: ssl.SSLContext, retry: Retry, pool_size: int = POOL_SIZE,
                 *, share_pool_of: _Adapter | None = None) -> None:
        self._ssl_context = ssl_context
        super().__init__(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
        if share_pool_of is not None:
            self.poolmanager = share_pool_of.poolmanager
            self.proxy_manager = share_pool_of.proxy_manager  # the same dict, shared

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


class _Retry(Retry):
    """urllib3's retries, but a 413 or 429 with Retry-After is the caller's to handle:
    urllib3 would sleep out the Retry-After inside the request (a day for the platform's
    daily upload limit), holding the sync. Only a 503 waits for its Retry-After here."""

    RETRY_AFTER_STATUS_CODES = frozenset([503])


def _retry(total: int, methods: frozenset[str]) -> Retry:
    return _Retry(
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


# --- proxies ----------------------------------------------------------------------------

PROXY_SCHEMES = ("http://", "https://")
PROXY_ENV = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass(frozen=True)
class ProxyChoice:
    url: str | None
    source: str  # "settings" | the environment variable's name | "none" | "no_proxy"


def _env(name: str, environ: Mapping[str, str]) -> str | None:
    # Lower case first, as curl and urllib do (lower-case http_proxy is the traditional one).
    for key in (name.lower(), name.upper()):
        value = environ.get(key)
        if value and value.strip():
            return value.strip()
    return None


def resolve_proxy(base_url: str, configured: str | None, *,
                  environ: Mapping[str, str] | None = None) -> ProxyChoice:
    """Which proxy reaches `base_url` (docs/deploy.md "Proxies"), first match wins:

    1. `proxy` from GovDesk's settings (flag > GOVDESK_PROXY > user > machine policy);
       the value `direct` (or `none`) means no proxy, whatever the environment says;
    2. NO_PROXY (comma-separated hosts, domain suffixes, `*`) exempts the platform's host;
    3. HTTPS_PROXY for an https platform, HTTP_PROXY for an http one;
    4. ALL_PROXY.
    """
    if configured:
        if configured.strip().lower() in ("direct", "none"):
            return ProxyChoice(None, "settings")
        return ProxyChoice(configured.strip(), "settings")
    env = os.environ if environ is None else environ
    host = (urllib.parse.urlsplit(base_url).hostname or "").lower()
    no_proxy = _env("NO_PROXY", env)
    if no_proxy and _bypassed(host, urllib.parse.urlsplit(base_url).port, no_proxy):
        return ProxyChoice(None, "NO_PROXY")
    scheme_var = "HTTPS_PROXY" if base_url.lower().startswith("https:") else "HTTP_PROXY"
    for name in (scheme_var, "ALL_PROXY"):
        value = _env(name, env)
        if value:
            return ProxyChoice(value, name)
    return ProxyChoice(None, "none")


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and port is not None and entry_port != str(port):
            continue
        name = name.lstrip("*").lstrip(".") if name.startswith(("*.", ".")) else name
        if host == name or host.endswith("." + name):
            return True
    return False


def check_proxy_url(url: str) -> None:
    """A proxy URL GovDesk can use: http:// or https:// with a host. Anything else (a
    bare host:port, socks5://) is a configuration error named as such, not a network one."""
    from client.errors import ConfigError

    low = url.lower()
    if "://" not in low:
        raise ConfigError("config.proxy_scheme", url=redact_proxy(url), scheme="none")
    parts = urllib.parse.urlsplit(url)
    if not low.startswith(PROXY_SCHEMES) or not parts.hostname:
        raise ConfigError("config.proxy_scheme", url=redact_proxy(url),
                          scheme=parts.scheme or "none")


def redact_proxy(url: str) -> str:
    """The proxy URL without its password (for messages, logs and diagnose)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


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
        return jsontext.loads(resp.content)
    except ValueError as exc:
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
    instance = body.get("instance_id")
    keys = body.get("platform_keys")
    return ChangePage(changes=body["changes"], cursor=body["cursor"], has_more=body["has_more"],
                      instance_id=instance if isinstance(instance, str) and instance else None,
                      platform_keys=tuple(k for k in keys if isinstance(k, dict))
                      if isinstance(keys, list) else ())


def parse_meta(body: Any) -> PlatformMeta:
    try:
        meta = wire.Meta.model_validate(body)
    except ValidationError as exc:
        raise _invalid("meta", exc) from None
    return PlatformMeta(protocol=meta.protocol, server_version=meta.server_version,
                        min_client_version=meta.min_client_version,
                        server_time=meta.server_time, instance_id=meta.instance_id,
                        restore_epoch=meta.restore_epoch,
                        platform_keys=tuple(k.model_dump() for k in meta.platform_keys))


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
                    original_status=r.original_status,
                    context=r.context.model_dump(exclude_none=True) if r.context else None)
           for r in answer.results]
    if sorted(r.op_id for r in out) != sorted(sent_ids):
        raise _malformed("the op results do not match the ops sent")
    return out


# --- blob batches (protocol/wire/blob_batch.py) ------------------------------------------


@dataclass(frozen=True)
class BatchItem:
    sha256: str
    status: int  # 200 | 404 | 413
    data: bytes = b""  # the blob's own bytes (decoded)
    media_type: str | None = None
    length: int = 0  # bytes it took on the wire


def _read_frames(resp: requests.Response, on_item: Callable[[BatchItem], None],
                 on_bytes: Callable[[int], None] | None) -> None:
    """Parse `header\n<length bytes>` frames as the chunks arrive."""
    import gzip

    buf = bytearray()
    header: dict[str, Any] | None = None
    for chunk in resp.iter_content(PROGRESS_CHUNK):
        if on_bytes is not None:
            on_bytes(len(chunk))
        buf += chunk
        while True:
            if header is None:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > 4096:
                        raise _malformed("blob batch: a frame header is too long")
                    break
                try:
                    header = json.loads(bytes(buf[:nl]))
                    status = int(header["status"])
                    sha = str(header["sha256"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise _malformed("blob batch: unreadable frame header") from exc
                del buf[:nl + 1]
                if status != 200:
                    on_item(BatchItem(sha, status))
                    header = None
                    continue
            length = int(header.get("length", 0))
            if len(buf) < length:
                break
            data = bytes(buf[:length])
            del buf[:length]
            if header.get("encoding") == "gzip":
                try:
                    data = gzip.decompress(data)
                except (OSError, EOFError) as exc:
                    raise _malformed("blob batch: undecodable gzip frame") from exc
            on_item(BatchItem(str(header["sha256"]), 200, data,
                              str(header.get("media_type") or "") or None, length))
            header = None
    if header is not None or buf:
        raise NetworkError("network.interrupted", detail="blob batch ended inside a frame")


# --- error translation ----------------------------------------------------------------


def _cause(text: str) -> str:
    """The innermost reason of a urllib3 error text (what the proxy or OpenSSL said), not
    the pool and retry wrapping around it."""
    if "Caused by " in text:
        text = text[text.rindex("Caused by ") + len("Caused by "):].rstrip(")")
    return text[:300]


def _proxy_failure(text: str, proxy: str | None) -> GovDeskError:
    """A ProxyError's real cause -> its own code (the five differ in what IT must fix)."""
    shown = redact_proxy(proxy) if proxy else "?"
    host = urllib.parse.urlsplit(proxy).hostname if proxy else None
    detail = _cause(text)
    if "Tunnel connection failed: 407" in text:
        return NetworkError("network.proxy_auth", proxy=shown, detail=detail)
    if "Tunnel connection failed: 403" in text:
        return NetworkError("network.proxy_forbidden", proxy=shown, detail=detail)
    tunnel = re.search(r"Tunnel connection failed: (5\d\d[^'\")]*)", text)
    if tunnel:  # the proxy's own 5xx to CONNECT: the platform beyond it did not answer
        return NetworkError("network.proxy_upstream", proxy=shown,
                            answer=tunnel.group(1).strip(), detail=detail)
    if "NameResolutionError" in text or "Failed to resolve" in text or "Name or service" in text:
        return NetworkError("network.proxy_unknown_host", proxy=shown, host=host or "?",
                            detail=detail)
    if "Connection refused" in text or "ConnectionRefused" in text:
        return NetworkError("network.proxy_refused", proxy=shown, detail=detail)
    return NetworkError("network.proxy", proxy=shown, detail=detail)


def _translate_exception(exc: BaseException, proxy: str | None = None) -> GovDeskError:
    """requests/urllib3 exceptions -> NetworkError with a code (client.messages words it)."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.ProxyError) or "Unable to connect to proxy" in text:
        return _proxy_failure(text, proxy)
    if "Hostname mismatch" in text or "IP address mismatch" in text \
            or "doesn't match" in text:
        return NetworkError("tls.wrong_host", detail=_cause(text))
    if isinstance(exc, requests.exceptions.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return NetworkError("tls.untrusted", detail=_cause(text))
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError("network.timeout", detail=f"connect: {text[:300]}")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return NetworkError("network.timeout", detail=f"read: {text[:300]}")
    if isinstance(exc, requests.exceptions.RetryError):
        return NetworkError("network.unavailable", detail=text[:300])
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return ProtocolError("protocol.malformed", detail=f"undecodable body: {text[:300]}")
    if proxy and ("ProxySchemeUnknown" in text or "SOCKS" in text):
        from client.errors import ConfigError

        return ConfigError("config.proxy_scheme", url=redact_proxy(proxy),
                           scheme=urllib.parse.urlsplit(proxy).scheme or "none")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema
                  | requests.exceptions.InvalidSchema):
        from client.errors import ConfigError

        return ConfigError("config.server_url", url=text[:200])
    if isinstance(exc, requests.exceptions.ChunkedEncodingError
                  | urllib3.exceptions.ProtocolError):
        return NetworkError("network.interrupted", detail=text[:300])
    return NetworkError("network.unreachable", detail=text[:300])


# How a proxy signs the error pages it makes itself (tinyproxy: "Server: tinyproxy/1.11";
# squid: X-Squid-Error). A 5xx page without them may be a gateway beyond the proxy (nginx
# before the platform), which is the platform's side and keeps its own code.
_PROXY_SERVERS = ("tinyproxy", "squid")


def _made_by_proxy(resp: requests.Response) -> bool:
    if "X-Squid-Error" in resp.headers:
        return True
    return resp.headers.get("Server", "").lower().startswith(_PROXY_SERVERS)


def _proxy_answer(resp: requests.Response, proxy: str | None) -> GovDeskError | None:
    """A 407, a 403 that is not the platform's (no problem document), or a proxy's own 401
    or 5xx page, from a proxy that forwards plain http (no CONNECT) -> the proxy's own code. Read
    from the status line and headers alone: a proxy may close before the body (tinyproxy
    answers 407 and resets the connection without reading the request's body)."""
    if proxy is None:
        return None
    shown = redact_proxy(proxy)
    if resp.status_code == 407:
        return NetworkError("network.proxy_auth", proxy=shown,
                            detail=resp.headers.get("Proxy-Authenticate") or "407")
    if "json" in resp.headers.get("Content-Type", ""):
        return None  # a problem document: the platform's own answer
    if resp.status_code == 403:
        return NetworkError("network.proxy_forbidden", proxy=shown, detail="403 from the proxy")
    if resp.status_code == 401 and _made_by_proxy(resp):
        # tinyproxy answers wrong credentials with its own 401 page, not 407.
        return NetworkError("network.proxy_auth", proxy=shown,
                            detail=f"401 from {resp.headers.get('Server')}")
    if resp.status_code >= 500 and _made_by_proxy(resp):
        answer = f"{resp.status_code} {resp.reason or ''}".strip()
        err = NetworkError("network.proxy_upstream", proxy=shown, answer=answer,
                           detail=f"{answer} from {resp.headers.get('Server') or 'the proxy'}")
        err.status = resp.status_code  # type: ignore[attr-defined]  # _answer_lost reads it
        return err
    return None


# A connection cut under a request (what a proxy that refuses without reading the body
# leaves behind; see PlatformApi._proxy_verdict).
_CUT_CODES = frozenset({"network.interrupted", "network.unreachable", "network.proxy"})

# Failures that happen before a request leaves this PC: nothing reached the platform.
_NOT_SENT_CODES = frozenset({"tls.untrusted", "network.proxy"})


def _answer_lost(exc: GovDeskError) -> bool:
    """After a POST was sent: did the platform possibly apply it without our hearing back?

    True for a broken or timed-out read, a truncated or garbled body, and a gateway's
    5xx page (nginx answering 502/504 after the platform may have applied the request);
    false when the connection was never made and for the platform's own answers.
    """
    detail = exc.detail or ""
    if exc.code == "network.proxy_upstream":
        # A proxy's 504 to plain http: it sent the request on and the answer timed out.
        # Its other 5xx (could not connect), and any refused CONNECT, sent nothing.
        return getattr(exc, "status", 0) == 504
    if exc.code in _NOT_SENT_CODES or exc.code.startswith("network.proxy"):
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
    code: str | None = None
    detail: str = ""
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
    # A limit (429, or 413 for the daily upload volume) says when to come back.
    retry_after = resp.headers.get("Retry-After") if status in (413, 429) else None
    if retry_after:
        params["retry_after"] = retry_after
    if code.startswith("auth.") or status == 401:
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
        from client.transport import require_secure_url

        require_secure_url(base_url)  # whatever the settings say (issue 13)
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        self._access_token: str | None = None
        self._access_expires = 0.0
        self._access_from_store = False  # kept by an earlier process (may be stale)
        self._refresh_lock = threading.Lock()
        self.requests_sent = 0  # for benchmarks and tests of request counts
        self.blob_batch_supported = True  # until the platform says 404/405 to it
        self.on_refresh: Callable[[TokenGrant], None] | None = None

        ctx = build_ssl_context(self.settings.ca_file)
        retries = max(0, self.settings.http_retries)
        session = requests.Session()
        session.trust_env = False  # no CA bundle or .netrc from the environment
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                                "Accept-Encoding": "gzip"})
        self.proxy = resolve_proxy(self.base_url, self.settings.proxy)
        # A proxy URL that cannot work is reported when the network is first used (a
        # status or logout without network must still work).
        self._proxy_problem: GovDeskError | None = None
        if self.proxy.url:
            try:
                check_proxy_url(self.proxy.url)
            except GovDeskError as exc:
                self._proxy_problem = exc
            session.proxies = {"http": self.proxy.url, "https": self.proxy.url}
        base = _Adapter(ctx, _retry(retries, IDEMPOTENT_METHODS))
        session.mount(self.base_url + "/", base)
        # POST /ops: connection failures only (urllib3 retries those for any method); a
        # read error or a 502/503 after sending is the engine's to handle (answer lost).
        session.mount(self.url("/ops"),
                      _Adapter(ctx, _retry(retries, IDEMPOTENT_METHODS), share_pool_of=base))
        # Login/refresh: a connection failure is retried (nothing was sent), nothing else.
        no_post = _retry(retries, IDEMPOTENT_METHODS)
        session.mount(self.url("/auth/"), _Adapter(ctx, no_post, share_pool_of=base))
        self.session = session
        self._load_stored_access_token()

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
        self._access_from_store = False
        # Refresh a little early so a call never starts with a token about to lapse.
        self._access_expires = time.monotonic() + max(0, expires_in - 30) if token else 0.0
        store = self._access_store()
        if store is not None:
            try:
                store.set_access_token(token, time.time() + max(0, expires_in - 30)
                                       if token else 0.0)
            except GovDeskError as exc:  # the token still works for this process
                log.info("access token not kept in the keyring: %s", exc.code)

    def _access_store(self) -> AccessTokenStore | None:
        store = self.tokens
        if store is not None and hasattr(store, "get_access_token"):
            return store  # type: ignore[return-value]
        return None

    def _load_stored_access_token(self) -> None:
        """An access token a previous process kept, while it is valid: no /auth/refresh."""
        store = self._access_store()
        if store is None:
            return
        try:
            kept = store.get_access_token()
        except GovDeskError as exc:
            log.info("no stored access token (%s)", exc.code)
            return
        if kept is None:
            return
        token, expires_at = kept
        left = expires_at - time.time()
        if left > 0:
            self._access_token = token
            self._access_expires = time.monotonic() + left
            self._access_from_store = True

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
        if self.proxy.url and self._proxy_problem is not None:
            raise self._proxy_problem
        try:
            # Streamed, so that a proxy's refusal is read from the status line before the
            # body, which a proxy may cut (see _proxy_answer); read below unless asked not.
            resp = self.session.request(method, self.url(path), params=params, data=data,
                                        headers=hdrs, stream=True,
                                        timeout=timeout or self.timeout, allow_redirects=False)
            proxy_err = _proxy_answer(resp, self.proxy.url)
            if proxy_err is not None:
                resp.close()
                log.info("%s %s refused by the proxy: %s (%s)", method, path, proxy_err.code,
                         proxy_err.detail)
                raise proxy_err
            if not stream:
                resp.content  # noqa: B018 - read now, as requests does without stream
        except requests.RequestException as exc:
            err = _translate_exception(exc, self.proxy.url)
            if data is not None and self.proxy.url and err.code in _CUT_CODES:
                err = self._proxy_verdict() or err
            log.info("%s %s failed: %s (%s)", method, path, err.code, err.detail)
            raise err from exc
        return resp

    def _proxy_verdict(self) -> GovDeskError | None:
        """A request with a body whose connection was reset, through a proxy: the proxy may
        have refused it and closed without reading the body, and the reset then discards
        its answer (tinyproxy answers 407 so). Asked again without a body, the proxy's
        verdict arrives whole: its own code, or None when it lets the request through."""
        try:
            # Short: the proxy answers at once when it refuses (this is a diagnosis).
            probe = self.session.request("GET", self.url("/meta"), stream=True,
                                         timeout=(5, 10), allow_redirects=False)
        except requests.RequestException:
            return None
        with contextlib.closing(probe):
            verdict = _proxy_answer(probe, self.proxy.url)
        if verdict is not None:
            verdict.detail = f"{verdict.detail}; the request with a body was reset"
        return verdict

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
            # A token kept by an earlier process may have been replaced since (another
            # process refreshed, or the platform revoked it): one refresh decides.
            refreshable = (err.code in ("auth.token_expired", "auth.unauthenticated")
                           or self._access_from_store)
            if not refreshable or not (self.tokens and self.tokens.get_refresh_token()):
                raise err
            self._access_from_store = False
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

    def enrol_key(self, keypair: Any, *, password: str, enrolment_code: str
                  ) -> dict[str, Any]:
        """Register this device's signing key with the second factor (issue 13): the
        password again and a one-time enrolment code; returns the platform's key object."""
        resp = self.request("POST", "/keys/enrol", json_body={
            "key_id": keypair.key_id, "algorithm": keypair.algorithm,
            "public_key": keypair.public_b64, "password": password,
            "enrolment_code": enrolment_code.strip()})
        body = _json_body(resp)
        if not isinstance(body, dict) or body.get("id") != keypair.key_id:
            raise _malformed("key enrolment answer")
        return body

    def logout(self) -> None:
        """Revoke this device's tokens on the platform (best effort for the caller)."""
        if self._access_token is None and self.tokens and self.tokens.get_refresh_token():
            self.refresh()
        resp = self._send("POST", "/auth/logout", auth=True, json_body={})
        if resp.status_code >= 400 and resp.status_code != 401:
            raise error_from_response(resp)
        self.set_access_token(None)

    def changes(self, cursor: str | None, limit: int = 500, *,
                on_bytes: Callable[[int], None] | None = None) -> ChangePage:
        """One page; `on_bytes(n)` as its (decoded) bytes arrive, so a progress display
        moves during a page that takes a minute on a slow line."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if on_bytes is None:
            resp = self.request("GET", "/changes", params=params)
            return parse_change_page(_json_body(resp))
        resp = self.request("GET", "/changes", params=params, stream=True)
        parts: list[bytes] = []
        try:
            for chunk in resp.iter_content(PROGRESS_CHUNK):
                parts.append(chunk)
                on_bytes(len(chunk))
        except requests.RequestException as exc:
            raise _translate_exception(exc) from exc
        finally:
            resp.close()
        try:
            body = jsontext.loads(b"".join(parts))
        except ValueError as exc:
            raise _malformed("the answer is not valid JSON") from exc
        return parse_change_page(body)

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
        """Start a blob download at `offset` (Range); the caller streams and closes it.

        A whole download accepts gzip (the platform compresses text bodies, not PDFs;
        requests decodes, so the bytes written are the blob's own and a cut download
        resumes at their count); a resumed one asks for raw bytes, which Range counts."""
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        else:
            headers["Accept-Encoding"] = "gzip"
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

    def blob_batch(self, shas: list[str], *, on_item: Callable[[BatchItem], None],
                   on_bytes: Callable[[int], None] | None = None) -> bool:
        """Fetch small blobs in one answer (POST /blobs/batch); `on_item` per frame, as it
        arrives. False when the platform has no batch endpoint (then GET them one by one).
        """
        if not self.blob_batch_supported:
            return False
        try:
            resp = self.request("POST", "/blobs/batch", json_body={"sha256": shas},
                                stream=True, headers={"Accept": blob_batch.MEDIA_TYPE,
                                                      "Accept-Encoding": "identity"})
        except GovDeskError as exc:
            if getattr(exc, "status", None) in (404, 405, 501):
                log.info("the platform has no blob batch endpoint: one GET per blob")
                self.blob_batch_supported = False
                return False
            raise
        try:
            _read_frames(resp, on_item, on_bytes)
        except requests.RequestException as exc:
            raise _translate_exception(exc) from exc
        finally:
            resp.close()
        return True

    def events(self, *, read_timeout: float = 90.0,
               on_open: Callable[[requests.Response], None] | None = None
               ) -> Iterator[ServerEvent]:
        """The event stream (hint only); ends or raises NetworkError when the link drops.
        `on_open` gets the response, so another thread can end a blocking read of it."""
        resp = self.request("GET", "/events", stream=True,
                            headers={"Accept": "text/event-stream",
                                     "Accept-Encoding": "identity"},
                            timeout=(self.settings.connect_timeout, read_timeout))
        if on_open is not None:
            on_open(resp)
        try:
            event, ev_id = "message", None
            data: list[str] = []
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
