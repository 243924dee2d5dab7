"""`make bench`: the real server (under each event loop: uvloop and the standard asyncio loop)
against the ceiling, side by side in one run on one machine, on a fresh seeded database. Ratios,
never absolute times, are the result: the machines are shared and noisy.

    python -m bench                 # the full run on SQLite (a few minutes on 2 cores)
    python -m bench --postgres      # the same on PostgreSQL, in a database of its own
    python -m bench --smoke         # tiny numbers, seconds: proves the harness still works
    python -m bench --help          # every knob

Before anything is measured, every server answers the probes of bench/probes.py exactly as
recorded (bench/probes.expected.json): speed never silently changes behaviour."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench import probes
from bench.loadgen import LoadResult, Workload, run_load, wrk_available
from bench.seed import Seeder, Tenant, fresh_database
from bench.servers import ROOT, Server, cpu_supported
from server.domain.pagination import PageRequest, encode_cursor
from server.http.spec import load_spec
from server.services.api_keys import ApiKeyService, AuthCache
from server.services.unit_of_work import UnitOfWork
from server.storage.database import make_engine, make_session_factory
from server.storage.repositories import StudioRepository

CEILING = "ceiling"
BENCH_DATABASE = "trax_bench"
DEFAULT_POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOT_IN_CONTRACT = "not yet in the contract"


@dataclass
class Options:
    database_url: str
    studios: int
    other_studios_every: int
    loops: list[str]
    workers: int
    connections: int
    duration: float
    warmup_requests: int
    max_requests: int
    scaling_sizes: list[int]
    scaling_duration: float
    lever_duration: float
    rounds: int
    junk_keys: int
    levers: bool
    generator: str
    output_dir: Path
    smoke: bool
    postgres: str = ""
    record_probes: bool = False


@dataclass
class Row:
    section: str
    workload: str
    server: str
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu_ms_per_request: float | None = None
    unexpected: int = 0
    socket_errors: int = 0
    ratio: float | None = None
    p99_ratio: float | None = None
    cpu_ratio: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny numbers; for make test")
    parser.add_argument(
        "--database-url",
        help="default: a fresh SQLite file in the run folder; "
        "a PostgreSQL URL gets its public schema DROPPED and rebuilt",
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        help=f"PostgreSQL mode: creates the database {BENCH_DATABASE} on this server "
        f"(default {DEFAULT_POSTGRES}), runs there and drops it at the end",
    )
    parser.add_argument("--studios", type=int, help="studios of the benchmarked account")
    parser.add_argument(
        "--loops",
        default="uvloop,asyncio",
        help="uvicorn event loops; the first (trax serve's) also gets the lever runs",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, help="seconds per measurement")
    parser.add_argument("--max-requests", type=int, help="per measurement")
    parser.add_argument("--scaling-sizes", help="comma list of studio counts for the page cost")
    parser.add_argument("--junk-keys", type=int, help="keys added for the auth-cost scaling")
    parser.add_argument("--no-levers", action="store_true", help="skip the lever variants")
    parser.add_argument(
        "--record-probes",
        action="store_true",
        help="record the answers to bench/probes.py as the expectation, then stop",
    )
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    smoke = args.smoke
    sizes = args.scaling_sizes or ("100,400" if smoke else "1000,100000,1000000")
    return Options(
        database_url=args.database_url or "",
        postgres=args.postgres or "",
        record_probes=args.record_probes,
        studios=args.studios or (150 if smoke else 10_000),
        other_studios_every=10,
        loops=[loop.strip() for loop in args.loops.split(",") if loop.strip()],
        workers=args.workers,
        connections=args.connections if not smoke else 4,
        duration=args.duration or (0.2 if smoke else 4.0),
        warmup_requests=0 if smoke else 300,
        max_requests=args.max_requests or (60 if smoke else 200_000),
        scaling_sizes=[int(s) for s in sizes.split(",")],
        scaling_duration=0.2 if smoke else 3.0,
        lever_duration=0.2 if smoke else 3.0,
        rounds=1 if smoke else 2,
        junk_keys=args.junk_keys if args.junk_keys is not None else (200 if smoke else 100_000),
        levers=not (args.no_levers or smoke),
        # The smoke run uses the Python generator unless told otherwise: it is the fallback
        # every fresh machine has, and wrk cannot stop a run early at its request bound.
        generator="python" if smoke and args.generator == "auto" else args.generator,
        output_dir=args.output_dir,
        smoke=smoke,
    )


# --- the run -----------------------------------------------------------------------------------


class Bench:
    def __init__(self, options: Options):
        self.options = options
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        options.output_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"run-{stamp}-", dir=options.output_dir))
        self.stamp = stamp
        self.created_database: str | None = None
        if options.postgres:
            self.database_url = create_bench_database(options.postgres)
            self.created_database = options.postgres
        else:
            self.database_url = options.database_url or f"sqlite:///{self.run_dir / 'bench.db'}"
        self.hash_secret = secrets.token_hex(16)
        self.rows: list[Row] = []
        self.checks: list[str] = []
        self.servers: list[Server] = []
        self.generator = (
            "wrk"
            if options.generator == "wrk" or (options.generator == "auto" and wrk_available())
            else "python"
        )

    # servers

    def _env(self, **extra: str) -> dict[str, str]:
        return {
            "TRAX_DATABASE_URL": self.database_url,
            "BENCH_DATABASE_URL": self.database_url,
            "TRAX_KEY_HASH_SECRET": self.hash_secret,
            "PUBLIC_API_WRITE_ENABLED": "1",
            "TRAX_VAR_DIR": str(self.run_dir),
            "TRAX_VALIDATE_RESPONSES": "0",
            # The limiter runs (its cost is measured) but never refuses the load generator.
            "TRAX_RATE_LIMIT_BURST": "1000000000",
            "TRAX_RATE_LIMIT_PER_SECOND": "1000000000",
            **extra,
        }

    def start(self, *servers: Server) -> list[Server]:
        for server in servers:
            server.launch(self.run_dir)
            self.servers.append(server)
        for server in servers:
            server.wait_ready()
        return list(servers)

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers = []

    def ceiling(self, workers: int | None = None) -> Server:
        return Server(CEILING, "bench.ceiling:app", self._env(), workers or self.options.workers)

    def real(
        self,
        loop: str,
        name: str | None = None,
        workers: int | None = None,
        app: str = "server.asgi:app",
        **env: str,
    ) -> Server:
        return Server(name or loop, app, self._env(**env), workers or self.options.workers, loop)

    # measuring

    def compare(
        self,
        servers: list[Server],
        workload: Workload,
        duration: float | None = None,
        section: str = "main",
    ) -> list[Row]:
        """Measures the servers side by side: after a warm-up each, `rounds` rounds in which
        each server gets `duration / rounds` seconds in turn. A neighbour's load that comes and
        goes then falls on every server alike, which one long run per server would not give."""
        options = self.options
        rounds = options.rounds
        slice_seconds = (duration or options.duration) / rounds
        loads = {}
        for server in servers:
            loads[server.name] = partial(
                run_load,
                server.base_url,
                workload,
                connections=options.connections,
                generator=self.generator,
                threads=2 if server.workers > 1 else 1,
            )
            if options.warmup_requests:
                loads[server.name](duration=1, max_requests=options.warmup_requests)
        results: dict[str, list[tuple[LoadResult, float]]] = {s.name: [] for s in servers}
        for _ in range(rounds):
            for server in servers:
                cpu_before = server.cpu_seconds()
                result = loads[server.name](
                    duration=slice_seconds, max_requests=options.max_requests
                )
                results[server.name].append((result, server.cpu_seconds() - cpu_before))
        rows = [self._row(section, workload, server, results[server.name]) for server in servers]
        self.rows.extend(rows)
        for row in rows:
            print(
                f"  {section:8} {workload.name:14} {row.server:30} {row.rps:8.0f} req/s  "
                f"p50 {row.p50_ms:7.2f} ms  p99 {row.p99_ms:7.2f} ms  "
                f"cpu {_fmt(row.cpu_ms_per_request, 3)} ms/req"
                f"{'  ' + row.note if row.note else ''}",
                flush=True,
            )
        return rows

    def _row(self, section, workload, server, measured) -> Row:
        requests = sum(result.requests for result, _ in measured)
        seconds = sum(result.seconds for result, _ in measured)
        cpu = sum(cpu for _, cpu in measured)
        statuses: dict[str, int] = {}
        for result, _ in measured:
            for status, count in result.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        row = Row(
            section=section,
            workload=workload.name,
            server=server.name,
            requests=requests,
            rps=requests / seconds if seconds else 0.0,
            # Per round percentiles, then their median: rounds are equally long.
            p50_ms=statistics.median(result.p50_ms for result, _ in measured),
            p99_ms=statistics.median(result.p99_ms for result, _ in measured),
            cpu_ms_per_request=(cpu / requests * 1000) if cpu_supported() and requests else None,
            unexpected=sum(result.unexpected(workload.expect) for result, _ in measured),
            socket_errors=sum(result.socket_errors for result, _ in measured),
        )
        if row.unexpected:
            row.note = f"statuses {statuses}, expected {workload.expect}"
        elif any(
            result.generator == "wrk" and result.requests >= self.options.max_requests
            for result, _ in measured
        ):
            row.note = "request bound hit before the time bound: req/s understated"
        return row

    @staticmethod
    def relate(rows: list[Row], ceiling: Row | None) -> None:
        for row in rows:
            if ceiling is not None and row is not ceiling and ceiling.rps and ceiling.p99_ms:
                row.ratio = row.rps / ceiling.rps
                row.p99_ratio = row.p99_ms / ceiling.p99_ms
                if row.cpu_ms_per_request and ceiling.cpu_ms_per_request:
                    row.cpu_ratio = row.cpu_ms_per_request / ceiling.cpu_ms_per_request

    # the phases

    def run(self) -> dict:
        started = time.monotonic()
        options = self.options
        print(
            f"bench: {self.database_url} · load generator {self.generator} · "
            f"{os.cpu_count()} cpus · output {self.run_dir}",
            flush=True,
        )
        try:
            self.seed()
            self.check_probes()
            if options.record_probes:
                return {"rows": [], "checks": self.checks, "seconds": 0}
            self.phase_main()
            self.phase_auth_scaling()
            self.phase_page_scaling()
            self.stop_all()
            if options.levers:
                self.phase_levers()
        finally:
            self.stop_all()
            if self.created_database:
                self.engine.dispose()
                drop_bench_database(self.created_database)
        return self.report(time.monotonic() - started)

    def seed(self) -> None:
        options = self.options
        began = time.monotonic()
        self.engine = fresh_database(self.database_url)
        self.seeder = Seeder(self.engine, self.hash_secret)
        self.tenant: Tenant = self.seeder.tenant("Benchmarked account")
        self.others = [self.seeder.tenant(f"Other account {i}").account_id for i in range(9)]
        self.seeder.studios(
            self.tenant.account_id, options.studios, self.others, options.other_studios_every
        )
        self.seeder.analyze()
        print(
            f"seeded {options.studios} studios (+{options.studios // options.other_studios_every}"
            f" of 9 other accounts), 10 keys in {time.monotonic() - began:.1f}s",
            flush=True,
        )

    def check_probes(self) -> None:
        """The differential check (bench/probes.py), on a fresh server per loop (so the
        RateLimit headers count from a full bucket), before anything is measured."""
        reader = self.seeder.key(self.tenant.account_id, scopes=["studios:read"])
        secrets_ = {"tenant": self.tenant.secret, "reader": reader.secret, "bad": probes.BAD_KEY}
        fill = probes.Normaliser(self._ids(self.tenant.account_id))
        servers = self.start(*(self.real(loop, f"{loop} probes") for loop in self.options.loops))
        try:
            got = {
                server.name: probes.answers(server.base_url, secrets_, fill) for server in servers
            }
        finally:
            for server in servers:
                server.stop()
        if self.options.record_probes:
            probes.record(got[servers[0].name])
            print(f"recorded {len(probes.PROBES)} probes to {probes.EXPECTED_PATH}", flush=True)
            return
        expected = probes.load_expected()
        for name, answered in got.items():
            found = probes.differences(expected, answered)
            if found:
                raise RuntimeError(
                    f"{name} does not answer as recorded in {probes.EXPECTED_PATH}:\n  "
                    + "\n  ".join(found)
                )
        self.checks.append(
            f"differential: every server answers the {len(probes.PROBES)} probes of "
            "bench/probes.py byte-identically to the recording (statuses, bodies, X-Request-Id, "
            "RateLimit, Retry-After, Location, Allow, Content-Type)"
        )

    def _ids(self, account_id: str) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    text("SELECT id FROM studios WHERE account_id = :a ORDER BY id"),
                    {"a": account_id},
                ).scalars()
            )

    def _auth(self, tenant: Tenant) -> dict[str, str]:
        return {"Authorization": f"Bearer {tenant.secret}"}

    def workloads(self, tenant: Tenant) -> list[Workload | str]:
        ids = self._ids(tenant.account_id)
        # Walking pages: the first page and the page after every 50th id, in order.
        pages = ["/v1/studios?limit=50"] + [
            f"/v1/studios?limit=50&cursor={encode_cursor(ids[i])}"
            for i in range(49, len(ids) - 1, 50)
        ][:4000]
        sample = ids[:: max(1, len(ids) // 1000)]
        auth = self._auth(tenant)
        found: list[Workload | str] = [
            Workload("list", "GET", pages, auth),
            Workload("get", "GET", [f"/v1/studios/{i}" for i in sample], auth),
            Workload(
                "create",
                "POST",
                ["/v1/studios"],
                {**auth, "Content-Type": "application/json"},
                body='{"name":"Bench studio","autoGoLive":false}',
                expect=201,
            ),
            # The same create, each with a fresh Idempotency-Key: the record's cost on a POST
            # (a reservation committed first, `applied` in the change's transaction, the
            # response stored after). The ceiling runs the same SQL, three commits.
            Workload(
                "create-idem",
                "POST",
                ["/v1/studios"],
                {**auth, "Content-Type": "application/json"},
                body='{"name":"Bench studio","autoGoLive":false}',
                expect=201,
                unique_header="Idempotency-Key",
            ),
        ]
        stream_status = stream_status_path()
        if stream_status is None:
            found.append("stream-status")
        else:
            found.append(
                Workload(
                    "stream-status",
                    "GET",
                    [re.sub(r"\{[^}]+\}", i, stream_status) for i in sample],
                    auth,
                )
            )
        bad_key = {"Authorization": "Bearer sk_live_" + "x" * 40}
        found.append(Workload("unauthorized", "GET", ["/v1/studios?limit=50"], bad_key, expect=401))
        return found

    def check_same_answers(self, ceiling: Server, others: list[Server]) -> None:
        """The ceiling must answer exactly what the server answers, or the ratio means nothing."""
        ids = self._ids(self.tenant.account_id)
        paths = [
            "/v1/studios?limit=50",
            f"/v1/studios?limit=7&cursor={encode_cursor(ids[20])}",
            f"/v1/studios/{ids[3]}",
            "/v1/studios?limit=0",
            "/v1/studios/studio_nope",
        ]
        if stream_status_path() is not None:
            paths.append(re.sub(r"\{[^}]+\}", ids[3], stream_status_path()))
        for path in paths:
            for key in (self.tenant.secret, "sk_live_" + "x" * 40):
                expected = _fetch(ceiling, path, key)
                for server in others:
                    answer = _fetch(server, path, key)
                    same_status = answer[0] == expected[0]
                    same_body = answer[0] >= 400 or answer[1] == expected[1]
                    if not (same_status and same_body):
                        raise RuntimeError(
                            f"{server.name} and the ceiling disagree on {path}:\n"
                            f"  {server.name}: {answer[0]} {answer[1][:300]!r}\n"
                            f"  ceiling: {expected[0]} {expected[1][:300]!r}"
                        )
        self.checks.append(
            f"the ceiling answers byte-identical bodies to the server under every loop on "
            f"{len(paths)} paths (pages, a cursor page, reads, 400, 404, 401)"
        )

    def phase_main(self) -> None:
        options = self.options
        print("main: every workload, the ceiling then each loop", flush=True)
        ceiling, *reals = self.start(self.ceiling(), *(self.real(loop) for loop in options.loops))
        self.check_same_answers(ceiling, reals)
        self.main_servers = (ceiling, reals)
        for workload in self.workloads(self.tenant):
            if isinstance(workload, str):
                self.rows.append(Row("main", workload, "-", note=NOT_IN_CONTRACT))
                print(f"  main     {workload:14} {NOT_IN_CONTRACT}", flush=True)
                continue
            measured = self.compare([ceiling, *reals], workload)
            self.relate(measured, measured[0])

    def phase_auth_scaling(self) -> None:
        """Auth cost with 10 keys, then with `junk_keys` more: the 401 flood (every request a
        database probe that misses) and a keyed read (served by the auth cache), plus the
        uncached lookup timed in-process."""
        ceiling, reals = self.main_servers
        print("auth: 10 keys vs many", flush=True)
        unauthorized = Workload(
            "unauthorized",
            "GET",
            ["/v1/studios?limit=1"],
            {"Authorization": "Bearer sk_live_" + "y" * 40},
            expect=401,
        )
        ids = self._ids(self.tenant.account_id)[:200]
        read = Workload("get", "GET", [f"/v1/studios/{i}" for i in ids], self._auth(self.tenant))
        duration = self.options.scaling_duration
        for label in ("10 keys", f"{10 + self.options.junk_keys} keys"):
            if label != "10 keys":
                began = time.monotonic()
                self.seeder.junk_keys(self.others, self.options.junk_keys)
                self.seeder.analyze()
                print(f"  added {self.options.junk_keys} keys in {time.monotonic() - began:.1f}s")
            lookup_us = self.time_uncached_lookup()
            for workload in (unauthorized, read):
                rows = self.compare([ceiling, reals[0]], workload, duration, section="auth")
                self.relate(rows, rows[0])
                for row in rows:
                    row.workload = f"{workload.name} @ {label}"
            self.rows.append(
                Row(
                    "auth",
                    f"uncached key lookup @ {label}",
                    "in-process",
                    note=f"{lookup_us:.0f} µs per authenticate() (median)",
                )
            )

    def time_uncached_lookup(self) -> float:
        engine = make_engine(self.database_url)
        try:
            service = ApiKeyService(
                partial(UnitOfWork, make_session_factory(engine)),
                self.hash_secret,
                cache=AuthCache(0),
            )
            timings = []
            for _ in range(50 if self.options.smoke else 500):
                began = time.perf_counter()
                service.authenticate(self.tenant.secret)
                timings.append(time.perf_counter() - began)
            return statistics.median(timings) * 1e6
        finally:
            engine.dispose()

    def phase_page_scaling(self) -> None:
        """Page cost as one account grows (keyset: flat). Pages are read at cursors spread over
        the whole account, deep pages included, over HTTP and as the bare repository query."""
        ceiling, reals = self.main_servers
        print("scaling: page cost as one account grows", flush=True)
        tenant = self.seeder.tenant("Scaling account")
        have = 0
        for size in self.options.scaling_sizes:
            began = time.monotonic()
            self.seeder.studios(tenant.account_id, size - have, self.others, 0)
            self.seeder.analyze()
            have = size
            print(
                f"  grew the account to {size} studios in {time.monotonic() - began:.1f}s",
                flush=True,
            )
            ids = self._ids(tenant.account_id)
            step = max(1, len(ids) // 200)
            cursors = [ids[i] for i in range(0, len(ids) - 1, step)]
            query_us = self.time_page_query(tenant.account_id, cursors)
            workload = Workload(
                "list",
                "GET",
                [f"/v1/studios?limit=50&cursor={encode_cursor(c)}" for c in cursors],
                self._auth(tenant),
            )
            duration = self.options.scaling_duration
            rows = self.compare([ceiling, reals[0]], workload, duration, section="scaling")
            self.relate(rows, rows[0])
            for row in rows:
                row.workload = f"list @ {size:,} studios"
            self.rows.append(
                Row(
                    "scaling",
                    f"keyset query @ {size:,} studios",
                    "in-process",
                    note=f"{query_us:.0f} µs per 50-row page (median, "
                    f"{len(cursors)} cursors over the whole account)",
                )
            )

    def time_page_query(self, account_id: str, cursors: list[str]) -> float:
        engine = make_engine(self.database_url)
        try:
            sessions = make_session_factory(engine)
            timings = []
            for cursor in cursors * (1 if self.options.smoke else 3):
                with sessions() as session:
                    began = time.perf_counter()
                    rows = StudioRepository(session).page(account_id, PageRequest(50, cursor))
                    timings.append(time.perf_counter() - began)
                    assert all(row.id > cursor for row in rows)
            return statistics.median(timings) * 1e6
        finally:
            engine.dispose()

    def phase_levers(self) -> None:
        """Each lever moved alone, on the list workload (create for the SQLite durability
        lever), measured round-robin against the production defaults of the same loop (and
        the defaults against the ceiling at the same worker count). On a shared machine req/s
        drifts with the neighbours' load; CPU per request measures the work itself, so a lever's
        effect is read as Δcpu/req against the default it was measured beside."""
        print("levers: one change at a time", flush=True)
        by_name = {w.name: w for w in self.workloads(self.tenant) if isinstance(w, Workload)}
        list_workload, create = by_name["list"], by_name["create"]
        duration = self.options.lever_duration
        for workers in (1, 2):
            ceiling = self.ceiling(workers)
            ceiling.name = f"ceiling ×{workers}"
            defaults = [self.real(f, f"{f} ×{workers}", workers) for f in self.options.loops]
            self.start(ceiling, *defaults)
            rows = self.compare([ceiling, *defaults], list_workload, duration, section="levers")
            self.relate(rows, rows[0])
            ceiling.stop()
            for loop, default in zip(self.options.loops, defaults, strict=True):
                if workers == 1 and loop == self.options.loops[0]:  # the default loop's levers
                    for name, server, workload in self.lever_variants(loop):
                        server.name = f"{loop} {name}"
                        self.start(server)
                        pair = self.compare(
                            [default, server], by_name[workload], duration, "levers"
                        )
                        server.stop()
                        self.rows.remove(pair[0])  # the default's row is the one above
                        _delta(pair[1], pair[0])
                        if workload == "list" and rows[0].rps:
                            pair[1].ratio = pair[1].rps / rows[0].rps
                    if loop == self.options.loops[0]:
                        self.lever_sqlite_synchronous(loop, create, duration)
                default.stop()
        self.lever_workers()

    def lever_variants(self, loop: str) -> list[tuple[str, Server, str]]:
        """(name, server, the workload it is measured on): the list unless the lever only
        acts on another path."""
        variant = partial(self.real, loop, app="bench.variant_app:app")
        on_list = [
            ("+response validation", self.real(loop, TRAX_VALIDATE_RESPONSES="1")),
            ("−auth cache (TTL 0)", self.real(loop, TRAX_AUTH_CACHE_SECONDS="0")),
            ("text logs (not JSON)", self.real(loop, TRAX_LOG_FORMAT="text")),
            *((name, variant(BENCH_LEVERS=lever)) for name, lever in VARIANT_LEVERS),
        ]
        # The Redis rate limiter's cost (goal: at most 0.15 ms per request), when
        # BENCH_REDIS_URL names a Redis database the run may use.
        redis_url = os.environ.get("BENCH_REDIS_URL")
        if redis_url:
            redis = self.real(
                loop, TRAX_REDIS_URL=redis_url, TRAX_REDIS_PREFIX=f"bench-{self.stamp}:"
            )
            on_list.insert(0, ("+Redis rate limiter", redis))
        elsewhere = [
            (
                "error handlers in threads (connexion's way)",
                variant(BENCH_LEVERS="threaded_errors"),
                "unauthorized",
            ),
            (
                "body parsed again by connexion (no one-pass validation)",
                variant(BENCH_LEVERS="no_parsed_body"),
                "create",
            ),
        ]
        if self.database_url.startswith("sqlite"):
            # The studio INSERT through Core's execution instead of on the sqlite3 connection.
            elsewhere.append(
                ("studio INSERT executed by Core", variant(BENCH_LEVERS="core_insert"), "create")
            )
        if self.database_url.startswith("postgresql"):
            # PostgreSQL reads hop to the reader threads; the thread pool would use forty.
            readers = self.real(loop, TRAX_READ_THREADS="40")
            elsewhere.insert(0, ("40 reader threads (not 4)", readers, "get"))
            pinged = variant(BENCH_LEVERS="ping_every_checkout")
            elsewhere.insert(1, ("a ping at every checkout (no alive bypass)", pinged, "get"))
        return [(name, server, "list") for name, server in on_list] + elsewhere

    def lever_sqlite_synchronous(self, loop: str, create: Workload, duration: float) -> None:
        if not self.database_url.startswith("sqlite"):
            return
        servers = [
            self.real(
                loop,
                f"{loop} synchronous={name}",
                app="bench.variant_app:app",
                BENCH_LEVERS=levers,
            )
            for name, levers in (("FULL (default)", ""), ("NORMAL", "sqlite_synchronous_normal"))
        ]
        self.start(*servers)
        rows = self.compare(servers, create, duration, section="levers")
        for server in servers:
            server.stop()
        _delta(rows[1], rows[0])

    def lever_workers(self) -> None:
        """What a second worker buys, per server: req/s ×2 workers ÷ ×1 worker."""
        by_server = {row.server: row for row in self.rows if row.section == "levers"}
        for name in [CEILING, *self.options.loops]:
            one, two = by_server.get(f"{name} ×1"), by_server.get(f"{name} ×2")
            if one and two and one.rps:
                two.extra["vs ×1"] = two.rps / one.rps
                two.note = f"{two.rps / one.rps:.2f}× the req/s of 1 worker"

    # the report

    def goal_lines(self) -> list[str]:
        kind = "sqlite" if self.database_url.startswith("sqlite") else "postgresql"
        goals = CPU_GOALS[kind]
        lines = [
            f"Goals ({kind}, main section, 1 worker): cpu× "
            + ", ".join(f"{workload} ≤ {bound:g}" for workload, bound in goals.items())
            + f"; p99× ≤ {P99_GOAL:g} on every workload."
        ]
        for row in self.rows:
            if row.section != "main" or row.server == CEILING or row.p99_ratio is None:
                continue
            bound = goals.get(row.workload)
            parts, met = [], (row.p99_ratio or 99) <= P99_GOAL
            if bound is not None:
                parts.append(f"cpu× {_fmt(row.cpu_ratio, 2)} (≤ {bound:g})")
                met = met and row.cpu_ratio is not None and row.cpu_ratio <= bound
            parts.append(f"p99× {row.p99_ratio:.1f} (≤ {P99_GOAL:g})")
            lines.append(
                f"- {row.workload} on {row.server}: {', '.join(parts)} → "
                f"{'met' if met else 'NOT met'}"
            )
        return lines

    def report(self, seconds: float) -> dict:
        options = self.options
        lines = [
            f"# make bench, {self.stamp}",
            "",
            f"{platform.node()} · {os.cpu_count()} cpus · Python {platform.python_version()} · "
            f"load generator {self.generator}, {options.connections} connections, "
            f"{options.duration:g}s per measurement (scaling {options.scaling_duration:g}s) · "
            f"{options.workers} worker(s) per server unless marked ×N · database "
            f"{'SQLite' if self.database_url.startswith('sqlite') else 'PostgreSQL'}, "
            f"{options.studios:,} studios in the benchmarked account · run took {seconds:.0f}s",
            "",
            "ratio = req/s ÷ the ceiling's req/s in the same section; p99× = p99 ÷ the ceiling's "
            "p99; cpu× = CPU per request ÷ the ceiling's. cpu = server CPU (user+system, all its "
            "processes) per request.",
            "",
            "| section | workload | server | req/s | p50 ms | p99 ms | cpu ms/req | cpu× | ratio "
            "| p99× | note |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for row in self.rows:
            if row.requests == 0:
                lines.append(
                    f"| {row.section} | {row.workload} | {row.server} | | | | | | | | {row.note} |"
                )
                continue
            errors = row.note or (f"{row.socket_errors} socket errors" if row.socket_errors else "")
            lines.append(
                f"| {row.section} | {row.workload} | {row.server} | {row.rps:,.0f} | "
                f"{row.p50_ms:.2f} | {row.p99_ms:.2f} | {_fmt(row.cpu_ms_per_request, 3)} | "
                f"{_fmt(row.cpu_ratio, 2)} | {_fmt(row.ratio, 2)} | {_fmt(row.p99_ratio, 1)} | "
                f"{errors} |"
            )
        lines += ["", *self.goal_lines()]
        lines += ["", *(f"- check: {check}" for check in self.checks)]
        table = "\n".join(lines) + "\n"
        print("\n" + table)
        result = {
            "rows": [asdict(row) for row in self.rows],
            "checks": self.checks,
            "generator": self.generator,
            "seconds": seconds,
        }
        name = "smoke" if options.smoke else f"bench-{self.stamp}"
        (options.output_dir / f"{name}.md").write_text(table)
        (options.output_dir / f"{name}.json").write_text(json.dumps(result, indent=2))
        if not options.smoke:
            (options.output_dir / "latest.md").write_text(table)
        print(f"written to {options.output_dir / name}.md (and .json)")
        return result


# The levers bench/variant_app.py moves, measured on the list: (name in the table, BENCH_LEVERS).
VARIANT_LEVERS = (
    ("−operation cache", "no_operation_cache"),
    ("−validator cache", "no_validator_cache"),
    ("+indent=2 JSON", "pretty_json"),
    ("−request log line", "no_request_log"),
    ("−metrics and request log", "no_telemetry"),
    ("stdlib JSON (not orjson)", "stdlib_json"),
    ("ORM reads (not Core)", "orm_reads"),
    ("reads executed by Core (not on the DBAPI)", "core_execution"),
    ("connexion's content-type lookup", "no_content_type_cache"),
    ("handlers in threads (not inline)", "threaded_handlers"),
    ("−gc.freeze()", "no_gc_freeze"),
    ("−memoised parameter names", "no_names_cache"),
    ("Swagger UI's router on every request", "no_swagger_ui_path"),
    ("form and body read on GETs", "no_bodiless_plan"),
    ("parameters read twice (no plan)", "no_parameter_plan"),
    ("body definitions per call", "no_body_definition_cache"),
)

# Issue 12's goals: CPU per request ÷ the ceiling's, 1 worker, 32 connections, same run.
CPU_GOALS = {
    "sqlite": {"get": 3.5, "list": 3.0, "create": 4.0, "unauthorized": 5.0},
    "postgresql": {"get": 5.0, "list": 4.0},
}
P99_GOAL = 4.0


def _with_database(url: str, name: str) -> str:
    return str(make_url(url).set(database=name).render_as_string(hide_password=False))


def _admin(server_url: str, statement: str) -> None:
    """CREATE/DROP DATABASE run outside a transaction, on the server's maintenance database."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_bench_database(server_url: str) -> str:
    """The PostgreSQL mode's own database, made anew (never the `test` schema others use)."""
    _admin(server_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    _admin(server_url, f"CREATE DATABASE {BENCH_DATABASE}")
    return _with_database(server_url, BENCH_DATABASE)


def drop_bench_database(server_url: str) -> None:
    _admin(server_url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _delta(row: Row, default: Row) -> None:
    """A lever's effect: its CPU per request against the default's."""
    if row.cpu_ms_per_request and default.cpu_ms_per_request:
        change = row.cpu_ms_per_request / default.cpu_ms_per_request - 1
        added = row.cpu_ms_per_request - default.cpu_ms_per_request
        row.extra["cpu vs default"] = change
        row.extra["cpu ms vs default"] = added
        row.note = (row.note + "; " if row.note else "") + (
            f"cpu/req {change:+.0%} ({added:+.3f} ms) vs default, "
            f"req/s {row.rps / default.rps - 1:+.0%}"
            if default.rps
            else f"cpu/req {change:+.0%} ({added:+.3f} ms) vs default"
        )


def stream_status_path() -> str | None:
    """The stream-status route when the contract has it (issue 3 adds it): its path, else None."""
    spec = load_spec()
    for path, item in spec["paths"].items():
        if path.rstrip("/").endswith("/stream-status") and "get" in item:
            return "/v1" + path
    return None


def _fetch(server: Server, path: str, key: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        server.base_url + path, headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> dict:
    options = parse_options(argv)
    result = Bench(options).run()
    broken = [row for row in result["rows"] if row["unexpected"] or row["socket_errors"]]
    if broken:
        print(f"bench: {len(broken)} measurement(s) saw unexpected answers", file=sys.stderr)
    return result
