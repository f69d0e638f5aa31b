"""Bodies of 1 KiB and more are gzip-compressed for clients that accept it."""

from __future__ import annotations

import httpx

from tests.harness.http import show


def test_large_bodies_are_gzipped(client: httpx.Client) -> None:
    response = client.get("openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, show(response)
    assert len(response.content) >= 1024, "the OpenAPI document should be larger than 1 KiB"
    assert response.headers.get("content-encoding") == "gzip", show(response)
    response.json()  # httpx decompressed it: the bytes really were gzip


def test_no_compression_unless_accepted(client: httpx.Client) -> None:
    response = client.get("openapi.json", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, show(response)
    assert response.headers.get("content-encoding") in (None, "identity"), show(response)
