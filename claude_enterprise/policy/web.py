"""URLs and domains: may the session reach this host?

A host is allowed when it equals an allowed domain or is a subdomain of one. Everything a naive string
check gets wrong is refused outright: IP literals in any notation (`2130706433`, `0x7f.1`, `[::1]`),
user-info (`https://github.com@evil.example`), backslashes, control characters, non-ASCII hosts and any
scheme but http(s).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_URL_IN_TEXT = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
_SCP_LIKE = re.compile(r"(?:[^@/\s]+@)?([^:/\s]+):(?!//)")
_SHORTHAND_HOSTS = {
    "github": "github.com",
    "gitlab": "gitlab.com",
    "bitbucket": "bitbucket.org",
    "gist": "gist.github.com",
}


def normalize_domain(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def is_ip_literal(host: str) -> bool:
    """IPv6 or any IPv4 spelling a resolver accepts (dotted, integer, hex, octal, shortened)."""
    if ":" in host or host.startswith("["):
        return True
    labels = host.split(".")
    return all(_NUMERIC_LABEL.fullmatch(label) for label in labels if label) and any(labels)


def domain_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = normalize_domain(host)
    for domain in allowed:
        domain = normalize_domain(domain)
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def url_problem(url: object, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    """None when `url` is an http(s) URL to an allowed host; else (rule id, what is wrong)."""
    if not isinstance(url, str) or not url.strip():
        return "web.invalid_url", "the URL is missing"
    if any(ch in url for ch in "\\\t\r\n ") or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "web.invalid_url", "the URL contains backslashes, spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "web.invalid_url", "the URL cannot be parsed"
    if parts.scheme.lower() not in ("http", "https"):
        return "web.scheme_not_allowed", f"only http and https URLs may be fetched, not `{parts.scheme}:`"
    if "@" in parts.netloc:
        return "web.userinfo", "URLs with a user name or password before the host are not allowed"
    host = (parts.hostname or "").rstrip(".")
    del port
    if not host:
        return "web.invalid_url", "the URL has no host"
    if is_ip_literal(host):
        return "web.ip_literal", "IP addresses are not allowed; use the site's domain name"
    if not host.isascii() or not _HOSTNAME.fullmatch(host):
        return "web.invalid_host", f"the host `{host}` is not a plain domain name"
    if not domain_allowed(host, allowed):
        return "web.domain_not_allowed", f"`{host}` is not an allowed domain"
    return None


def hosts_in_argument(arg: str, *, shorthand: bool = False) -> list[str | None]:
    """Hosts a package or repository argument refers to (URLs, `git@host:path`, `github:user/repo`).
    None stands for a reference whose host cannot be determined safely."""
    hosts: list[str | None] = []
    for match in _URL_IN_TEXT.finditer(arg):
        try:
            host = urlsplit(match.group(0)).hostname
        except ValueError:
            host = None
        hosts.append(None if not host or is_ip_literal(host) else host)
    if hosts:
        return hosts
    scheme = arg.split(":", 1)[0].lower() if ":" in arg else ""
    if scheme in _SHORTHAND_HOSTS and shorthand:
        return [_SHORTHAND_HOSTS[scheme]]
    scp = _SCP_LIKE.match(arg)
    if scp and "@" in arg.split(":", 1)[0]:
        host = scp.group(1)
        return [None if is_ip_literal(host) else host]
    if shorthand and re.fullmatch(r"[\w.-]+/[\w.-]+(#\S*)?", arg) and not arg.startswith("."):
        return ["github.com"]  # npm's `user/repo` shorthand
    return []
