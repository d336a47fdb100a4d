"""Which messages each language still lacks, relative to ``i18n/en.json``.

    python tools/i18n_missing.py                 # every language: counts and the missing keys
    python tools/i18n_missing.py fr de           # only these languages
    python tools/i18n_missing.py --prefix wft-ui-   # only keys with this prefix (e.g. the front end's)
    python tools/i18n_missing.py --json          # {"fr": {"missing": [...], "stale": [...], ...}, ...}

``stale`` lists keys a language has that en.json no longer has. The exit status is 0 either way:
the tool informs, the tests in ``tests/unit/test_translations.py`` enforce.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

I18N = Path(__file__).resolve().parents[1] / "i18n"
NOT_LANGUAGES = {"en", "qqq"}
UI_PREFIX = "wft-ui-"


def keys_of(path: Path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k for k in data if not k.startswith("@")}


def report(i18n_dir: Path = I18N, langs: list[str] | None = None, prefix: str = "") -> dict[str, dict]:
    english = {k for k in keys_of(i18n_dir / "en.json") if k.startswith(prefix)}
    ui = {k for k in english if k.startswith(UI_PREFIX)}
    codes = langs or sorted(p.stem for p in i18n_dir.glob("*.json") if p.stem not in NOT_LANGUAGES)
    out: dict[str, dict] = {}
    for code in codes:
        path = i18n_dir / f"{code}.json"
        have = keys_of(path) if path.is_file() else set()
        done = have & english
        core = english - ui
        out[code] = {
            "missing": sorted(english - have),
            "stale": sorted(k for k in have - english if k.startswith(prefix)),
            "translated": len(done),
            "total": len(english),
            "core_coverage": round(len(done & core) / len(core), 4) if core else 1.0,
            "ui_coverage": round(len(done & ui) / len(ui), 4) if ui else 1.0,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("langs", nargs="*", help="language codes (default: every i18n/*.json but en, qqq)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--prefix", default="", help="only keys starting with this, e.g. wft-ui-")
    parser.add_argument("--dir", type=Path, default=I18N, help="the message folder (default: i18n/)")
    args = parser.parse_args(argv)
    result = report(args.dir, args.langs or None, args.prefix)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    for code, info in result.items():
        print(
            f"{code}: {info['translated']}/{info['total']} translated, {len(info['missing'])} missing"
            f" (core {info['core_coverage']:.0%}, {UI_PREFIX}* {info['ui_coverage']:.0%})"
        )
        for key in info["missing"]:
            print(f"  {key}")
        for key in info["stale"]:
            print(f"  stale (not in en.json): {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
