#!/usr/bin/env python3
"""A loopback stand-in for the day-ahead price APIs, serving the real answers in
tests/data/spot: Tibber (POST /v1-beta/gql), ENTSO-E (GET /api?...), Nord Pool
(GET /api/DayAheadPrices?...) and aWATTar (GET /v1/marketdata?...). It checks what offpeak
sends (paths, query parameters, headers, the token) and answers 401/400 when it is wrong.
Every request is logged as one JSON line: {"method", "path", "query", "ok", "why"}.

Usage: spot_server.py DATA_DIR TOKEN      (prints "port N" once listening on 127.0.0.1)

With SPOT_ENTSOE_TODAY_ONLY=N in the environment, the first N ENTSO-E answers hold only the
first day (31 Oct 2025): tomorrow not yet published, as before about 13:00 CET.
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DATA = sys.argv[1]
TOKEN = sys.argv[2]
ENTSOE = "entsoe_A44_DE-LU_2025-10-31_11-01_PT15M_A03gaps_4timeseries.xml"
TIBBER = "tibber_priceInfo_today_tomorrow_hourly_DE_2025-05-18.json"
NORDPOOL = "nordpool_dayaheadprices_SE3_EUR_2024-11-05_hourly.json"
# aWATTar has no stored answer. For 28-30 Oct 2023 (the 25-hour day in the middle) it answers
# in its documented shape with the real DE-LU day-ahead prices of that time (aWATTar passes on
# EPEX DE-LU); otherwise with two documented-shape hours, 1 Nov 2025 00:00-02:00 CET.
AWATTAR_CSV = "DE-LU_2023-10-28_30_hourly_energycharts.csv"
AWATTAR = {"object": "list", "url": "/de/v1/marketdata", "data": [
    {"start_timestamp": 1761951600000, "end_timestamp": 1761955200000,
     "marketprice": 93.5, "unit": "Eur/MWh"},
    {"start_timestamp": 1761955200000, "end_timestamp": 1761958800000,
     "marketprice": -3.1, "unit": "Eur/MWh"}]}


TODAY_ONLY = [int(os.environ.get("SPOT_ENTSOE_TODAY_ONLY", "0"))]


def today_only(doc):
    """The A44 document without the series of the second day."""
    text = doc.decode("utf-8")
    cut = re.sub(r"\s*<TimeSeries>(?:(?!</TimeSeries>).)*?<start>2025-10-31T23:00Z</start>"
                 r".*?</TimeSeries>", "", text, flags=re.S)
    return cut.encode("utf-8")


def read(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def awattar_hours():
    """(start ms, end ms, EUR/MWh) of each hour in AWATTAR_CSV."""
    from datetime import datetime, timedelta
    out = []
    with open(os.path.join(DATA, AWATTAR_CSV), encoding="utf-8-sig") as f:
        for line in f.read().splitlines()[1:]:
            when, price = line.split(",")
            start = datetime.fromisoformat(when)
            ms = int(start.timestamp() * 1000)
            out.append((ms, ms + 3600 * 1000, float(price)))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, ok, why, query):
        line = {"method": self.command, "path": urlsplit(self.path).path, "query": query,
                "ok": ok, "why": why, "user_agent": self.headers.get("User-Agent", "")}
        print(json.dumps(line), flush=True)

    def answer(self, status, body=b"", ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        shown = {k: ("***" if k == "securityToken" else v) for k, v in q.items()}
        if u.path == "/api":  # ENTSO-E
            want = {"documentType": "A44", "in_Domain": "10Y1001A1001A82H",
                    "out_Domain": "10Y1001A1001A82H"}
            if q.get("securityToken") != TOKEN:
                self.record(False, "bad token", shown)
                return self.answer(401, b"Unauthorized", "text/plain")
            bad = [k for k, v in want.items() if q.get(k) != v]
            if bad or len(q.get("periodStart", "")) != 12 or len(q.get("periodEnd", "")) != 12:
                self.record(False, "bad parameters %s" % bad, shown)
                return self.answer(400, b"Bad request", "text/plain")
            if q["periodStart"] > "202510302300" or q["periodEnd"] < "202511012300":
                ack = (b'<?xml version="1.0"?><Acknowledgement_MarketDocument><Reason><code>999'
                       b'</code><text>No matching data found</text></Reason>'
                       b'</Acknowledgement_MarketDocument>')
                self.record(True, "acknowledgement", shown)
                return self.answer(200, ack, "application/xml")
            if TODAY_ONLY[0] > 0:
                TODAY_ONLY[0] -= 1
                self.record(True, "today only", shown)
                return self.answer(200, today_only(read(ENTSOE)), "application/xml")
            self.record(True, "", shown)
            return self.answer(200, read(ENTSOE), "application/xml")
        if u.path == "/api/DayAheadPrices":  # Nord Pool
            if q.get("market") != "DayAhead" or q.get("deliveryArea") != "SE3" or \
                    q.get("currency") != "EUR" or "date" not in q:
                self.record(False, "bad parameters", shown)
                return self.answer(400)
            if q["date"] != "2024-11-05":
                self.record(True, "no content", shown)
                return self.answer(204)
            self.record(True, "", shown)
            return self.answer(200, read(NORDPOOL))
        if u.path == "/v1/marketdata":  # aWATTar
            if not q.get("start", "").isdigit() or not q.get("end", "").isdigit():
                self.record(False, "bad parameters", shown)
                return self.answer(400)
            if self.headers.get("Accept") != "application/json":
                self.record(False, "no Accept: application/json", shown)
                return self.answer(406)
            start, end = int(q["start"]), int(q["end"])
            hours = [h for h in awattar_hours() if start <= h[0] < end]
            if hours:
                body = {"object": "list", "url": "/de/v1/marketdata", "data": [
                    {"start_timestamp": a, "end_timestamp": b, "marketprice": p,
                     "unit": "Eur/MWh"} for a, b, p in hours]}
                self.record(True, "2023 prices", shown)
                return self.answer(200, json.dumps(body).encode())
            self.record(True, "", shown)
            return self.answer(200, json.dumps(AWATTAR).encode())
        self.record(False, "unknown path", shown)
        self.answer(404)

    def do_POST(self):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        if u.path != "/v1-beta/gql":
            self.record(False, "unknown path", {})
            return self.answer(404)
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.record(False, "bad token", {})
            return self.answer(200, json.dumps({"errors": [{"message": "invalid token"}]}).encode())
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self.record(False, "not json", {})
            return self.answer(400)
        try:
            query = json.loads(body)["query"]
        except (ValueError, KeyError):
            self.record(False, "bad body", {})
            return self.answer(400)
        if "priceInfo(resolution:QUARTER_HOURLY)" not in query or "tomorrow" not in query:
            self.record(False, "bad query " + query, {})
            return self.answer(400)
        self.record(True, "", {"query": query})
        return self.answer(200, read(TIBBER))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port %d" % server.server_address[1], flush=True)
server.serve_forever()
