"""The benchmark suite (issue 8): every figure beside a baseline measured in the same run.

    .venv/bin/python bench/run.py [--quick] [--only batch,api,memory,history,big_batch,convert] [--keep]

Brings up its own testbed (three real MediaWiki wikis) in bench/.work/testbed, seeds the bench files,
runs each measurement in a child process (bench/child.py: its own peak RSS and request counts), writes
bench/results/latest.json and latest.md, and brings the testbed down again (``--keep`` leaves it up).

1. batch      50 files (100 KB-5 MB, 1-3 versions) src -> commons with the CLI's ``batch`` (all checks, the
              description pipeline), against the floor (downloads + uploads of the same bytes, same
              concurrency), the sequential baseline (one file after another, latest version only) and
              pywikibot's imagetransfer (when it can run).
2. api        HTTP requests per file to the source and to the target: a batch of 50 single-version files.
3. memory     peak RSS and time of the tool transferring a 1 GB file (chunked) against the floor's.
4. history    p95 of filtered history pages with 100,000 transfers in MariaDB (bench/history.py).
5. big_batch  dry run of a 1,000-file category against one of a quarter of it: memory flat, time linear.
6. convert    offline description conversion, pages per second (bench/convert.py).
7. remote     the batch of 1 again (tool at concurrency 4 and 8, floor, sequential) with every request to the
              wikis delayed by --latency-ms (router.php's tbLatencyMs): a model of a remote wiki, where a
              request's time is mostly waiting, not the CPU this machine shares with the wikis.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import pwb  # noqa: E402 - bench/pwb.py
from testbed.demo import config_text  # noqa: E402
from testbed.tbclient import TBClient, login, png_bytes, wait_next_second, webm_bytes  # noqa: E402

PY = sys.executable
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
MW = Path("/usr/share/mediawiki")
ALL = ("batch", "api", "memory", "history", "big_batch", "convert", "remote")
WORKERS = 12  # php -S workers per wiki: room for the tool's concurrent requests while they wait (remote)
LATENCY_MS = 200
CONCURRENCY = 4
GOALS = {
    "ratio_to_floor": 1.3,
    "speedup_vs_sequential": 3.0,
    "requests_per_file": 4,
    "memory_mb": 150,
    "memory_ratio_to_floor": 1.2,
    "history_p95_ms": 50,
    "convert_pages_per_s": 1000,
}


def log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def page_text(description: str, category: str) -> str:
    return (
        "== Summary ==\n{{Information\n"
        f"|description={description}\n|date=2024-06-21\n|source={{{{Own}}}}\n"
        "|author=[[User:Alice|Alice]]\n}}\n\n== Licensing ==\n{{Cc-by-sa-4.0}}\n\n"
        f"[[Category:{category}]]\n[[Category:Test images]]\n"
    )


def noise_png(size: int, seed: int) -> bytes:
    side = max(8, int(math.sqrt(size / 3)))
    return png_bytes(side, side, seed=seed, noise=True)


# --- the testbed -------------------------------------------------------------------------------------


class Bed:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.tb: dict[str, Any] = {}

    def up(self) -> None:
        if self.base.exists():
            subprocess.run(
                ["bash", str(ROOT / "testbed" / "down.sh"), str(self.base), "--purge"], check=False
            )
        t0 = time.perf_counter()
        env = {**os.environ, "TB_WORKERS": str(WORKERS)}
        subprocess.run(["bash", str(ROOT / "testbed" / "up.sh"), str(self.base)], check=True, env=env)
        subprocess.run([PY, str(ROOT / "testbed" / "seed.py"), str(self.base)], check=True)
        self.tb = json.loads((self.base / "testbed.json").read_text(encoding="utf-8"))
        for wiki in ("src", "commons"):  # room for the 1 GB file (run-time switch, TESTBED.md §3)
            (self.base / wiki / "runtime.json").write_text(
                '{"wgMaxUploadSize": 4294967296}', encoding="utf-8"
            )
        # Two accounts: an importer (Admin: importupload, so the tool imports the page history) and an
        # ordinary uploader (Alice: the tool writes the history into the description instead).
        (self.base / "config-importer.toml").write_text(config_text(self.tb), encoding="utf-8")
        user = {**self.tb, "users": {**self.tb["users"], "admin": self.tb["users"]["alice"]}}
        (self.base / "config-user.toml").write_text(config_text(user), encoding="utf-8")
        log(f"testbed up and seeded in {time.perf_counter() - t0:.1f} s: {self.base}")

    def runtime(self, wiki: str, **switches: Any) -> None:
        """Set run-time switches of a wiki (runtime.json, TESTBED.md §3), keeping the others; None removes."""
        path = self.base / wiki / "runtime.json"
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        current.update(switches)
        path.write_text(json.dumps({k: v for k, v in current.items() if v is not None}), encoding="utf-8")

    def down(self) -> None:
        subprocess.run(["bash", str(ROOT / "testbed" / "down.sh"), str(self.base), "--purge"], check=False)

    def api(self, wiki: str) -> str:
        return str(self.tb["wikis"][wiki]["api"])

    def url(self, wiki: str, title: str) -> str:
        return str(self.tb["wikis"][wiki]["url"]).rstrip("/") + "/wiki/" + title.replace(" ", "_")

    def client(self, wiki: str) -> TBClient:
        return login(self.tb, wiki)

    def import_images(self, wiki: str, folder: Path, text: str) -> None:
        """Server-side import (importImages.php): fast, and no upload size limit."""
        env = {**os.environ, "MW_CONFIG_FILE": str(self.base / wiki / "LocalSettings.php")}
        subprocess.run(
            ["php", "-d", "memory_limit=1G", str(MW / "maintenance" / "importImages.php"), str(folder),
             "--comment", text, "--user", "Admin", "--summary", "bench"],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def child(
        self,
        out_name: str,
        *args: str,
        data: Path | None = None,
        account: str = "user",
        cap: int = CONCURRENCY,
    ) -> dict[str, Any]:
        """Run bench/child.py with the testbed's configuration and a fresh data folder of its own."""
        out = WORK / f"{out_name}.json"
        data_dir = data or Path(tempfile.mkdtemp(prefix=f"{out_name}-", dir=WORK))
        env = {
            **os.environ,
            "WIKIFILE_TRANSFER_CONFIG": str(self.base / f"config-{account}.toml"),
            "WFT_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(ROOT / "src"),
            # The same concurrency as the floor: --concurrency N files at once, N of them on the target.
            "WFT_TARGET_CAP": str(cap),
            "WFT_SOURCE_CAP": str(cap),
        }
        for key in ("WFT_DATABASE_URL", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(key, None)
        subprocess.run([PY, str(ROOT / "bench" / "child.py"), str(out), *args], check=True, env=env)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        shutil.rmtree(data_dir, ignore_errors=True)
        return result


def per_host(bed: Bed, counts: dict[str, int]) -> dict[str, int]:
    """Request counts by wiki name (src, other, commons) from counts by host:port."""
    names = {f"127.0.0.1:{w['port']}": n for n, w in bed.tb["wikis"].items()}
    out: dict[str, int] = {}
    for host, n in counts.items():
        out[names.get(host, host)] = out.get(names.get(host, host), 0) + n
    return out


# --- seeding -------------------------------------------------------------------------------------------


def seed_files(
    bed: Bed,
    prefix: str,
    count: int,
    sizes: tuple[int, int],
    versions: tuple[int, int],
    seed: int,
    salt: int = 0,
) -> tuple[list[str], int, int]:
    """``count`` PNG files of random pixels on src, each with 1-3 versions; returns their titles."""
    rng = random.Random(seed)
    specs = []
    for i in range(count):
        n = rng.randint(*versions)
        size_list = [int(math.exp(rng.uniform(math.log(sizes[0]), math.log(sizes[1])))) for _ in range(n)]
        specs.append((f"{prefix} {i:04d}.png", size_list, seed * 10_000 + i * 10 + salt * 1_000_000))

    def upload(chunk: list[tuple[str, list[int], int]], version: int) -> None:
        client = bed.client("src")
        for title, size_list, s in chunk:
            if version < len(size_list):
                text = page_text(f"Bench file {title}, seed {s}.", "Bench files")
                data = noise_png(size_list[version], s + version)
                client.upload(title, data, text=text, comment=f"version {version + 1}")

    # Version by version: a re-upload in the same second as the one before collides in the archive.
    for version in range(versions[1]):
        wait_next_second()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(upload, [specs[i::4] for i in range(4)], [version] * 4))
    return (
        [title for title, _, _ in specs],
        sum(sum(s) for _, s, _ in specs),
        sum(len(s) for _, s, _ in specs),
    )


