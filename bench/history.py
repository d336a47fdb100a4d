"""History at scale: latency of filtered history pages with 100,000 transfers (issue 8, item 4).

    .venv/bin/python bench/history.py [--rows 100000] [--queries 200] [--backends mariadb,sqlite]
                                      [--mariadb-url URL] [--postgresql-url URL] [--explain]

For each backend it creates a fresh database (MariaDB: a uniquely named database, dropped afterwards;
SQLite: a temporary file; PostgreSQL optional), migrates it with store.migrate, fills it with ``--rows``
transfers of a dozen users (one heavy user with 40 % of them, batches of 1-2,000 items, two years of dates,
a realistic mix of states and wikis, plans of about a kilobyte), then times ``--queries`` history pages per
query kind for the heaviest user (the worst case), each in its own read transaction, as the web app
does. Prints a table and writes bench/results/history.json. Goal: p95 ≤ 50 ms on MariaDB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from wikifile_transfer.store import migrate  # noqa: E402
from wikifile_transfer.store.db import Database  # noqa: E402
from wikifile_transfer.store.history import HistoryFilter, history_page, history_statement  # noqa: E402
from wikifile_transfer.store.models import Batch, Transfer, User  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "history.json"
GOAL_P95_MS = 50.0
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=730)

STATES = [
    ("done", 78.0),
    ("failed", 8.0),
    ("blocked", 5.0),
    ("cancelled", 3.0),
    ("ready", 2.0),
    ("retry_wait", 1.0),
    ("planned", 1.0),
    ("queued", 1.5),
    ("running", 0.5),
]
TARGETS = [
    ("commons", 70.0),
    ("en.wikipedia", 8.0),
    ("de.wikipedia", 5.0),
    ("hi.wikipedia", 4.0),
    ("fr.wikipedia", 3.0),
    ("zh-min-nan.wikipedia", 1.0),
    ("be-x-old.wikipedia", 1.0),
    ("roa-tara.wikipedia", 1.0),
    ("https://wiki.example.org/w/api.php", 2.0),
    ("ja.wikipedia", 2.0),
    ("es.wikipedia", 3.0),
    ("rare.example.org", 0.01),
]
SOURCES = [
    ("en.wikipedia", 35.0),
    ("de.wikipedia", 15.0),
    ("fr.wikipedia", 10.0),
    ("commons", 10.0),
    ("it.wikipedia", 5.0),
    ("hi.wikipedia", 5.0),
    ("ru.wikipedia", 5.0),
    ("ja.wikipedia", 4.0),
    ("pl.wikipedia", 3.0),
    ("zh-min-nan.wikipedia", 2.0),
    ("be-x-old.wikipedia", 2.0),
    ("roa-tara.wikipedia", 2.0),
    ("https://wiki.example.org/w/api.php", 2.0),
]
WORDS = (  # noqa: SIM905 - easier to edit as text
    "Sunset Beach Cathedral Bridge River Mountain Portrait Map Flag Coat of arms Station Tower Castle "
    "Lake Market Street Church Museum Harbour Forest Village Old Town Panorama Night Winter Summer "
    "Straße Köln München Zürich Ελλάδα Αθήνα Москва Київ 東京 京都 北京 서울 मुंबई दिल्ली Ñandú São Paulo "
    "Łódź Kraków İstanbul Reykjavík Þingvellir 𝔘nicode 🌅 Sunrise Rainbow"
).split()
EXTENSIONS = ["jpg"] * 8 + ["png", "png", "svg", "pdf", "ogg", "webm", "tif", "JPG"]


def weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def title_for(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
    return f"File:{words} {n} ({rng.randint(1, 9999)}).{rng.choice(EXTENSIONS)}"


def fill(db: Database, rows: int, seed: int = 8) -> dict[str, Any]:
    """Users, batches and ``rows`` transfers, created in time order (ids grow with created_at)."""
    rng = random.Random(seed)
    user_weights = [40, 20, 10, 8, 6, 5, 4, 3, 2, 1, 0.6, 0.4]
    with db.session() as s:
        users = [User(domain="wikimedia", username=f"Bench user {i}") for i in range(len(user_weights))]
        s.add_all(users)
        s.flush()
        user_ids = [u.id for u in users]
    # Items arrive in groups: a batch (1-2,000 items, log-uniform) or a single transfer.
    groups: list[tuple[int, int, bool]] = []  # (user, size, is_batch)
    total = 0
    while total < rows:
        user = rng.choices(user_ids, weights=user_weights)[0]
        if rng.random() < 0.3:
            size, is_batch = 1, False
        else:
            size, is_batch = min(rows - total, int(2 ** rng.uniform(0, 11))), True
        size = max(1, min(size, rows - total))
        groups.append((user, size, is_batch))
        total += size
    step = SPAN / len(groups)
    pending: list[dict[str, Any]] = []
    batches: dict[int, list[int]] = {}
    n = 0
    engine = db.engine
    with engine.begin() as conn:
        for index, (user, size, is_batch) in enumerate(groups):
            when = START + step * index
            target = weighted(rng, TARGETS)
            source = weighted(rng, SOURCES)
            batch_id = None
            if is_batch:
                batch_id = conn.execute(
                    insert(Batch).values(
                        user_id=user,
                        target_wiki=target,
                        source_kind=rng.choice(["urls", "category", "user", "page"]),
                        source_spec=f"{source}:Category:{rng.choice(WORDS)}",
                        options={},
                        state="done",
                        cancel_requested=False,
                        item_count=size,
                        error_params=[],
                        created_at=when,
                        updated_at=when,
                    )
                ).inserted_primary_key[0]
                batches.setdefault(user, []).append(batch_id)
            # recent groups still have items in flight
            recent = index > len(groups) - 20
            for position in range(size):
                n += 1
                state = weighted(rng, STATES) if not recent else rng.choice(["queued", "running", "done"])
                title = title_for(rng, n)
                renamed = rng.random() < 0.1
                target_title = title_for(rng, n) if renamed else title
                created = when + dt.timedelta(seconds=position * 0.5, microseconds=rng.randint(0, 999))
                pending.append(
                    {
                        "user_id": user,
                        "batch_id": batch_id,
                        "position": position,
                        "source_input": f"{source}:{title}",
                        "source_wiki": source if rng.random() > 0.002 else None,
                        "source_title": title,
                        "source_url": f"https://{source}.org/wiki/{title.replace(' ', '_')}",
                        "target_wiki": target,
                        "requested_title": target_title if renamed else None,
                        "target_title": target_title if state != "planned" else None,
                        "target_url": None,
                        "state": state,
                        "outcome": {"done": "done", "failed": "failed", "blocked": "blocked"}.get(state),
                        "excluded": rng.random() < 0.01,
                        "options": {},
                        "plan": {
                            "versions": [
                                {"sha1": f"{rng.getrandbits(160):040x}", "size": rng.randint(10**4, 10**7)}
                                for _ in range(rng.choice([1, 1, 1, 2, 3]))
                            ],
                            "text": "== {{int:filedesc}} ==\n{{Information\n|description="
                            + title * 6
                            + "\n}}",
                        },
                        "report": [
                            {"id": "title-free", "outcome": "pass", "key": "wft-check-x", "params": []}
                        ],
                        "sha1s": [],
                        "version_count": 1,
                        "uploaded_count": 1 if state == "done" else 0,
                        "steps_done": [],
                        "attempts": 1,
                        "step_params": [],
                        "bytes_done": 0,
                        "bytes_total": rng.randint(10**4, 10**7),
                        "error_key": "wft-error-api" if state == "failed" else None,
                        "error_params": [],
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                if len(pending) >= 2000:
                    conn.execute(insert(Transfer), pending)
                    pending = []
        if pending:
            conn.execute(insert(Transfer), pending)
    heavy = user_ids[0]
    return {"users": user_ids, "heavy_user": heavy, "batches": batches.get(heavy, [])}


def analyze(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.backend in ("mysql", "mariadb"):
            conn.exec_driver_sql("ANALYZE TABLE transfers, batches, users")
        else:
            conn.exec_driver_sql("ANALYZE")


def query_kinds(
    db: Database, info: dict[str, Any], rng: random.Random
) -> dict[str, Callable[[], HistoryFilter]]:
    user = info["heavy_user"]
    with db.read_session() as s:
        wikis = [
            w for (w,) in s.execute(select(Transfer.target_wiki).where(Transfer.user_id == user).distinct())
        ]
        words = [w for w in WORDS if len(w) >= 4]

    def date_range() -> HistoryFilter:
        start = START + dt.timedelta(days=rng.uniform(0, 700))
        return HistoryFilter(created_from=start, created_to=start + dt.timedelta(days=30))

    return {
        "no filter": HistoryFilter,
        "state": lambda: HistoryFilter(states=(rng.choice(["done", "failed", "blocked", "cancelled"]),)),
        "two states": lambda: HistoryFilter(states=("failed", "blocked")),
        "two rare states": lambda: HistoryFilter(states=("checked", "retry_wait")),
        "target wiki": lambda: HistoryFilter(target_wiki=rng.choice(wikis)),
        "target wiki, rare": lambda: HistoryFilter(target_wiki="rare.example.org"),
        "date range (30 days)": date_range,
        "since a date": lambda: HistoryFilter(created_from=START + dt.timedelta(days=rng.uniform(0, 700))),
        "batch": lambda: HistoryFilter(batch_id=rng.choice(info["batches"])),
        "title text": lambda: HistoryFilter(text=rng.choice(words).lower()),
        "title text, rare": lambda: HistoryFilter(text=f"{rng.randint(1, 99999)} ("),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(db: Database, info: dict[str, Any], queries: int, explain: bool) -> dict[str, dict[str, float]]:
    rng = random.Random(20)
    user = info["heavy_user"]
    kinds = query_kinds(db, info, rng)
    out: dict[str, dict[str, float]] = {}

    def timed(make: Callable[[], tuple[HistoryFilter, int | None]]) -> dict[str, float]:
        samples, rows = [], 0
        for i in range(queries + 10):
            flt, after = make()
            t0 = time.perf_counter()
            with db.read_session() as s:
                page = history_page(s, user, flt, after_id=after)
                rows += len(page.rows)
            if i >= 10:  # warm-up
                samples.append((time.perf_counter() - t0) * 1000)
        return {
            "p50_ms": round(percentile(samples, 50), 2),
            "p95_ms": round(percentile(samples, 95), 2),
            "max_ms": round(max(samples), 2),
            "mean_rows": round(rows / (queries + 10), 1),
        }

    for name, make in kinds.items():
        if explain:
            show_plan(db, user, make(), name)
        out[name] = timed(lambda make=make: (make(), None))
    # page 20 via the cursor: walk 19 pages once, then time the 20th
    with db.read_session() as s:
        after: int | None = None
        for _ in range(19):
            after = history_page(s, user, HistoryFilter(), after_id=after).next_after_id
    if explain:
        show_plan(db, user, HistoryFilter(), "page 20", after)
    out["page 20 (cursor)"] = timed(lambda: (HistoryFilter(), after))
    # far down the history: the cursor 25,000 rows below the newest (page 500)
    with db.read_session() as s:
        deep = s.scalar(
            select(Transfer.id)
            .where(Transfer.user_id == user)
            .order_by(Transfer.id.desc())
            .offset(25_000)
            .limit(1)
        )
    if explain:
        show_plan(db, user, HistoryFilter(), "page 500", deep)
    out["page 500 (cursor)"] = timed(lambda: (HistoryFilter(), deep))
    out["page 500, state"] = timed(lambda: (HistoryFilter(states=("done",)), deep))
    return out


def show_plan(db: Database, user: int, flt: HistoryFilter, name: str, after: int | None = None) -> None:
    with db.read_session() as s:
        stmt, _ = history_statement(s, user, flt.validated(), after)
        if stmt is None:
            return
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if db.backend == "sqlite" else "EXPLAIN "
        plan = s.execute(text(prefix + sql)).fetchall()
    print(f"--- {db.backend}: {name}")
    for row in plan:
        print("   ", " | ".join(str(c) for c in row))


def fresh_server_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    url = make_url(admin_url)
    name = f"wft_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    cleanup: Callable[[], None]
    if backend == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="wft-bench-")
        url = f"sqlite:///{folder.name}/history.sqlite"
        cleanup = folder.cleanup
    else:
        url, cleanup = fresh_server_database(
            args.mariadb_url if backend == "mariadb" else args.postgresql_url
        )
    db = Database(url)
    try:
        migrate.upgrade(db)
        t0 = time.perf_counter()
        info = fill(db, args.rows)
        analyze(db)
        fill_s = time.perf_counter() - t0
        with db.read_session() as s:
            heavy_rows = s.scalar(select(func.count()).where(Transfer.user_id == info["heavy_user"]))
        print(f"{backend}: filled {args.rows} transfers in {fill_s:.1f} s (heaviest user: {heavy_rows})")
        results = measure(db, info, args.queries, args.explain)
        return {
            "rows": args.rows,
            "heavy_user_rows": heavy_rows,
            "fill_s": round(fill_s, 1),
            "queries": results,
        }
    finally:
        db.dispose()
        cleanup()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="mariadb,sqlite")
    parser.add_argument(
        "--mariadb-url",
        default=os.environ.get("WFT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
    )
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get(
            "WFT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--explain", action="store_true", help="print the query plan of every query kind")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/history.json")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    report: dict[str, Any] = {}
    for backend in backends:
        report[backend] = run_backend(backend, args)
    names = list(next(iter(report.values()))["queries"])
    header = f"{'query':<24}" + "".join(f"{b + ' p50':>17}{b + ' p95':>17}" for b in backends)
    print()
    print(f"History page (50 rows) latency in ms, {args.rows:,} transfers, {args.queries} queries each")
    print(header)
    for name in names:
        line = f"{name:<24}"
        for b in backends:
            q = report[b]["queries"][name]
            line += f"{q['p50_ms']:>17.2f}{q['p95_ms']:>17.2f}"
        print(line)
    worst = {b: max(q["p95_ms"] for q in report[b]["queries"].values()) for b in backends}
    for b in backends:
        verdict = "meets" if worst[b] <= GOAL_P95_MS else "misses"
        print(
            f"{b}: worst p95 {worst[b]:.2f} ms, {verdict} the goal (≤ {GOAL_P95_MS:.0f} ms)"
            if b == "mariadb"
            else f"{b}: worst p95 {worst[b]:.2f} ms"
        )
    result = {
        "rows": args.rows,
        "queries_per_kind": args.queries,
        "page_size": 50,
        "goal_p95_ms": GOAL_P95_MS,
        "p95_ms": worst.get("mariadb"),
        "backends": report,
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
