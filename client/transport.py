"""Which platform addresses the client may talk to (issue 13, High 2).

PROTOCOL allows plain HTTP on loopback only: over any network a password, a token or
a document would travel in clear. `require_secure_url` is called by `PlatformApi`,
the one door to the platform, so no setting, policy file, environment variable or
command-line option can turn it off.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from client.errors import ConfigError


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str) -> None:
    """ConfigError `config.insecure_http` for http:// to anything but this PC;
    `config.server_url` for a scheme other than http/https."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return
    if scheme == "http" and parts.hostname:
        if is_loopback_host(parts.hostname):
            return
        raise ConfigError("config.insecure_http", url=f"http://{parts.netloc}")
    raise ConfigError("config.server_url", url=repr(url))
