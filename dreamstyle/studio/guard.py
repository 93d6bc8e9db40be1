"""What the studio refuses before any handler runs, and the headers every answer carries.

The studio listens on loopback, but the artist's browser also visits other sites, and any of their pages may
send requests to it: forms, ``no-cors`` fetches, images, frames. The browser then sends the studio's own Host
(and its cookies, unless they are SameSite), so the Host check alone stops only DNS rebinding. So:

- a request for another Host, or without the token where one is set, is refused;
- a request that changes anything (POST, PUT, PATCH, DELETE) must carry the per-server secret in a header,
  which only the studio's own page knows (it is in the page, which no other origin can read) and which a
  form or a ``no-cors`` fetch cannot set; its ``Origin`` and ``Sec-Fetch-Site``, where the browser sends
  them, must say it came from the studio's own origin;
- an ``/api/`` read from another origin's page (an ``<img>``, a script tag, an ``EventSource``) is refused,
  so no other page can show or time the artist's files;
- every answer forbids framing, type sniffing and inline script (Content-Security-Policy).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

SECRET_HEADER = "X-Dreamstyle-Secret"
TOKEN_COOKIE = "dreamstyle_token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Sec-Fetch-Site values of requests the studio's own page makes ("none": the artist typed the address).
OWN_FETCHES = frozenset({"same-origin", "none"})

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "media-src 'self' blob:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def new_secret() -> str:
    """A per-server secret for :class:`Guard`: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def _same(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time (any text, not only ASCII)."""
    return given is not None and secrets.compare_digest(given.encode("utf-8", "surrogatepass"),
                                                        expected.encode("utf-8"))


@dataclass(frozen=True)
class Guard:
    """The studio's rules for a request.

    Attributes:
        secret: what the page sends in :data:`SECRET_HEADER` with every request that changes something.
        token: when set, every request must carry it (``?token=`` once; the page then keeps it as a cookie).
        hosts: when set, the only Host headers answered.
    """

    secret: str
    token: str | None = None
    hosts: tuple[str, ...] | None = None

    def refusal(self, method: str, path: str, headers: Mapping[str, str], query: str = "") -> str | None:
        """Why a request is refused, in one line, or None to answer it.

        Args:
            method: the HTTP method.
            path: the URL's path.
            headers: its headers (names in any case, as a case-insensitive mapping gives them).
            query: the URL's query string.
        """
        host = headers.get("host", "")
        if self.hosts is not None and host not in self.hosts:
            return f"this studio answers only at {', '.join(self.hosts)}"
        if self.token and not _same(self._token_of(headers, query), self.token):
            return "this studio needs its token: open the address it printed, with ?token="
        site = headers.get("sec-fetch-site")
        if method.upper() in STATE_CHANGING:
            origin = headers.get("origin")
            if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
                return f"a request from {origin} may not change anything in this studio"
            if site is not None and site != "same-origin":
                return f"a {site} request may not change anything in this studio"
            if not _same(headers.get(SECRET_HEADER.lower()), self.secret):
                return f"the studio's own page sends {SECRET_HEADER} with every change; this request did not"
        elif path.startswith("/api/") and site is not None and site not in OWN_FETCHES:
            return f"the studio's data is for its own page, not a {site} request"
        return None

    @staticmethod
    def _token_of(headers: Mapping[str, str], query: str) -> str | None:
        given = parse_qs(query).get("token")
        if given:
            return given[0]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is no token
            return None
        return cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else None


class GuardMiddleware:
    """ASGI middleware: refuses with a 403 (one line of JSON) what :meth:`Guard.refusal` refuses, and adds
    :data:`SECURITY_HEADERS` to every answer."""

    def __init__(self, app, guard: Guard):
        self.app, self.guard = app, guard

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        query = scope.get("query_string", b"").decode("latin-1")
        reason = self.guard.refusal(scope["method"], scope["path"], Headers(scope=scope), query)
        if reason is not None:
            await JSONResponse({"error": reason}, status_code=403)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
