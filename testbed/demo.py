"""`make demo`: write a configuration for the running testbed and print how to try it.

The Makefile then starts the web app (``wikifile-transfer serve``) with that configuration and bot-password
sign-in on, so the web API (and its docs page) can be tried with the testbed's demo account, and the CLI
with the commands printed here."""

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


def web_text(testbed: dict, port: int) -> str:
    url = f"http://127.0.0.1:{port}"
    alice = testbed["users"]["alice"]
    lines = [
        "",
        f"The web app starts now on {url} (Ctrl+C stops it; the wikis keep running).",
        f"  API and its docs:  {url}/api/v1/docs/swagger/   (OpenAPI: {url}/api/v1/openapi.json)",
        f"  health, metrics:   {url}/healthz   {url}/metrics",
        "  Demo account (bot-password sign-in, on any of the wikis above):",
        f"    wiki: src    user: {alice['login']}    bot password: {alice['password']}",
    ]
    return "\n".join(lines)


def main(base: str, port: int = 5050) -> int:
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
    print(web_text(testbed, port))
    return 0


if __name__ == "__main__":
    raise SystemExit(
        main(
            sys.argv[1] if len(sys.argv) > 1 else ".testbed", int(sys.argv[2]) if len(sys.argv) > 2 else 5050
        )
    )
