"""A stand-in for Google's OAuth2 token endpoint and the Sheets v4 API, over real HTTP.

``FakeGoogle`` listens on 127.0.0.1 at a random port. It issues an access token only for a JWT
signed by the service account's key, answers only requests that carry that token, serves the
spreadsheets given to it, and can be told to fail requests one after another (HTTP 429, 500,
403, a slow answer, an answer cut short).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCOPE = "https://www.googleapis.com/auth/spreadsheets.readonly"
# google-auth names Google's token endpoint as the audience even when it posts elsewhere.
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class FakeSheet:
    """One spreadsheet: its title and its worksheets' values by title, in order."""

    title: str
    worksheets: dict[str, list[list[str]]]


@dataclass
class Failure:
    """What to do instead of answering: an HTTP status, ``slow`` or ``partial``."""

    what: int | str
    endpoint: str | None = None  # metadata, values, or None for either
    times: int | None = 1  # None: for ever


@dataclass
class Request:
    method: str
    path: str
    status: int | str


@dataclass
class FakeGoogle:
    """The fake server; ``service_account()`` gives the key file's fields to sign in with."""

    slow_seconds: float = 3.0
    sheets: dict[str, FakeSheet] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)

    key: rsa.RSAPrivateKey | None = None

    def __post_init__(self) -> None:
        self.key = self.key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.email = "campaigns-sync@media-programme.iam.gserviceaccount.com"
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._token(self)

            def do_GET(self) -> None:
                fake._get(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeGoogle:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def private_key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def service_account(self) -> dict:
        """The fields of the service account's JSON key file, pointing at this server."""
        return {
            "type": "service_account",
            "project_id": "media-programme",
            "private_key_id": "0123456789abcdef",
            "private_key": self.private_key_pem(),
            "client_email": self.email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{self.url}/token",
        }

    def add(self, key: str, title: str, worksheets: dict[str, list[list[str]]]) -> None:
        with self.lock:
            self.sheets[key] = FakeSheet(title, worksheets)

    def fail(
        self, key: str, what: int | str, *, endpoint: str | None = None, times: int | None = 1
    ) -> None:
        """Fail the next ``times`` matching requests for spreadsheet ``key`` (None: all)."""
        with self.lock:
            self.failures.setdefault(key, []).append(Failure(what, endpoint, times))

    def count(self, key: str, endpoint: str | None = None) -> int:
        """Requests made for spreadsheet ``key`` (of one endpoint)."""
        with self.lock:
            return sum(
                1
                for r in self.requests
                if r.path.startswith(f"/v4/spreadsheets/{key}")
                and (endpoint is None or _endpoint(r.path) == endpoint)
            )

    # The server side.

    def _send(self, handler, status: int, body: dict, *, cut: bool = False) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            handler.wfile.write(data[: len(data) // 2] if cut else data)
            handler.wfile.flush()
        except OSError:
            pass
        if cut:
            handler.close_connection = True

    def _error(self, handler, status: int, message: str, state: str) -> None:
        self._send(
            handler, status, {"error": {"code": status, "message": message, "status": state}}
        )

    def _token(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = parse_qs(handler.rfile.read(length).decode())
        if urlsplit(handler.path).path != "/token":
            return self._error(handler, 404, "not found", "NOT_FOUND")
        grant = form.get("grant_type", [""])[0]
        assertion = form.get("assertion", [""])[0]
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not self._valid(assertion):
            body = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            return self._send(handler, 400, body)
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens_issued.append(token)
        self._send(
            handler, 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
        )

    def _valid(self, assertion: str) -> bool:
        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(_b64decode(head))
            claims = json.loads(_b64decode(payload))
            self.key.public_key().verify(
                _b64decode(signature),
                f"{head}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:
            return False
        now = time.time()
        return (
            header.get("alg") == "RS256"
            and claims.get("iss") == self.email
            and claims.get("aud") in (GOOGLE_TOKEN_URI, f"{self.url}/token")
            and SCOPE in claims.get("scope", "").split()
            and claims.get("iat", now + 60) <= now + 5
            and claims.get("exp", 0) > now
        )

    def _get(self, handler) -> None:
        url = urlsplit(handler.path)
        path = unquote(url.path)
        parts = path.split("/")
        key = parts[3] if len(parts) > 3 and parts[1:3] == ["v4", "spreadsheets"] else ""
        failure = self._next_failure(key, _endpoint(path))
        status: int | str = failure.what if failure else 200
        with self.lock:
            self.requests.append(Request("GET", path, status))
        with self.lock:
            token_ok = handler.headers.get("Authorization", "")[7:] in self.tokens_issued
        if not handler.headers.get("Authorization", "").startswith("Bearer ") or not token_ok:
            return self._error(
                handler, 401, "Request had invalid authentication", "UNAUTHENTICATED"
            )
        if failure and failure.what == "slow":
            time.sleep(self.slow_seconds)
        elif failure and isinstance(failure.what, int):
            state = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}
            message = {
                403: "The caller does not have permission",
                404: "Requested entity was not found.",
                429: "Quota exceeded for quota metric 'Read requests'",
            }
            return self._error(
                handler,
                failure.what,
                message.get(failure.what, "Internal error encountered."),
                state.get(failure.what, "INTERNAL"),
            )
        sheet = self.sheets.get(key)
        if sheet is None:
            return self._error(handler, 404, "Requested entity was not found.", "NOT_FOUND")
        cut = bool(failure and failure.what == "partial")
        if len(parts) == 4:
            return self._send(handler, 200, self._metadata(key, sheet), cut=cut)
        if len(parts) == 6 and parts[4] == "values":
            params = parse_qs(url.query)
            if params.get("valueRenderOption", ["FORMATTED_VALUE"]) != ["FORMATTED_VALUE"]:
                return self._error(handler, 400, "only formatted values here", "INVALID_ARGUMENT")
            title = parts[5]
            if title.startswith("'") and title.endswith("'"):
                title = title[1:-1].replace("''", "'")
            if title not in sheet.worksheets:
                message = f"Unable to parse range: {parts[5]}"
                return self._error(handler, 400, message, "INVALID_ARGUMENT")
            values = sheet.worksheets[title]
            body = {"range": f"'{title}'!A1:Z1000", "majorDimension": "ROWS"}
            if values:
                body["values"] = values
            return self._send(handler, 200, body, cut=cut)
        self._error(handler, 404, "not found", "NOT_FOUND")

    def _next_failure(self, key: str, endpoint: str) -> Failure | None:
        with self.lock:
            for failure in self.failures.get(key, []):
                if failure.endpoint not in (None, endpoint):
                    continue
                if failure.times is None:
                    return failure
                if failure.times > 0:
                    failure.times -= 1
                    return failure
        return None

    def _metadata(self, key: str, sheet: FakeSheet) -> dict:
        return {
            "spreadsheetId": key,
            "properties": {
                "title": sheet.title,
                "locale": "ru_RU",
                "timeZone": "Asia/Almaty",
                "autoRecalc": "ON_CHANGE",
            },
            "sheets": [
                {
                    "properties": {
                        "sheetId": 1000 + i,
                        "title": title,
                        "index": i,
                        "sheetType": "GRID",
                        "gridProperties": {
                            "rowCount": max(1000, len(values)),
                            "columnCount": max([26, *(len(r) for r in values)]),
                        },
                    }
                }
                for i, (title, values) in enumerate(sheet.worksheets.items())
            ],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{key}/edit",
        }


def _endpoint(path: str) -> str:
    return "values" if "/values" in path else "metadata"
