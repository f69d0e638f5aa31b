"""A self-signed certificate for a host, served by a project's Traefik from its file provider.

Traefik answers TLS only for names it has a certificate for (the project's tls.yml sets
sniStrict), and Let's Encrypt is out of reach here. Where the local ACME CA cannot serve
(Traefik on another engine's nodes, which cannot reach this machine's loopback) and the
certificate is not what is looked at (a benchmark, where requests go), this one lets TLS with
the host's name through. The docker layer checks the ACME certificates themselves.
"""

from __future__ import annotations

from pathlib import Path

from tests.docker.engine import run

# Traefik reads the file provider's directory: infra/traefik/dynamic, mounted read-only.
DYNAMIC = Path("infra") / "traefik" / "dynamic"
MOUNTED_AT = "/etc/traefik/dynamic"


def serve_self_signed_certificate(project: Path, host: str) -> None:
    dynamic = project / DYNAMIC
    run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
         "-keyout", str(dynamic / "self-signed.key"), "-out", str(dynamic / "self-signed.pem")]
    )  # fmt: skip
    (dynamic / "self-signed.yml").write_text(
        "tls:\n  certificates:\n"
        f"    - certFile: {MOUNTED_AT}/self-signed.pem\n"
        f"      keyFile: {MOUNTED_AT}/self-signed.key\n"
    )
