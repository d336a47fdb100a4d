"""The benchmark harness still runs (its cheapest part, no wikis): ``bench/run.py --quick --only convert``.

No figure is asserted (timings belong to bench/results, not to tests): only that the run writes the
JSON and the Markdown table with the fields the README and issue 8 name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_convert_run_writes_json_and_table(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--only", "convert", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["convert"]["pages_per_s"] > 0
    assert result["convert"]["floor_pages_per_s"] > 0
    assert {"machine", "date", "goals_met"} <= set(result)
    assert result["goals_met"]["convert"] in (True, False)
    assert "batch" not in result  # --only
    table = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| convert, offline |" in table
