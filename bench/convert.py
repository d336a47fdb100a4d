"""Offline description conversion throughput, measured beside its floor in the same run.

    .venv/bin/python bench/convert.py [--seconds 3]

Pages: the real description pages in tests/fixtures/pages (en.wikipedia and Commons). The floor is what
no conversion can avoid: parsing the page with mwparserfromhell and writing it out again. (The pipeline
parses with wikitext/steps/parsing.py, the same tree built faster than by mwparserfromhell's own
builder, so its parses cost less than the floor's.) Goal
(issue 4): the full pipeline converts ≥ 1,000 pages/s on one core. Prints a table and writes
bench/results/convert.json; the exit code is 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import mwparserfromhell

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wikifile_transfer.transfer.describe import Sites, build_context, describe, rules_for  # noqa: E402
from wikifile_transfer.wikitext.steps.base import FileFacts  # noqa: E402

PAGES = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.wikitext"))


def rate(work: Callable[[str], object], texts: list[str], seconds: float) -> float:
    """Pages per second over whole passes through ``texts`` for at least ``seconds``."""
    for text in texts:  # warm-up
        work(text)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for text in texts:
            work(text)
        done += len(texts)
    return done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "convert.json")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in PAGES]
    context = build_context(
        rules_for("en.wikipedia", "commons"),
        Sites(),
        facts=FileFacts(original_uploader="Example", first_upload="2020-01-01T00:00:00Z"),
        source_lang="en",
        target_lang="en",
    )
    floor = rate(lambda t: str(mwparserfromhell.parse(t)), texts, args.seconds)
    pipeline = rate(lambda t: describe(t, context), texts, args.seconds)
    result = {
        "pages": len(texts),
        "floor_pages_per_s": round(floor, 1),
        "pages_per_s": round(pipeline, 1),
        "ratio_to_floor": round(floor / pipeline, 2),
        "goal_pages_per_s": 1000,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"{'what':32} {'pages/s':>10}")
    print(f"{'floor (parse + serialise)':32} {floor:10.0f}")
    print(f"{'full pipeline (offline)':32} {pipeline:10.0f}   {floor / pipeline:.2f}x the floor's time")
    out = args.out
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if pipeline >= 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
