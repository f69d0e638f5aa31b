"""A local ACME CA for Traefik: Debian's Pebble, with pebble-challtestsrv as its DNS server.

Both run on the host. challtestsrv answers every A query with 127.0.0.1, so Pebble's
HTTP-01 validation of the API host reaches Traefik's port 80, published on 127.0.0.1 at
`http_port`. Traefik, in a container, reaches Pebble through the host gateway under the name
`pebble`, which Pebble's own TLS certificate (made here with openssl) is valid for.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.docker.engine import run
from tests.harness.ports import free_ports

PEBBLE_HOST_NAME = "pebble"


@dataclass(frozen=True)
class AcmeCa:
    directory_url: str  # as Traefik, inside its container, reaches it
    tls_ca_file: Path  # the CA of Pebble's own HTTPS listener (for LEGO_CA_CERTIFICATES)
    management_url: str  # on the host: the roots Pebble issues under

    def issuing_roots_pem(self) -> str:
        """Pebble's issuing root and intermediate (new on every start), as PEM."""
        context = ssl.create_default_context(cafile=str(self.tls_ca_file))
        context.check_hostname = False
        pems = []
        for path in ("roots/0", "intermediates/0"):
            with urllib.request.urlopen(f"{self.management_url}/{path}", context=context) as r:
                pems.append(r.read().decode())
        return "\n".join(pems)


def make_tls_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for Pebble's HTTPS listener: (ca, cert, key)."""
    ca_key, ca = directory / "ca.key", directory / "ca.pem"
    key, csr, cert = directory / "pebble.key", directory / "pebble.csr", directory / "pebble.pem"
    new_p256_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run(["openssl", "req", "-x509", *new_p256_key, "-days", "2",
         "-subj", "/CN=shipshape test ACME CA TLS",
         "-keyout", str(ca_key), "-out", str(ca)])  # fmt: skip
    run(["openssl", "req", *new_p256_key, "-subj", f"/CN={PEBBLE_HOST_NAME}",
         "-keyout", str(key), "-out", str(csr)])  # fmt: skip
    extensions = directory / "san.ext"
    extensions.write_text(f"subjectAltName=DNS:{PEBBLE_HOST_NAME},DNS:localhost,IP:127.0.0.1\n")
    run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
         "-CAcreateserial", "-days", "2", "-extfile", str(extensions),
         "-out", str(cert)])  # fmt: skip
    return ca, cert, key


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited early:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"port {port} never opened:\n{log.read_text()}")


@dataclass
class PebbleProcesses:
    dns: subprocess.Popen[bytes]
    pebble: subprocess.Popen[bytes]
    acme_port: int
    management_port: int

    def stop(self) -> None:
        for process in (self.pebble, self.dns):
            process.terminate()
            process.wait(timeout=10)


def start_pebble(
    directory: Path, http_port: int, tls_port: int, cert: Path, key: Path
) -> PebbleProcesses:
    """Pebble and pebble-challtestsrv on fresh ports, Pebble answering when this returns."""
    ports = [p for p in free_ports(6) if p not in {http_port, tls_port}]
    dns_port, acme_port, management_port, dns_management_port = ports[:4]
    config = directory / "pebble-config.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    # All addresses: Traefik connects from a container through the gateway.
                    "listenAddress": f"0.0.0.0:{acme_port}",
                    "managementListenAddress": f"127.0.0.1:{management_port}",
                    "certificate": str(cert),
                    "privateKey": str(key),
                    # Where validation connects: Traefik's published ports on 127.0.0.1.
                    "httpPort": http_port,
                    "tlsPort": tls_port,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    challtestsrv_log, pebble_log = directory / "challtestsrv.log", directory / "pebble.log"
    with challtestsrv_log.open("wb") as dns_out, pebble_log.open("wb") as pebble_out:
        dns = subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{dns_port}", "-http01", "",
             "-https01", "", "-tlsalpn01", "", "-management", f"127.0.0.1:{dns_management_port}",
             "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
            stdout=dns_out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        # No sleeps between validation attempts, no nonces rejected at random.
        pebble_env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        pebble = subprocess.Popen(
            ["pebble", "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"],
            stdout=pebble_out, stderr=subprocess.STDOUT, env=pebble_env,
        )  # fmt: skip
    processes = PebbleProcesses(dns, pebble, acme_port, management_port)
    try:
        wait_for_port(acme_port, pebble, pebble_log)
    except AssertionError:
        processes.stop()
        raise
    return processes


@contextmanager
def running_acme_ca(directory: Path, http_port: int, tls_port: int) -> Iterator[AcmeCa]:
    """Pebble and its DNS server as host processes, for as long as the context lasts."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, cert, key = make_tls_certificate(directory)
    for attempt in range(3):
        try:
            processes = start_pebble(directory, http_port, tls_port, cert, key)
            break
        except AssertionError as error:
            # Another program took a port between the pick and the bind: pick again.
            if "address already in use" not in str(error) or attempt == 2:
                raise
    try:
        yield AcmeCa(
            directory_url=f"https://{PEBBLE_HOST_NAME}:{processes.acme_port}/dir",
            tls_ca_file=ca,
            management_url=f"https://127.0.0.1:{processes.management_port}",
        )
    finally:
        processes.stop()
