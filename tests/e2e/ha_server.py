#!/usr/bin/env python3
"""A loopback stand-in for Home Assistant's REST API as offpeak reads it:
GET /api/ ({"message": "API running."}), GET /api/states (every state) and
GET /api/states/<entity_id> ({"entity_id", "state", "attributes", "last_changed",
"last_reported", "last_updated", "context"}). Like Home Assistant it answers 401
"401: Unauthorized" to a missing or wrong bearer token and 404 {"message": "Entity not found."}
to an unknown entity. The states come from STATES_FILE, read again on every request (a JSON
object: entity_id -> {"state": "...", "attributes": {...}, "last_updated": "RFC 3339"}), so a
test changes what the car reports by rewriting the file. Every request is logged as one JSON
line on stdout: {"path", "status"}.

Usage: ha_server.py STATES_FILE TOKEN      (prints "port N" once listening on 127.0.0.1)
"""
import json
import sys
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATES = sys.argv[1]
TOKEN = sys.argv[2]


def states():
    with open(STATES, encoding="utf-8") as f:
        return json.load(f)


def document(entity_id, s):
    now = datetime.now(timezone.utc).isoformat()
    updated = s.get("last_updated", now)
    doc = {
        "entity_id": entity_id,
        "state": s["state"],
        "attributes": s.get("attributes", {}),
        "last_changed": updated,
        "last_updated": updated,
        "context": {"id": "01JF0000000000000000000000", "parent_id": None, "user_id": None},
    }
    if "last_reported" in s or "last_updated" not in s:
        doc["last_reported"] = s.get("last_reported", now)
    return doc


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        print(json.dumps({"path": self.path, "status": status}), flush=True)

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.answer(401, "401: Unauthorized", "text/plain; charset=utf-8")
            return
        if self.path == "/api/":
            self.answer(200, json.dumps({"message": "API running."}))
            return
        all_states = states()
        if self.path == "/api/states":
            self.answer(200, json.dumps([document(k, v) for k, v in all_states.items()]))
            return
        prefix = "/api/states/"
        if self.path.startswith(prefix):
            entity_id = self.path[len(prefix):]
            if entity_id in all_states:
                self.answer(200, json.dumps(document(entity_id, all_states[entity_id])))
            else:
                self.answer(404, json.dumps({"message": "Entity not found."}))
            return
        self.answer(404, "404: Not Found", "text/plain; charset=utf-8")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
