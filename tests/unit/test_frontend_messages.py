"""The web app's messages: every ``wft-ui-…`` key the front end uses has an English text and a
documentation for translators, and every ``wft-ui-…`` key of en.json is used by the front end.

Keys are found as string literals in ``frontend/src`` (components never build a key from parts, so this
scan sees them all). Test files do not count as uses. The back end's keys are checked by test_i18n.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONTEND_SRC = ROOT / "frontend" / "src"
KEY = re.compile(r"""["'`](wft-ui-[a-z0-9-]+)["'`]""")
TEST_FILE = re.compile(r"\.test\.tsx?$")


def messages(name: str) -> dict[str, str]:
    data = json.loads((ROOT / "i18n" / name).read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("@")}


def used_keys() -> set[str]:
    used: set[str] = set()
    for path in FRONTEND_SRC.rglob("*"):
        if path.suffix not in (".ts", ".tsx") or TEST_FILE.search(path.name) or "test" in path.parts:
            continue
        used.update(KEY.findall(path.read_text(encoding="utf-8")))
    return used


def test_the_scan_finds_the_front_end() -> None:
    assert {"wft-ui-app-name", "wft-ui-nav-history", "wft-ui-error-network"} <= used_keys()


def test_every_key_the_front_end_uses_has_a_message_and_documentation() -> None:
    used = used_keys()
    assert not used - set(messages("en.json")), "wft-ui keys used in frontend/src but missing from en.json"
    assert not used - set(messages("qqq.json")), "wft-ui keys used in frontend/src but missing from qqq.json"


def test_every_front_end_key_of_en_json_is_used_and_documented() -> None:
    en = {k for k in messages("en.json") if k.startswith("wft-ui-")}
    assert not en - used_keys(), "wft-ui keys in en.json that frontend/src never uses"
    qqq = messages("qqq.json")
    undocumented = sorted(k for k in en if not qqq.get(k, "").strip())
    assert not undocumented, f"wft-ui keys without documentation in qqq.json: {undocumented}"


def test_counts_go_through_plural() -> None:
    """A message whose documentation says it gets a number must say {{PLURAL}} about it."""
    en, qqq = messages("en.json"), messages("qqq.json")
    for key in (k for k in en if k.startswith("wft-ui-")):
        if re.search(r"\$\d+ - (the number|how many)", qqq[key]):
            assert "{{PLURAL:" in en[key], key
