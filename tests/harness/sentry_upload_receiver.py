"""Sentry's upload API on loopback, as far as a source map upload (`sentry sourcemap upload`)
uses it: the CLI, given SENTRY_URL=`url`, asks for the chunk upload options, offers an
artifact bundle (a zip) by its checksum and its chunks' checksums, uploads the chunks the
server says it lacks, and asks again until the bundle is assembled.

- GET  /api/0/organizations/<org>/                      the organisation (its region's URL)
- GET  /api/0/organizations/<org>/chunk-upload/         the options: chunk size, compression
- POST /api/0/organizations/<org>/chunk-upload/         multipart, one part per chunk, named
                                                        `file` or `file_gzip`, its file name
                                                        the chunk's SHA-1
- POST /api/0/organizations/<org>/artifactbundle/assemble/
       {checksum, chunks, projects, version}: `not_found` with the missing chunks, else the
       bundle is put together, checked and kept, `ok`

Every request must carry the token as a bearer; anything else is recorded in `errors`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.harness.loopback_http import LoopbackHttpServer

ORGANIZATION = re.compile(r"^/api/0/organizations/(?P<org>[\w-]+)/(?P<rest>[\w/-]*)$")
# Small enough that a front end's bundle comes in several chunks (Sentry's own is 8 MiB).
CHUNK_SIZE = 1024 * 1024


@dataclass
class ArtifactBundle:
    """An assembled upload: for which release and projects, and its files by their path in
    the zip, with what manifest.json says of each (url, type, headers such as debug-id)."""

    release: str | None
    projects: list[str]
    manifest: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    def entries(self, file_type: str) -> dict[str, dict[str, Any]]:
        """The manifest's entries of `file_type` (`minified_source`, `source_map`) by URL."""
        return {
            str(entry["url"]): {**entry, "path": path}
            for path, entry in self.manifest.get("files", {}).items()
            if entry.get("type") == file_type
        }


class SentryUploadReceiver(LoopbackHttpServer):
    def __init__(self, organization: str, token: str) -> None:
        self.organization = organization
        self.chunks: dict[str, bytes] = {}
        self.bundles: list[ArtifactBundle] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.handle_request("GET")

            def do_POST(self) -> None:
                self.handle_request("POST")

            def handle_request(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?", 1)[0]
                with lock:
                    receiver.requests.append(f"{method} {path}")
                match = ORGANIZATION.match(path)
                if self.headers.get("Authorization") != f"Bearer {token}":
                    self.fail(401, f"{method} {path}: not the token")
                elif not match or match["org"] != organization:
                    self.fail(404, f"{method} {path}: not an endpoint of {organization}")
                else:
                    route = (method, match["rest"])
                    try:
                        if route == ("GET", ""):
                            self.answer({"slug": organization, "links": receiver.links})
                        elif route == ("GET", "chunk-upload/"):
                            self.answer(receiver.options)
                        elif route == ("POST", "chunk-upload/"):
                            receiver.take_chunks(self.headers["Content-Type"], body)
                            self.answer({})
                        elif route == ("POST", "artifactbundle/assemble/"):
                            self.answer(receiver.assemble(json.loads(body)))
                        else:
                            self.fail(404, f"{method} {path}: not implemented here")
                    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as error:
                        self.fail(400, f"{method} {path}: {error!r}")

            def answer(self, document: object) -> None:
                payload = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def fail(self, status: int, error: str) -> None:
                with lock:
                    receiver.errors.append(error)
                payload = json.dumps({"detail": error}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays readable

        self._lock = lock
        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}"
        api = f"{self.url}/api/0/organizations/{organization}"
        self.links = {"organizationUrl": self.url, "regionUrl": self.url}
        self.options = {
            "url": f"{api}/chunk-upload/",
            "chunkSize": CHUNK_SIZE,
            "chunksPerRequest": 16,
            "maxRequestSize": 32 * CHUNK_SIZE,
            "maxFileSize": 2**31,
            "concurrency": 2,
            "hashAlgorithm": "sha1",
            # What Python reads without a library (zstd comes with 3.14).
            "compression": ["gzip"],
            "accept": ["artifact_bundles"],
        }

    def take_chunks(self, content_type: str, body: bytes) -> None:
        """Keep each part of a multipart upload as a chunk, by its SHA-1 (checked)."""
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        if not message.is_multipart():
            raise ValueError(f"not multipart: {content_type}")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            checksum = str(part.get_filename())
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes) or name not in ("file", "file_gzip"):
                raise ValueError(f"a part named {name!r}, not a chunk")
            if name == "file_gzip":
                data = gzip.decompress(data)
            if hashlib.sha1(data).hexdigest() != checksum:
                raise ValueError(f"chunk {checksum}: its content has another SHA-1")
            with self._lock:
                self.chunks[checksum] = data

    def assemble(self, request: dict[str, Any]) -> dict[str, Any]:
        missing = [chunk for chunk in request["chunks"] if chunk not in self.chunks]
        if missing:
            return {"state": "not_found", "missingChunks": missing}
        data = b"".join(self.chunks[chunk] for chunk in request["chunks"])
        if hashlib.sha1(data).hexdigest() != request["checksum"]:
            raise ValueError("the assembled bundle does not have the checksum offered")
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            files = {name: bundle.read(name) for name in bundle.namelist()}
        manifest = json.loads(files.pop("manifest.json"))
        with self._lock:
            if all(bundle.manifest != manifest for bundle in self.bundles):
                self.bundles.append(
                    ArtifactBundle(request.get("version"), request["projects"], manifest, files)
                )
        return {"state": "ok", "missingChunks": []}
