"""`make demo`: write a configuration for the running testbed and print a ready-to-paste command."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def config_text(testbed: dict) -> str:
    admin = testbed["users"]["admin"]
    lines = ['contact = "demo@localhost"', ""]
    for name, wiki in testbed["wikis"].items():
        lines += [
            f"[wikis.{name}]",
            f'url = "{wiki["url"]}"',
            f'username = "{admin["login"]}"',
            f'password = "{admin["password"]}"',
            "",
        ]
    return "\n".join(lines)


def main(base: str) -> int:
    testbed = json.loads((Path(base) / "testbed.json").read_text(encoding="utf-8"))
    config = Path(base) / "config.toml"
    config.write_text(config_text(testbed), encoding="utf-8")
    src = testbed["wikis"]["src"]
    title = testbed["files"]["multi_version"]
    url = src["url"].rstrip("/") + "/wiki/" + title.replace(" ", "_")
    print("The wikis are up:")
    for name, wiki in testbed["wikis"].items():
        print(f"  {name:8} {wiki['url']}  ({wiki['lang']})")
    print(
        f"\nConfiguration written to {config}. Transfer a file with three versions to the Commons-like wiki:\n"
    )
    print(f"  export WIKIFILE_TRANSFER_CONFIG={config}")
    print(f"  .venv/bin/wikifile-transfer transfer '{url}' --to commons --dry-run")
    print(f"  .venv/bin/wikifile-transfer transfer '{url}' --to commons")
    print(f"\nThen open {testbed['wikis']['commons']['url'].rstrip('/')}/wiki/{title.replace(' ', '_')}")
    print("Stop the wikis with: make testbed-down")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else ".testbed"))