def floor_plan(bed: Bed, titles: list[str], prefix: str, path: Path) -> None:
    """The versions of each file (oldest first) for the floor and the sequential baseline."""
    client = bed.client("src")
    files = []
    for title in titles:
        page = client.get(
            action="query", titles=f"File:{title}", prop="imageinfo", iiprop="url|size", iilimit="max"
        )
        info = page["query"]["pages"][0]["imageinfo"]
        files.append(
            {
                "title": f"{prefix} {title}",
                "source_title": title,
                "source_api": bed.api("src"),
                "versions": [{"url": v["url"], "size": v["size"]} for v in reversed(info)],
            }
        )
    admin = bed.tb["users"]["admin"]
    plan = {
        "target_api": bed.api("commons"),
        "login": admin["login"],
        "password": admin["password"],
        "files": files,
    }
    path.write_text(json.dumps(plan), encoding="utf-8")


def tool_batch(
    bed: Bed, name: str, titles: list[str], *extra: str, account: str = "user", cap: int = CONCURRENCY
) -> dict[str, Any]:
    urls = WORK / f"{name}.urls"
    urls.write_text("".join(bed.url("src", f"File:{t}") + "\n" for t in titles), encoding="utf-8")
    args = ("tool", "batch", "--urls", str(urls), "--to", "commons", "--json", *extra)
    result = bed.child(name, *args, account=account, cap=cap)
    report = json.loads(result["stdout"])
    result["report"] = {k: v for k, v in report.items() if k != "items"}
    result["states"] = sorted({str(i.get("status")) for i in report.get("items", [])})
    return result


