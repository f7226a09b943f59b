"""A local OAuth 2.0 server for the XOAUTH2 tests: a token endpoint (refresh-token grant, as Microsoft's and
Google's) and RFC 7662 token introspection, which the test dovecot asks to check bearer tokens."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class OAuthServer:
    def __init__(self) -> None:
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> user
        self.access_tokens: dict[str, str] = {}  # access token -> user
        self.token_requests: list[dict[str, str]] = []
        self.introspections = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/token":
                    server.token_requests.append(form)
                    user = server.refresh_tokens.get(form.get("refresh_token", ""))
                    if (
                        form.get("grant_type") != "refresh_token"
                        or user is None
                        or form.get("client_id") != "gongdan"
                    ):
                        return self._json(400, {"error": "invalid_grant"})
                    token = secrets.token_urlsafe(24)
                    server.access_tokens[token] = user
                    return self._json(
                        200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599}
                    )
                if self.path == "/introspect":
                    server.introspections += 1
                    user = server.access_tokens.get(form.get("token", ""))
                    return self._json(
                        200, {"active": "true", "username": user} if user else {"active": "false"}
                    )
                return self._json(404, {})

            def _json(self, status: int, body: dict[str, object]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
