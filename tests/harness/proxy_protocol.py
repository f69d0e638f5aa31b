"""Requests as a load balancer forwards them with the PROXY protocol (version 1, the text
form Hetzner's load balancer sends): the connection opens with a line naming the client's
address and port, then carries the client's bytes unchanged."""

from __future__ import annotations

import http.client
import ipaddress

TIMEOUT = 10


def proxy_header(client: str, client_port: int = 40000, port: int = 443) -> bytes:
    """The PROXY line for a TCP connection from `client` to the balancer's `port`."""
    if ipaddress.ip_address(client).version == 6:
        return f"PROXY TCP6 {client} 2001:db8::443 {client_port} {port}\r\n".encode()
    return f"PROXY TCP4 {client} 192.0.2.1 {client_port} {port}\r\n".encode()


class ForwardedConnection(http.client.HTTPConnection):
    """An HTTP connection to `host:port` from the local `source` address that first says,
    as a load balancer would, that it carries `client`'s connection."""

    def __init__(self, host: str, port: int, source: str, client: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT, source_address=(source, 0))
        self.client = client

    def connect(self) -> None:
        super().connect()
        self.sock.sendall(proxy_header(self.client))


def get(edge: str, path: str, source: str, client: str, headers: dict[str, str]) -> tuple[int, str]:
    """GET `path` from `edge` (host:port) over a new forwarded connection: status and body.
    A connection Traefik closes without an answer is status 0."""
    host, port = edge.rsplit(":", 1)
    connection = ForwardedConnection(host, int(port), source, client)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except (http.client.HTTPException, ConnectionError) as error:
        return 0, repr(error)
    finally:
        connection.close()
