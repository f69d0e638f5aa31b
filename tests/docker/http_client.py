"""HTTP(S) requests to the stack through Traefik on 127.0.0.1, with a public host name (the
API's unless told otherwise).

The connection goes to 127.0.0.1; the Host header and TLS SNI carry the public name, as
they would from a browser that resolved it to the server.
"""

from __future__ import annotations

import ssl

import httpx

from tests.docker.edge_stack import EdgeStack


def https_get(
    stack: EdgeStack, path: str, roots_pem: str, host: str | None = None
) -> httpx.Response:
    host = host or stack.api_host
    context = ssl.create_default_context(cadata=roots_pem)
    with httpx.Client(verify=context, timeout=10) as client:
        return client.get(
            f"https://127.0.0.1:{stack.https_port}{path}",
            headers={"Host": host},
            extensions={"sni_hostname": host},
        )


def http_get(stack: EdgeStack, path: str, host: str | None = None) -> httpx.Response:
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        return client.get(
            f"http://127.0.0.1:{stack.http_port}{path}", headers={"Host": host or stack.api_host}
        )
