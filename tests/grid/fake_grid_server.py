"""A real local HTTP server that answers like Electricity Maps v3 and the UK Carbon Intensity API.

Routes are path prefixes mapped to canned answers (status, JSON or raw body, headers), or to a
handler that never answers (to fire the client's timeout), trickles its body a byte at a time,
or streams a huge body without announcing its length. Payload builders write the answers' shapes as
the services document them (Electricity Maps v3, api.carbonintensity.org.uk), with times relative to the test's clock.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SECRET_KEY = "KEY-s3cr3t-4f9a1c77"  # recognisable, so a leak is easy to spot


@dataclass
class Answer:
    """What a route answers: a status and a JSON-able body (or raw bytes), or nothing at all.

    ``trickle_s``: send the body one byte every that many seconds. ``stream_bytes``: instead of a
    body, send that many filler bytes with no Content-Length (the end is the connection's close).
    """

    status: int = 200
    body: object = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    trickle_s: float | None = None
    stream_bytes: int = 0


@dataclass
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class FakeGrid:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (random port) with settable routes."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.seen: list[Seen] = []
        self.sent_bytes = 0  # body bytes written by trickled and streamed answers
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def set(self, prefix: str, answer: Answer | object = None, **kwargs: object) -> None:
        """Answer requests whose path starts with ``prefix`` (longest prefix wins)."""
        self.routes[prefix] = answer if isinstance(answer, Answer) else Answer(body=answer, **kwargs)

    def start(self) -> FakeGrid:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def answer_for(self, path: str) -> Answer:
        matches = [p for p in self.routes if path.startswith(p)]
        return (
            self.routes[max(matches, key=len)] if matches else Answer(404, {"status": "error", "message": "no route"})
        )


def _handler(grid: FakeGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            parts = urlsplit(self.path)
            grid.seen.append(Seen(parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}))
            answer = grid.answer_for(parts.path)
            if answer.hang:
                grid.release.wait(10)
                return
            payload = answer.raw if answer.raw is not None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            if not answer.stream_bytes and "Content-Length" not in answer.headers:
                self.send_header("Content-Length", str(len(payload)))
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hung up: what these answers are for
                self._write_body(answer, payload)

        def _write_body(self, answer: Answer, payload: bytes) -> None:
            if answer.stream_bytes:
                filler = b" " * 65536
                while grid.sent_bytes < answer.stream_bytes and not grid.release.is_set():
                    self.wfile.write(filler)
                    grid.sent_bytes += len(filler)
            elif answer.trickle_s:
                for i in range(len(payload)):
                    self.wfile.write(payload[i : i + 1])
                    self.wfile.flush()
                    grid.sent_bytes += 1
                    if grid.release.wait(answer.trickle_s):
                        return
            else:
                self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def iso_ms(moment: datetime) -> str:
    """Electricity Maps' time format: ``2026-11-23T00:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_min(moment: datetime) -> str:
    """The UK API's time format: ``2026-11-23T00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def floor(moment: datetime, step_s: int) -> datetime:
    """``moment`` floored to a multiple of ``step_s`` since the epoch."""
    ts = int(moment.timestamp()) // step_s * step_s
    return datetime.fromtimestamp(ts, UTC)


def em_forecast(zone: str, start: datetime, step_s: int, values: list[float]) -> dict:
    """An Electricity Maps forecast answer."""
    return {
        "zone": zone,
        "forecast": [
            {"carbonIntensity": v, "datetime": iso_ms(start + timedelta(seconds=i * step_s))}
            for i, v in enumerate(values)
        ],
        "updatedAt": iso_ms(start),
    }


def em_point(zone: str, moment: datetime, value: float, full: bool = True) -> dict:
    """One history/latest point; ``full=False`` drops the fields the SDK's models insist on."""
    point = {"zone": zone, "carbonIntensity": value, "datetime": iso_ms(moment), "updatedAt": iso_ms(moment)}
    if full:
        point |= {"createdAt": iso_ms(moment), "emissionFactorType": "lifecycle", "isEstimated": False,
                  "estimationMethod": None}  # fmt: skip
    return point


def em_history(zone: str, end: datetime, step_s: int, values: list[float]) -> dict:
    """An Electricity Maps history answer whose last point is at ``end`` (the past 24 h)."""
    n = len(values)
    start = end - timedelta(seconds=(n - 1) * step_s)
    points = [em_point(zone, start + timedelta(seconds=i * step_s), v) for i, v in enumerate(values)]
    for p in points:
        del p["zone"]
    return {"zone": zone, "history": points}


EM_ZONES = {
    "DE": {"zoneName": "Germany", "access": ["carbon-intensity/history"]},
    "FR": {"zoneName": "France"},
    "GB": {"zoneName": "Great Britain"},
}


def uk_rows(start: datetime, forecasts: list[float | None], actual: list[float | None] | None = None) -> list[dict]:
    """UK API rows, 30 minutes each, from ``start``."""
    rows = []
    for i, value in enumerate(forecasts):
        frm = start + timedelta(minutes=30 * i)
        row_actual = actual[i] if actual else None
        rows.append({"from": iso_min(frm), "to": iso_min(frm + timedelta(minutes=30)),
                     "intensity": {"forecast": value, "actual": row_actual, "index": "moderate"}})  # fmt: skip
    return rows


def uk_national(start: datetime, forecasts: list[float | None]) -> dict:
    """A UK national ``fw48h`` answer."""
    return {"data": uk_rows(start, forecasts)}


def uk_regional(start: datetime, forecasts: list[float | None], outcode: str = "RG10") -> dict:
    """A UK regional ``fw48h/postcode`` answer."""
    rows = uk_rows(start, forecasts)
    for row in rows:
        del row["intensity"]["actual"]
        row["generationmix"] = [{"fuel": "wind", "perc": 40.0}, {"fuel": "gas", "perc": 30.0}]
    return {"data": {"regionid": 12, "dnoregion": "SSE South", "shortname": "South England", "postcode": outcode,
                     "data": rows}}  # fmt: skip