def floor_and_sequential(
    bed: Bed, part: str, plan: Path, prefixes: tuple[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The floor (``plan``'s versions, CONCURRENCY files at once), then the sequential baseline (latest
    versions, one file after another) under target names whose prefix ``prefixes[0]`` becomes
    ``prefixes[1]``: neither baseline may meet the other's files on the target."""
    floor = bed.child(f"{part}-floor", "floor", str(plan), str(CONCURRENCY))
    log(f"{part}: floor {floor['seconds']:.1f} s")
    seq_plan = json.loads(plan.read_text(encoding="utf-8"))
    for f in seq_plan["files"]:
        f["title"] = f["title"].replace(prefixes[0], prefixes[1], 1)
    plan.write_text(json.dumps(seq_plan), encoding="utf-8")
    seq = bed.child(f"{part}-sequential", "sequential", str(plan))
    log(f"{part}: sequential {seq['seconds']:.1f} s")
    return floor, seq


def side_by_side(
    bed: Bed, tool: dict[str, Any], floor: dict[str, Any], seq: dict[str, Any]
) -> dict[str, Any]:
    """The tool's time beside the floor's and the sequential baseline's, their ratios, and each run's
    requests by wiki."""
    return {
        "requests": {
            name: per_host(bed, run["requests"])
            for name, run in (("tool", tool), ("floor", floor), ("sequential", seq))
        },
        "tool_s": round(tool["seconds"], 2),
        "floor_s": round(floor["seconds"], 2),
        "sequential_s": round(seq["seconds"], 2),
        "ratio_to_floor": round(tool["seconds"] / floor["seconds"], 2),
        "speedup_vs_sequential": round(seq["seconds"] / tool["seconds"], 2),
        "floor_speedup_vs_sequential": round(seq["seconds"] / floor["seconds"], 2),
    }


# --- the measurements ----------------------------------------------------------------------------------


def bench_batch(bed: Bed, quick: bool, run_id: str) -> dict[str, Any]:
    n = 10 if quick else 50
    t0 = time.perf_counter()
    titles, nbytes, nversions = seed_files(bed, f"Bench {run_id} batch", n, (100_000, 5_000_000), (1, 3), 8)
    # The same sizes and versions again, other bytes: the importer's run must not meet the first one's files.
    imp_titles, _, _ = seed_files(bed, f"Bench {run_id} import", n, (100_000, 5_000_000), (1, 3), 8, salt=1)
    log(
        f"batch: seeded 2 x {n} files, {nversions} versions, {nbytes / 1e6:.0f} MB each "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    plan = WORK / "batch-plan.json"
    floor_plan(bed, titles, "Floor", plan)
    tool = tool_batch(bed, "batch-tool", titles, "--concurrency", str(CONCURRENCY))
    log(f"batch: tool {tool['seconds']:.1f} s, states {tool['states']}")
    importer = tool_batch(
        bed, "batch-importer", imp_titles, "--concurrency", str(CONCURRENCY), account="importer"
    )
    log(f"batch: tool as importer {importer['seconds']:.1f} s, states {importer['states']}")
    floor, seq = floor_and_sequential(bed, "batch", plan, ("Floor", "Sequential"))
    pwb_s, pwb_reason = pywikibot_imagetransfer(bed, plan)
    log(f"batch: pywikibot {pwb_s} s {pwb_reason or ''}")
    return {
        "files": n,
        "versions": nversions,
        "bytes": nbytes,
        "concurrency": CONCURRENCY,
        "account": "an ordinary uploader (no importupload: the history goes into the description)",
        **side_by_side(bed, tool, floor, seq),
        "pywikibot_s": round(pwb_s, 2) if pwb_s is not None else None,
        "pywikibot_reason": pwb_reason,
        "tool_states": tool["states"],
        "tool_peak_rss_mb": round(tool["peak_rss_mb"], 1),
        "importer": {
            "account": "an importer (importupload: Special:Export + action=import, then the text edit)",
            "tool_s": round(importer["seconds"], 2),
            "ratio_to_floor": round(importer["seconds"] / floor["seconds"], 2),
            "speedup_vs_sequential": round(seq["seconds"] / importer["seconds"], 2),
            "states": importer["states"],
            "requests": per_host(bed, importer["requests"]),
        },
    }


def bench_remote(bed: Bed, quick: bool, run_id: str, latency_ms: int) -> dict[str, Any]:
    """The batch with every request to the wikis delayed by ``latency_ms`` (router.php ``tbLatencyMs``).

    On this machine the wikis and the transfer share two CPUs and MediaWiki's upload work is CPU-bound, so
    files moved at once barely beat files moved one after another (part 1). A remote wiki spends most of a
    request's time waiting (network, storage, replication), which costs the client nothing: this part
    models that, to show what concurrency buys there. The delay is per request, both wikis, images too."""
    n = 10 if quick else 50
    titles, nbytes, nversions = seed_files(bed, f"Bench {run_id} remote", n, (100_000, 5_000_000), (1, 3), 11)
    # The same sizes and versions again, other bytes, for the run at twice the concurrency.
    wide_titles, _, _ = seed_files(bed, f"Bench {run_id} wide", n, (100_000, 5_000_000), (1, 3), 11, salt=1)
    plan = WORK / "remote-plan.json"
    floor_plan(bed, titles, "Remote floor", plan)
    for wiki in ("src", "commons"):
        bed.runtime(wiki, tbLatencyMs=latency_ms)
    try:
        tool = tool_batch(bed, "remote-tool", titles, "--concurrency", str(CONCURRENCY))
        log(f"remote: tool (concurrency {CONCURRENCY}) {tool['seconds']:.1f} s, states {tool['states']}")
        floor, seq = floor_and_sequential(bed, "remote", plan, ("Remote floor", "Remote sequential"))
        # the same files again under new names on the target (a second batch, twice the concurrency)
        wide = tool_batch(
            bed, "remote-tool-wide", wide_titles, "--concurrency", str(2 * CONCURRENCY), cap=2 * CONCURRENCY
        )
        log(f"remote: tool (concurrency {2 * CONCURRENCY}) {wide['seconds']:.1f} s, states {wide['states']}")
    finally:
        for wiki in ("src", "commons"):
            bed.runtime(wiki, tbLatencyMs=None)
    return {
        "latency_ms": latency_ms,
        "files": n,
        "versions": nversions,
        "bytes": nbytes,
        "concurrency": CONCURRENCY,
        **side_by_side(bed, tool, floor, seq),
        "tool_states": tool["states"],
        "wide": {
            "concurrency": 2 * CONCURRENCY,
            "tool_s": round(wide["seconds"], 2),
            "speedup_vs_sequential": round(seq["seconds"] / wide["seconds"], 2),
            "states": wide["states"],
            "requests": per_host(bed, wide["requests"]),
        },
    }


def pywikibot_imagetransfer(bed: Bed, plan: Path) -> tuple[float | None, str | None]:
    """pywikibot's imagetransfer against the same wikis (bench/pwb.py), when bench/.pywikibot exists."""
    venv = ROOT / "bench" / ".pywikibot" / "bin" / "python"
    if not venv.exists():
        return None, "pywikibot is not installed (see bench/pwb.py: a venv in bench/.pywikibot)"
    # Copies of the latest versions under names the tool has not written on the target yet.
    files = json.loads(plan.read_text(encoding="utf-8"))["files"]

    def copy(chunk: list[dict[str, Any]]) -> None:
        client = bed.client("src")
        for f in chunk:
            data = client.session.get(f["versions"][-1]["url"], timeout=120).content
            text = page_text(f"Bench file {f['source_title']}.", "Bench files")
            client.upload(f"Pwb {f['source_title']}", data, text=text, comment="copy for pywikibot")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(copy, [files[i::4] for i in range(4)]))
    titles = [f"Pwb {f['source_title']}" for f in files]
    seconds, reason, tail = pwb.run_imagetransfer(bed.tb, titles, venv, WORK / "pywikibot")
    if reason:
        log(f"batch: pywikibot: {reason}\n{tail}")
    return seconds, reason


def bench_api(bed: Bed, quick: bool, run_id: str) -> dict[str, Any]:
    n = 10 if quick else 50
    out: dict[str, Any] = {"files": n}
    for salt, account in enumerate(("user", "importer")):
        prefix = f"Bench {run_id} single {account}"
        titles, _, _ = seed_files(bed, prefix, n, (100_000, 200_000), (1, 1), 9, salt=salt)
        tool = tool_batch(bed, f"api-{account}", titles, "--concurrency", str(CONCURRENCY), account=account)
        counts = per_host(bed, tool["requests"])
        log(f"api ({account}): {n} single-version files, requests {counts}, states {tool['states']}")
        figures = {
            "source": round(counts.get("src", 0) / n, 2),
            "target": round(counts.get("commons", 0) / n, 2),
            "total": counts,
            "states": tool["states"],
        }
        if account == "user":
            out.update(figures)
        else:
            out["importer"] = figures
    return out


def bench_memory(bed: Bed, quick: bool, run_id: str) -> dict[str, Any]:
    size = (100 if quick else 1024) * 1024 * 1024
    folder = WORK / "big"
    folder.mkdir(exist_ok=True)
    name = f"Bench {run_id} big.webm"
    path = folder / name
    head = webm_bytes(64, seed=1)
    rng = random.Random(1)
    with path.open("wb") as out:
        out.write(head)
        left = size - len(head)
        while left > 0:
            block = rng.randbytes(min(left, 16 * 1024 * 1024))
            out.write(block)
            left -= len(block)
    t0 = time.perf_counter()
    bed.import_images("src", folder, page_text("A big video.", "Bench files"))
    shutil.rmtree(folder)
    log(f"memory: {size >> 20} MB file on src in {time.perf_counter() - t0:.1f} s")
    plan = WORK / "memory-plan.json"
    floor_plan(bed, [name], "Floor", plan)
    tool = bed.child("memory-tool", "tool", "transfer", bed.url("src", f"File:{name}"), "--to", "commons")
    # (an ordinary uploader: one chunked upload; the importer's history import is the same few requests)
    log(f"memory: tool {tool['seconds']:.1f} s, {tool['peak_rss_mb']:.0f} MB, exit {tool['exit']}")
    floor = bed.child("memory-floor", "floor", str(plan), "1")
    log(f"memory: floor {floor['seconds']:.1f} s, {floor['peak_rss_mb']:.0f} MB")
    return {
        "file_bytes": size,
        "peak_rss_mb": round(tool["peak_rss_mb"], 1),
        "floor_peak_rss_mb": round(floor["peak_rss_mb"], 1),
        "tool_s": round(tool["seconds"], 2),
        "floor_s": round(floor["seconds"], 2),
        "ratio_to_floor": round(tool["seconds"] / floor["seconds"], 2),
        "rss_ratio_to_floor": round(tool["peak_rss_mb"] / floor["peak_rss_mb"], 2),
        "tool_exit": tool["exit"],
        "requests": {"tool": per_host(bed, tool["requests"]), "floor": per_host(bed, floor["requests"])},
    }


def bench_big_batch(bed: Bed, quick: bool, run_id: str) -> dict[str, Any]:
    n = 200 if quick else 1000
    small = n // 4
    big_cat, small_cat = f"Bench {run_id} big batch", f"Bench {run_id} quarter batch"
    t0 = time.perf_counter()
    base_text = page_text("One of many.", big_cat)

    def upload(indexes: list[int]) -> None:
        client = bed.client("src")
        for i in indexes:
            text = base_text + (f"[[Category:{small_cat}]]\n" if i < small else "")
            data = png_bytes(24, 16, seed=50_000 + i, noise=True)
            client.upload(f"Bench {run_id} many {i:04d}.png", data, text=text, comment="bench")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(upload, [list(range(k, n, 4)) for k in range(4)]))
    log(f"big_batch: {n} files on src in {time.perf_counter() - t0:.1f} s")
    runs = {}
    for label, cat, count in (("quarter", small_cat, small), ("full", big_cat, n)):
        spec = f"src:Category:{cat}"
        result = bed.child(
            f"big-{label}", "tool", "batch", "--category", spec, "--to", "commons", "--dry-run", "--json"
        )
        report = json.loads(result["stdout"])
        runs[label] = {
            "files": count,
            "items": len(report.get("items", [])),
            "seconds": round(result["seconds"], 2),
            "peak_rss_mb": round(result["peak_rss_mb"], 1),
            "requests": per_host(bed, result["requests"]),
        }
        log(f"big_batch: {label} {count} files {result['seconds']:.1f} s, {result['peak_rss_mb']:.0f} MB")
    q, f = runs["quarter"], runs["full"]
    return {
        "files": n,
        "peak_rss_mb": f["peak_rss_mb"],
        "seconds": f["seconds"],
        "baseline_files": q["files"],
        "baseline_peak_rss_mb": q["peak_rss_mb"],
        "baseline_seconds": q["seconds"],
        "rss_ratio": round(f["peak_rss_mb"] / q["peak_rss_mb"], 2),
        "time_ratio": round(f["seconds"] / q["seconds"], 2),
        "time_ratio_if_linear": round(n / small, 2),
        "runs": runs,
    }


def bench_history(quick: bool) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    import history  # noqa: PLC0415 - bench/history.py, a script beside this one

    args = argparse.Namespace(
        rows=10_000 if quick else 100_000,
        queries=50 if quick else 200,
        explain=False,
        mariadb_url=os.environ.get("WFT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
        postgresql_url=None,
    )
    result = {}
    for backend in ("mariadb", "sqlite"):
        try:
            result[backend] = history.run_backend(backend, args)
        except Exception as err:  # noqa: BLE001 - MariaDB may be absent; say so in the results
            result[backend] = {"error": f"{type(err).__name__}: {err}"}
    worst = {b: max(q["p95_ms"] for q in r["queries"].values()) for b, r in result.items() if "queries" in r}
    return {
        "rows": args.rows,
        "p95_ms": worst.get("mariadb"),
        "sqlite_p95_ms": worst.get("sqlite"),
        "baseline": "the SQLite store (same rows, same queries)",
        "backends": result,
    }


def bench_convert(quick: bool) -> dict[str, Any]:
    out = subprocess.run(
        [
            PY,
            str(ROOT / "bench" / "convert.py"),
            "--seconds",
            "1" if quick else "3",
            "--out",
            str(WORK / "convert.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    data: dict[str, Any] = json.loads((WORK / "convert.json").read_text(encoding="utf-8"))
    data["exit"] = out.returncode
    return data


# --- report ------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    php = subprocess.run(
        ["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=False
    ).stdout
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "php": php,
        "wikis": f"MediaWiki 1.39 (Debian), php -S with {WORKERS} workers each, SQLite",
    }


def verdicts(r: dict[str, Any]) -> dict[str, bool | None]:
    def get(*path: str) -> Any:
        node: Any = r
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return None
            node = node[p]
        return node

    def check(value: Any, ok: Any) -> bool | None:
        return None if value is None else bool(ok(value))

    big_rss = get("big_batch", "rss_ratio")
    big_time = get("big_batch", "time_ratio")
    linear = get("big_batch", "time_ratio_if_linear")
    return {
        "batch_ratio_to_floor": check(get("batch", "ratio_to_floor"), lambda v: v <= GOALS["ratio_to_floor"]),
        "batch_speedup_vs_sequential": check(
            get("batch", "speedup_vs_sequential"), lambda v: v >= GOALS["speedup_vs_sequential"]
        ),
        "api_requests_per_file": check(
            get("api_requests_per_file", "source"),
            lambda v: (
                v <= GOALS["requests_per_file"]
                and r["api_requests_per_file"]["target"] <= GOALS["requests_per_file"]
            ),
        ),
        # A transfer that failed proves nothing about its memory or its time.
        "memory_peak_rss": check(
            get("memory", "peak_rss_mb"), lambda v: v <= GOALS["memory_mb"] and r["memory"]["tool_exit"] == 0
        ),
        "memory_time": check(
            get("memory", "ratio_to_floor"),
            lambda v: v <= GOALS["memory_ratio_to_floor"] and r["memory"]["tool_exit"] == 0,
        ),
        "history_p95": check(get("history", "p95_ms"), lambda v: v <= GOALS["history_p95_ms"]),
        "big_batch_memory_flat": check(big_rss, lambda v: v <= 1.25),
        "big_batch_time_linear": check(big_time, lambda v: v <= 1.25 * linear),
        "convert": check(get("convert", "pages_per_s"), lambda v: v >= GOALS["convert_pages_per_s"]),
        "remote_ratio_to_floor": check(
            get("remote", "ratio_to_floor"), lambda v: v <= GOALS["ratio_to_floor"]
        ),
        "remote_speedup_vs_sequential": check(
            get("remote", "speedup_vs_sequential"), lambda v: v >= GOALS["speedup_vs_sequential"]
        ),
        "remote_wide_speedup_vs_sequential": check(
            get("remote", "wide", "speedup_vs_sequential"), lambda v: v >= GOALS["speedup_vs_sequential"]
        ),
    }


def yes(v: bool | None) -> str:
    return "—" if v is None else ("✔ met" if v else "✖ missed")


def markdown(r: dict[str, Any]) -> str:
    v = r["goals_met"]
    rows = ["| measurement | tool | baseline | ratio | goal | verdict |", "|---|---|---|---|---|---|"]
    if "batch" in r:
        b = r["batch"]
        rows.append(
            f"| batch: {b['files']} files, {b['versions']} versions, {b['bytes'] / 1e6:.0f} MB, concurrency "
            f"{b['concurrency']} | {b['tool_s']} s | floor {b['floor_s']} s | "
            f"{b['ratio_to_floor']} × floor | ≤ 1.3 × | {yes(v['batch_ratio_to_floor'])} |"
        )
        rows.append(
            f"| batch vs sequential (latest version only) | {b['tool_s']} s | {b['sequential_s']} s | "
            f"{b['speedup_vs_sequential']} × faster | ≥ 3 × | {yes(v['batch_speedup_vs_sequential'])} |"
        )
        pwb = f"{b['pywikibot_s']} s" if b["pywikibot_s"] is not None else f"not run: {b['pywikibot_reason']}"
        pwb_ratio = f"{b['pywikibot_s'] / b['tool_s']:.2f} × faster" if b["pywikibot_s"] else "—"
        rows.append(f"| batch vs pywikibot imagetransfer | {b['tool_s']} s | {pwb} | {pwb_ratio} | — | — |")
    if "api_requests_per_file" in r:
        a = r["api_requests_per_file"]
        rows.append(
            f"| API requests per single-version file ({a['files']} files) | source {a['source']}, target "
            f"{a['target']} | floor: 1 + 1 | — | ≤ 4 each | {yes(v['api_requests_per_file'])} |"
        )
    if "memory" in r:
        m = r["memory"]
        rows.append(
            f"| memory: {m['file_bytes'] >> 20} MB file, chunked | {m['peak_rss_mb']} MB peak RSS | floor "
            f"{m['floor_peak_rss_mb']} MB | {m['rss_ratio_to_floor']} × | ≤ 150 MB | "
            f"{yes(v['memory_peak_rss'])} |"
        )
        if m["tool_exit"] != 0:
            rows.append(f"| memory: **the tool's transfer failed (exit {m['tool_exit']})** | | | | | ✖ |")
        rows.append(
            f"| memory: time for the same bytes | {m['tool_s']} s | floor {m['floor_s']} s | "
            f"{m['ratio_to_floor']} × floor | ≤ 1.2 × | {yes(v['memory_time'])} |"
        )
    if "history" in r:
        h = r["history"]
        rows.append(
            f"| history page p95, {h['rows']:,} transfers (MariaDB) | {h['p95_ms']} ms | SQLite "
            f"{h['sqlite_p95_ms']} ms | — | ≤ 50 ms | {yes(v['history_p95'])} |"
        )
    if "big_batch" in r:
        g = r["big_batch"]
        rows.append(
            f"| dry run of a {g['files']}-file category: peak RSS | {g['peak_rss_mb']} MB | "
            f"{g['baseline_files']} files: {g['baseline_peak_rss_mb']} MB | {g['rss_ratio']} × | "
            f"flat (≤ 1.25 ×) | {yes(v['big_batch_memory_flat'])} |"
        )
        rows.append(
            f"| dry run of a {g['files']}-file category: time | {g['seconds']} s | "
            f"{g['baseline_files']} files: {g['baseline_seconds']} s | {g['time_ratio']} × | "
            f"linear ({g['time_ratio_if_linear']} ×) | "
            f"{yes(v['big_batch_time_linear'])} |"
        )
    if "convert" in r:
        c = r["convert"]
        rows.append(
            f"| convert, offline | {c['pages_per_s']} pages/s | floor (parse + serialise) "
            f"{c['floor_pages_per_s']} pages/s | {c['ratio_to_floor']} × floor's time | ≥ 1,000/s | "
            f"{yes(v['convert'])} |"
        )
    if "remote" in r:
        e = r["remote"]
        model = f"remote model ({e['latency_ms']} ms per request)"
        rows.append(
            f"| {model}: batch, {e['files']} files, {e['versions']} versions, "
            f"concurrency {e['concurrency']} | "
            f"{e['tool_s']} s | floor {e['floor_s']} s | {e['ratio_to_floor']} × floor | ≤ 1.3 × | "
            f"{yes(v['remote_ratio_to_floor'])} |"
        )
        rows.append(
            f"| {model}: vs sequential (latest version only) | {e['tool_s']} s | {e['sequential_s']} s | "
            f"{e['speedup_vs_sequential']} × faster | ≥ 3 × | {yes(v['remote_speedup_vs_sequential'])} |"
        )
        w = e["wide"]
        rows.append(
            f"| {model}: concurrency {w['concurrency']}, vs sequential | {w['tool_s']} s | "
            f"{e['sequential_s']} s | "
            f"{w['speedup_vs_sequential']} × faster | ≥ 3 × | {yes(v['remote_wide_speedup_vs_sequential'])} |"
        )
    m = r["machine"]
    head = (
        f"Run {r['date']}{' (--quick)' if r.get('quick') else ''} on {m['cpu']}, {m['cpus']} CPUs, "
        f"{m['memory_gb']} GB, Python {m['python']}, PHP {m['php']}; {m['wikis']}.\n\n"
    )
    if r.get("part_dates"):
        head += (
            "Parts measured in separate runs (`--update`): "
            + ", ".join(f"{part} {date}" for part, date in r["part_dates"].items())
            + ".\n\n"
        )
    return head + "\n".join(rows) + "\n"


PART_KEYS = {
    "batch": "batch",
    "api": "api_requests_per_file",
    "memory": "memory",
    "history": "history",
    "big_batch": "big_batch",
    "convert": "convert",
    "remote": "remote",
}


def updated(previous: dict[str, Any], now: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    """``previous`` with the ``parts`` measured ``now``: every part is still a tool/baseline pair measured
    side by side in one run, and ``part_dates`` says which run each comes from."""
    merged = dict(previous)
    dates = dict(
        previous.get("part_dates")
        or {part: previous.get("date") for part, key in PART_KEYS.items() if key in previous}
    )
    for part in parts:
        key = PART_KEYS[part]
        if key in now:
            merged[key] = now[key]
            dates[part] = now["date"]
    merged["part_dates"] = dates
    merged["machine"], merged["date"] = now["machine"], now["date"]
    return merged


def render(path: Path) -> None:
    """Write the verdicts and the Markdown table of an existing result again (after a fix of this file)."""
    result = json.loads(path.read_text(encoding="utf-8"))
    result["goals_met"] = verdicts(result)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(markdown(result), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated: " + ",".join(ALL))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a check of the harness")
    parser.add_argument("--keep", action="store_true", help="leave the testbed up")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--latency-ms", type=int, default=LATENCY_MS, help="the delay per request of the remote part"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="replace only the parts measured now in an existing result (each part keeps its date)",
    )
    args = parser.parse_args(argv)
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(ALL)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    WORK.mkdir(parents=True, exist_ok=True)
    run_id = datetime.now(UTC).strftime("%H%M%S")
    result: dict[str, Any] = {"quick": args.quick, "goals": GOALS}
    needs_wikis = {"batch", "api", "memory", "big_batch", "remote"} & set(only)
    bed = Bed(WORK / "testbed")
    try:
        if needs_wikis:
            bed.up()
        if "batch" in only:
            result["batch"] = bench_batch(bed, args.quick, run_id)
        if "api" in only:
            result["api_requests_per_file"] = bench_api(bed, args.quick, run_id)
        if "memory" in only:
            result["memory"] = bench_memory(bed, args.quick, run_id)
        if "big_batch" in only:
            result["big_batch"] = bench_big_batch(bed, args.quick, run_id)
        if "remote" in only:
            result["remote"] = bench_remote(bed, args.quick, run_id, args.latency_ms)
    finally:
        if needs_wikis and not args.keep:
            bed.down()
    if "history" in only:
        result["history"] = bench_history(args.quick)
        log(f"history: p95 {result['history']['p95_ms']} ms")
    if "convert" in only:
        result["convert"] = bench_convert(args.quick)
        log(f"convert: {result['convert']['pages_per_s']} pages/s")
    result["machine"] = machine()
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    if args.update and args.out.exists():
        result = updated(json.loads(args.out.read_text(encoding="utf-8")), result, only)
    result["goals_met"] = verdicts(result)
    result["command"] = "make bench" + (
        f" BENCH_ARGS='{' '.join(argv or sys.argv[1:])}'" if (argv or sys.argv[1:]) else ""
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    table = markdown(result)
    args.out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
