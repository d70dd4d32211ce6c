"""CRM latency at scale: load generated customers into SQLite, serve the real app with
gunicorn, and time customer search, the customer list, the 360 page and the API
customer detail. Target: p95 under 100 ms each.

    .venv/bin/python benchmarks/crm_latency.py                    # 1 M customers
    .venv/bin/python benchmarks/crm_latency.py --customers 10000  # a quick run
    .venv/bin/python benchmarks/crm_latency.py --database-url postgresql://kehu@127.0.0.1/kehu

The database (``--db``, an SQLite file, or ``--database-url``, an empty PostgreSQL
database the benchmark owns: it drops and recreates its public schema to load) is reused
when it already holds the requested data, so re-runs only measure. Results: a table on
stdout and ``bench-out/crm_latency.md`` (``crm_latency_postgresql.md``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
BIN = Path(sys.executable).parent
TARGET_MS = 100.0
BENCH_USER = "bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders-per-customer", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint")
    parser.add_argument("--db", type=Path, default=OUT / "crm_latency.sqlite3")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to load and serve from instead of the SQLite file; "
        "its public schema is dropped and recreated when it does not hold the data",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args(argv)


# ---------------------------------------------------------------- database and data


def on_postgresql(args: argparse.Namespace) -> bool:
    return bool(args.database_url)


def configure_environment(args: argparse.Namespace) -> dict[str, str]:
    """A separate database and KEHU_HOME for the benchmark, shared with the server."""
    if on_postgresql(args) and not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"--database-url must be a postgresql:// URL, got {args.database_url!r}")
    home = args.db.parent / "crm_latency_home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{args.db.resolve()}"
    os.environ["KEHU_HOME"] = str(home.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.crm.settings")
    return dict(os.environ)


def stamp_path(args: argparse.Namespace) -> Path:
    if on_postgresql(args):
        return args.db.parent / "crm_latency_postgresql.json"
    return args.db.with_suffix(".json")


def wanted_stamp(args: argparse.Namespace) -> dict[str, object]:
    return {
        "customers": args.customers,
        "orders_per_customer": args.orders_per_customer,
        "seed": args.seed,
        "database": args.database_url or str(args.db.resolve()),
    }


def reusable(args: argparse.Namespace) -> dict[str, object] | None:
    """The stamp of an existing database that holds exactly the requested data."""
    stamp = stamp_path(args)
    if not stamp.exists() or not (on_postgresql(args) or args.db.exists()):
        return None
    recorded = json.loads(stamp.read_text())
    wanted = wanted_stamp(args)
    if not all(recorded.get(k) == v for k, v in wanted.items()):
        return None
    from kehu.crm.customers.models import Customer

    try:
        holds_data = Customer.objects.count() == recorded["counts"]["customers"]
    except Exception:  # no tables yet: a database dropped or recreated since the stamp
        holds_data = False
    return recorded if holds_data else None


def remove_database(args: argparse.Namespace) -> None:
    stamp_path(args).unlink(missing_ok=True)
    if on_postgresql(args):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.close()
        return
    db = args.db
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)


def load(args: argparse.Namespace, env: dict[str, str]) -> dict[str, object]:
    """Migrate a new database and load the demo data; returns the stamp it writes."""
    args.db.parent.mkdir(parents=True, exist_ok=True)
    remove_database(args)
    subprocess.run([BIN / "kehu", "migrate", "--quiet"], env=env, check=True)
    from kehu.crm.demo.load import load_demo

    started = time.perf_counter()
    counts = load_demo(
        args.customers,
        seed=args.seed,
        progress=True,
        orders_per_customer=args.orders_per_customer,
    )
    stamp = {
        **wanted_stamp(args),
        "load_seconds": round(time.perf_counter() - started, 1),
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": counts,
    }
    settle()
    stamp_path(args).write_text(json.dumps(stamp, indent=2))
    return stamp


def settle() -> None:
    """SQLite: fold the write-ahead log into the file, so its size is the data's.
    PostgreSQL: gather the planner's statistics now, as autovacuum soon would after a
    load this size, so the measurement does not depend on when it gets to it."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_credentials() -> tuple[str, str]:
    """An admin user (sees every customer) with a fresh password and API token."""
    from django.contrib.auth import get_user_model

    from kehu.crm.accounts.actions import create_user, issue_token

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.filter(username=BENCH_USER).first()
    if user is None:
        user, _ = create_user(BENCH_USER, role="admin", password=password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    return password, issue_token(user, "crm latency benchmark")


@dataclass
class Inputs:
    """Realistic request inputs: words of real customers' names, real customer ids."""

    search_terms: list[str]
    customer_ids: list[int]


def _name_word(name: str, rng: np.random.Generator) -> str:
    """What a user would type to find this customer: a word of a Latin name; the
    surname or given name of a Chinese person; the start of a Chinese company name."""
    if re.match(r"[\u3400-\u9fff]", name):
        if len(name) <= 3:
            return name[:1] if rng.random() < 0.5 else name[1:]
        return name[:4]
    words = [w for w in re.findall(r"[\w'-]+", name) if len(w) > 2]
    return words[int(rng.integers(0, len(words)))] if words else name


def draw_inputs(n: int, seed: int) -> Inputs:
    from kehu.crm.customers.models import Customer

    rng = np.random.default_rng(seed)
    bounds = Customer.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), bounds.last()
    ids = rng.integers(low, high + 1, n).tolist()
    names = Customer.objects.filter(pk__in=rng.integers(low, high + 1, n).tolist())
    terms = [_name_word(name, rng) for name in names.values_list("name", flat=True)]
    return Inputs(search_terms=terms or ["a"], customer_ids=ids)


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    command = [BIN / "kehu", "serve", "--port", str(port), "--no-scheduler"]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    log = (args.db.parent / "crm_latency_server.log").open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer on port {port} within {timeout:.0f} s")


