"""Load generators. Both run in a process of their own, hold `connections` keep-alive connections
to 127.0.0.1, cycle through a workload's requests, and stop at `duration` seconds or
`max_requests` responses, whichever comes first. Closed loop: each connection sends its next
request when the previous answer is in (the same for every server, so ratios are fair).

- wrk (Debian package `wrk`) when it is on the PATH: C, cheap on CPU, a Lua script drives it.
  Its threads stop at the request bound, but wrk itself always runs to its `-d` duration, so
  the harness keeps the bound far above what a server can answer in that time, and flags it.
- Otherwise this module's Python generator (asyncio, uvloop when installed):
  `python -m bench.loadgen < config.json` prints one JSON result.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Workload:
    name: str
    method: str
    paths: list[str]
    headers: dict[str, str]
    body: str = ""
    expect: int = 200
    # A header given a fresh value on every request (Idempotency-Key: each POST a new one).
    unique_header: str = ""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    generator: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def unexpected(self, expect: int) -> int:
        return sum(n for status, n in self.statuses.items() if int(status) != expect)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    base_url: str,
    workload: Workload,
    *,
    connections: int,
    duration: float,
    max_requests: int,
    generator: str = "auto",
    threads: int = 1,
) -> LoadResult:
    use_wrk = generator == "wrk" or (generator == "auto" and wrk_available())
    if use_wrk:
        return _run_wrk(base_url, workload, connections, duration, max_requests, threads)
    return _run_python(base_url, workload, connections, duration, max_requests)


# --- wrk -------------------------------------------------------------------------------------

_LUA = r"""
local paths = {PATHS}
local method = {METHOD}
local headers = {HEADERS}
local body = {BODY}
local max_per_thread = {MAX_PER_THREAD}
local unique_header = {UNIQUE_HEADER}
local unique_prefix = {UNIQUE_PREFIX}
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  position = tid * 7919
  seen = 0
  counts = {}
end

function request()
  position = position + 1
  if unique_header then
    headers[unique_header] = unique_prefix .. "-" .. tid .. "-" .. position
  end
  return wrk.format(method, paths[(position % #paths) + 1], headers, body)
end

function response(status, response_headers, response_body)
  local key = tostring(status)
  counts[key] = (counts[key] or 0) + 1
  seen = seen + 1
  if seen >= max_per_thread then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local thread_counts = thread:get("counts")
    for status, n in pairs(thread_counts) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, table.concat(parts, ", ")))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII


def _run_wrk(base_url, workload, connections, duration, max_requests, threads) -> LoadResult:
    threads = max(1, min(threads, connections))
    headers = (
        "{"
        + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in workload.headers.items())
        + "}"
    )
    script = (
        _LUA.replace("{PATHS}", "{" + ", ".join(_lua_string(p) for p in workload.paths) + "}")
        .replace("{METHOD}", _lua_string(workload.method))
        .replace("{HEADERS}", headers)
        .replace("{BODY}", _lua_string(workload.body) if workload.body else "nil")
        .replace("{MAX_PER_THREAD}", str(max(1, max_requests // threads)))
        .replace(
            "{UNIQUE_HEADER}",
            _lua_string(workload.unique_header) if workload.unique_header else "nil",
        )
        .replace("{UNIQUE_PREFIX}", _lua_string(secrets.token_hex(6)))
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        seconds = max(1, round(duration))
        completed = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script_path,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        Path(script_path).unlink(missing_ok=True)
    match = re.search(r"^BENCH_JSON (.*)$", completed.stdout, re.M)
    if match is None:
        raise RuntimeError(f"wrk gave no result:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(match.group(1))
    return LoadResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        statuses=data["statuses"],
        socket_errors=data["socket_errors"],
        generator="wrk",
    )


# --- Python ------------------------------------------------------------------------------------


def _run_python(base_url, workload, connections, duration, max_requests) -> LoadResult:
    config = {
        "base_url": base_url,
        "workload": asdict(workload),
        "connections": connections,
        "duration": duration,
        "max_requests": max_requests,
        "unique_prefix": secrets.token_hex(6),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        timeout=duration + 60,
        cwd=Path(__file__).resolve().parents[1],
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the Python load generator failed:\n{completed.stderr}")
    return LoadResult(**json.loads(completed.stdout))


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.I)


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = _CONTENT_LENGTH.search(head)
    if length is not None:
        if int(length.group(1)):
            await reader.readexactly(int(length.group(1)))
    elif _CHUNKED.search(head):
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _drive(config: dict) -> dict:
    host_port = config["base_url"].split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    workload = Workload(**config["workload"])
    body = workload.body.encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in workload.headers.items())
    unique = workload.unique_header
    prefix = config.get("unique_prefix", "")
    requests = [
        (
            f"{workload.method} {path} HTTP/1.1\r\nHost: {host_port}\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for path in workload.paths
    ]
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    state = {"errors": 0, "stop": False}
    max_requests = config["max_requests"]
    deadline = time.perf_counter() + config["duration"]

    async def connection(index: int) -> None:
        position = index * 7919
        reader = writer = None
        while not state["stop"]:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                position += 1
                request = requests[position % len(requests)]
                if unique:  # a fresh value for this one request, inserted after the request line
                    line, rest = request.split(b"\r\n", 1)
                    value = f"{unique}: {prefix}-{index}-{position}\r\n".encode()
                    request = line + b"\r\n" + value + rest
                started = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                finished = time.perf_counter()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                state["errors"] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
                continue
            latencies.append(finished - started)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if len(latencies) >= max_requests or finished >= deadline:
                state["stop"] = True
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(config["connections"])))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000

    return {
        "requests": len(latencies),
        "seconds": seconds,
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "statuses": statuses,
        "socket_errors": state["errors"],
        "generator": "python",
    }


def main() -> None:
    config = json.load(sys.stdin)
    try:
        from uvloop import run
    except ImportError:
        run = asyncio.run
    print(json.dumps(run(_drive(config))))


if __name__ == "__main__":
    main()
