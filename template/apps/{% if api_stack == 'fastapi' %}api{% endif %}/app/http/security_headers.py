"""Security headers on every response (helmet's defaults, tightened for a JSON API)."""

from __future__ import annotations

JSON_API_POLICY = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI loads its script and styles from a CDN and runs one inline script.
DOCS_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)

COMMON_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def security_headers(path: str, docs_path: str) -> list[tuple[bytes, bytes]]:
    policy = DOCS_POLICY if path == docs_path else JSON_API_POLICY
    return [*COMMON_HEADERS, (b"content-security-policy", policy)]