# ---------------------------------------------------------------- the client


@dataclass
class Client:
    """A keep-alive HTTP client with a cookie jar, enough for Django's login form."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"no login form at /login/ (HTTP {status})")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _ = self.request("POST", "/login/", urlencode(form), headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed (HTTP {status})")


# ---------------------------------------------------------------- measuring


@dataclass
class Endpoint:
    name: str
    path: Callable[[int], str]  # request number -> path
    headers: dict[str, str] = field(default_factory=dict)
    timings_ms: list[float] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def slowest(self, n: int = 3) -> list[tuple[float, str]]:
        return sorted(zip(self.timings_ms, self.paths, strict=True), reverse=True)[:n]


def endpoints(inputs: Inputs, token: str) -> list[Endpoint]:
    terms, ids = inputs.search_terms, inputs.customer_ids

    def pick(values: list, i: int) -> object:
        return values[i % len(values)]

    return [
        Endpoint(
            "customer search by name", lambda i: "/customers/?" + urlencode({"q": pick(terms, i)})
        ),
        Endpoint("customer list page", lambda i: f"/customers/?page={1 + i % 5}"),
        Endpoint("customer 360 page", lambda i: f"/customers/{pick(ids, i)}/"),
        Endpoint(
            "API customer detail",
            lambda i: f"/api/customers/{pick(ids, i)}",
            {"Authorization": f"Bearer {token}"},
        ),
    ]


def measure(client: Client, points: list[Endpoint], n: int, warmup: int) -> None:
    """Round-robin over the endpoints, so that each sees the same server state."""
    for i in range(warmup + n):
        for point in points:
            path = point.path(i)
            started = time.perf_counter()
            status, _body = client.request("GET", path, headers=point.headers)
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                raise RuntimeError(f"{point.name}: GET {path} answered HTTP {status}")
            if i >= warmup:
                point.timings_ms.append(elapsed)
                point.paths.append(path)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def result_rows(points: list[Endpoint]) -> list[list[str]]:
    rows = []
    for point in points:
        p50, p95 = percentile(point.timings_ms, 50), percentile(point.timings_ms, 95)
        rows.append(
            [
                point.name,
                str(len(point.timings_ms)),
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{max(point.timings_ms):.1f}",
                f"< {TARGET_MS:.0f}",
                "pass" if p95 < TARGET_MS else "FAIL",
            ]
        )
    return rows


HEADER = ["endpoint", "n", "p50 ms", "p95 ms", "max ms", "p95 target", "result"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def machine() -> str:
    meminfo = Path("/proc/meminfo")
    ram = ""
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text())[1])
        ram = f", {kib / 1024**2:.0f} GiB RAM"
    load = ", load average {:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    python = platform.python_version()
    return f"{os.cpu_count()} CPU cores{ram}{load}; {platform.platform()}; Python {python}"


def database_description(args: argparse.Namespace) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            size_gib = cursor.fetchone()[0] / 1024**3
            return f"PostgreSQL {version} database of {size_gib:.2f} GiB on loopback"
    import sqlite3

    size_gib = sum(p.stat().st_size for p in args.db.parent.glob(args.db.name + "*")) / 1024**3
    return f"SQLite {sqlite3.sqlite_version} database of {size_gib:.2f} GiB"


def slowest_requests(points: list[Endpoint]) -> list[str]:
    lines = ["Slowest requests:", ""]
    for point in points:
        slow = ", ".join(f"`{path}` {ms:.0f} ms" for ms, path in point.slowest())
        lines.append(f"- {point.name}: {slow}")
    return lines


def report(args: argparse.Namespace, stamp: dict, points: list[Endpoint], reused: bool) -> str:
    counts = stamp["counts"]
    load_note = "reused from an earlier run" if reused else "this run"
    return "\n".join(
        [
            "# CRM latency",
            "",
            f"{counts['customers']:,} customers, {counts['orders']:,} orders, "
            f"{counts['order_lines']:,} order lines, {counts['search_terms']:,} search terms "
            f"(seed {stamp['seed']}); {database_description(args)}, "
            f"loaded in {stamp['load_seconds']:.0f} s ({load_note}).",
            f"Server: `kehu serve` (gunicorn, {args.workers} workers x {args.threads} threads); "
            f"{args.warmup} warm-up then {args.requests} timed requests per endpoint, "
            "round-robin, one client on a keep-alive connection.",
            f"Machine: {machine()}.",
            f"Measured {datetime.now(UTC).isoformat(timespec='seconds')}.",
            "",
            markdown_table(result_rows(points)),
            "",
            *slowest_requests(points),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = configure_environment(args)
    import django

    django.setup()
    stamp = reusable(args)
    reused = stamp is not None
    if stamp is None:
        where = wanted_stamp(args)["database"]
        print(f"loading {args.customers:,} customers into {where} ...", flush=True)
        stamp = load(args, env)
        print(f"loaded in {stamp['load_seconds']} s: {stamp['counts']}", flush=True)
    else:
        where = wanted_stamp(args)["database"]
        print(f"reusing {where} (loaded in {stamp['load_seconds']} s)", flush=True)
    password, token = bench_credentials()
    inputs = draw_inputs(max(args.requests + args.warmup, 50), args.seed)
    port = free_port()
    server = start_server(port, args, env)
    try:
        wait_until_up(port, server)
        client = Client(port)
        client.login(BENCH_USER, password)
        points = endpoints(inputs, token)
        measure(client, points, args.requests, args.warmup)
    finally:
        stop_server(server)
    rows = result_rows(points)
    markdown = report(args, stamp, points, reused)
    print()
    print(text_table(rows))
    print()
    print(markdown.split("\n\n")[1])
    name = "crm_latency_postgresql.md" if on_postgresql(args) else "crm_latency.md"
    out = args.db.parent / name
    out.write_text(markdown)
    print(f"\nwritten to {out}")
    return 0 if all(r[-1] == "pass" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
