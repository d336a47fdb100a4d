"""pywikibot's ``imagetransfer`` script against the bench's testbed (the third batch baseline).

pywikibot lives in its own virtual environment (bench/.pywikibot, not a dependency of the project):

    python3.11 -m venv bench/.pywikibot
    bench/.pywikibot/bin/pip install pywikibot==11.9.0 pywikibot-scripts==11.9.0

(``make bench`` does this when the folder is missing.)

imagetransfer copies the latest version and the description page of each file, one after another, under
the same name. The tool has already written those names on the target, so pywikibot transfers copies
of the same latest versions named ``Pwb …`` (uploaded to the source before the clock starts). It runs
non-interactively: ``-keepname`` (no description editor, no new name asked) and ``-ignore_warning``.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

FAMILY = """from pywikibot import family


class Family(family.Family):
    name = "tb"
    langs = {langs!r}

    def protocol(self, code):
        return "http"

    def scriptpath(self, code):
        return ""
"""

USER_CONFIG = """family = "tb"
mylang = "src"
usernames["tb"]["*"] = {user!r}
password_file = {password_file!r}
user_families_paths = [{families!r}]
put_throttle = 0
minthrottle = 0
maxthrottle = 0
max_retries = 1
retry_wait = 1
noisysleep = 1000
"""


def setup(testbed: dict[str, Any], folder: Path) -> dict[str, str]:
    """A pywikibot directory for the testbed (family ``tb``: codes src and commons, Admin's bot password);
    returns the environment to run pywikibot in."""
    folder.mkdir(parents=True, exist_ok=True)
    families = folder / "families"
    families.mkdir(exist_ok=True)
    langs = {code: f"127.0.0.1:{testbed['wikis'][code]['port']}" for code in ("src", "commons")}
    (families / "tb_family.py").write_text(FAMILY.format(langs=langs), encoding="utf-8")
    admin = testbed["users"]["admin"]
    user, app = admin["login"].split("@", 1)
    passwords = folder / "user-password.py"
    passwords.write_text(f"({user!r}, BotPassword({app!r}, {admin['password']!r}))\n", encoding="utf-8")
    passwords.chmod(0o600)
    (folder / "user-config.py").write_text(
        USER_CONFIG.format(user=user, password_file=str(passwords), families=str(families)), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYWIKIBOT_DIR"] = str(folder)
    env["PYWIKIBOT_NO_USER_CONFIG"] = "0"
    return env


def run_imagetransfer(
    testbed: dict[str, Any], titles: list[str], python: Path, folder: Path
) -> tuple[float | None, str | None, str]:
    """Seconds for ``imagetransfer`` over ``titles`` (source file names without ``File:``), or None and
    the reason when it did not transfer them all; the last lines of its output come third."""
    env = setup(testbed, folder)
    listing = folder / "files.txt"
    listing.write_text("".join(f"[[File:{t}]]\n" for t in titles), encoding="utf-8")
    command = [
        str(python.parent / "pwb"),
        "imagetransfer",
        f"-file:{listing}",
        "-tosite:tb:commons",
        "-keepname",
        "-ignore_warning",
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, "imagetransfer did not finish within 900 s", ""
    seconds = time.perf_counter() - started
    output = (done.stdout + done.stderr).strip()
    tail = "\n".join(output.splitlines()[-15:])
    uploaded = output.count("Upload successful") + output.count("uploaded successfully")
    if done.returncode != 0:
        return None, f"imagetransfer exited with {done.returncode}", tail
    if uploaded < len(titles):
        return None, f"imagetransfer uploaded {uploaded} of {len(titles)} files", tail
    return seconds, None, tail
