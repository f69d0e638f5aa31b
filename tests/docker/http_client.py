"""HTTP(S) requests to the stack through Traefik on 127.0.0.1, with the API's host name.

The connection goes to 127.0.0.1; the Host header and TLS SNI carry the public name, as
they would from a browser that resolved it to the server.
"""

from __future__ import annotations

import ssl

import httpx

from tests.docker.edge_stack import EdgeStack


def https_get(stack: EdgeStack, path: str, roots_pem: str) -> httpx.Response:
    context = ssl.create_default_context(cadata=roots_pem)
    with httpx.Client(verify=context, timeout=10) as client:
        return client.get(
            f"https://127.0.0.1:{stack.https_port}{path}",
            headers={"Host": stack.api_host},
            extensions={"sni_hostname": stack.api_host},
        )


def http_get(stack: EdgeStack, path: str) -> httpx.Response:
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        return client.get(
            f"http://127.0.0.1:{stack.http_port}{path}", headers={"Host": stack.api_host}
        )
