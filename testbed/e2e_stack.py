"""The stack the browser tests (frontend/e2e/, ``make e2e``) run against: real wikis, a real app, an OAuth
provider double, a fault proxy, all on 127.0.0.1, all stopped at the end.

    .venv/bin/python testbed/e2e_stack.py --state /tmp/stack.json [--parent-pid PID] [--log-dir DIR]

What it starts, in order:

1. **the testbed wikis**: the running ones when ``WFT_TESTBED`` points at a testbed (its BASE or its
   testbed.json; they are left running), else fresh ones in a temporary BASE (testbed/up.sh + seed.py,
   through testbed/lifecycle.py as the pytest fixtures do), purged at the end;
2. **the OAuth 2 provider double** (testbed/oauthdouble.py) that knows the app's callback URL and signs
   in one Wikimedia-like user (``E2E Tester``), approving at once;
3. **a fault proxy** (testbed/faultproxy.py) in front of the ``other`` wiki, configured in the app as the
   wiki ``flaky`` (its api.php URL through the proxy): the "break a wiki" tests switch it to HTML 502 pages
   and back through the control server (5);
4. **the app**: ``wikifile-transfer serve`` (web app + one embedded worker, SQLite) on a free port with a
   temporary ``WFT_DATA_DIR``, a configuration of the testbed wikis (+ ``flaky``), bot-password sign-in on,
   OAuth pointed at the double, sign-in rate limits raised (the tests sign in often from one address), and
   ``WFT_FRONTEND_DIR`` = frontend/dist (build it first); ready when ``/healthz`` answers 200;
5. **a control server** (a few JSON endpoints for the tests): ``GET /state``; ``POST /fault``
   ``{"mode": "html"|"pass"|"hang"|"close", "status": 502}`` switches the proxy, ``GET /fault`` says its
   mode and how many requests it saw; ``POST /files {"wiki": "src", "count": 3, "kind": "free"|"non_free"}``
   uploads new files as alice (bytes no wiki has: no duplicates, also on a testbed used before) and
   answers their titles.

Then it writes ``--state`` (JSON: ``app``, ``control``, ``oauth`` {base, username}, ``flaky`` {name,
upstream}, ``testbed`` = testbed.json) and waits for SIGTERM/SIGINT, or for ``--parent-pid`` to end (so a
killed test runner leaves nothing behind). Stopping: the app's process group gets SIGTERM (then SIGKILL
after 20 s) and is checked to be empty, the proxy, double and control server stop, an own testbed is purged.

How a user signed in with Wikimedia OAuth acts on these wikis: the OAuth token is only ever sent to
Wikimedia wikis over https (accounts/registry.py ``bearer_allowed``), so on the testbed (plain http, not
Wikimedia) such a user reads anonymously and needs a bot password of each wiki to write: signed in, the
sign-in page's "add a bot password" form (``POST /auth/botpassword`` while signed in) links one to them.
The browser tests sign in with OAuth to test the round trip, and with bot passwords for the transfers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from testbed import lifecycle  # noqa: E402
from testbed.demo import config_text  # noqa: E402
from testbed.faultproxy import MODES, FaultProxy  # noqa: E402
from testbed.oauthdouble import DoubleUser, OAuthDouble, free_port  # noqa: E402
from testbed.seed import file_page, information  # noqa: E402
from testbed.tbclient import load_testbed, login, png_bytes  # noqa: E402

OAUTH_USER = "E2E Tester"
FLAKY = "flaky"
FLAKY_UPSTREAM = "other"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def log(text: str) -> None:
    sys.stderr.write(f"[e2e-stack] {text}\n")
    sys.stderr.flush()


class Stack:
    def __init__(self, workdir: Path, log_dir: Path | None = None) -> None:
        self.workdir = workdir
        self.own_testbed: Path | None = None
        self.testbed: dict[str, Any] = {}
        self.oauth: OAuthDouble | None = None
        self.proxy: FaultProxy | None = None
        self.app: subprocess.Popen[bytes] | None = None
        self.app_log: Path = (log_dir or workdir) / "app.log"
        self.control: ThreadingHTTPServer | None = None
        self.state: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._run = time.strftime("%Y%m%d%H%M%S") + os.urandom(2).hex()
        self._serial = 0

    # --- start ------------------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        t0 = time.monotonic()
        self._testbed()
        port = free_port()
        app_url = f"http://127.0.0.1:{port}"
        self.oauth = OAuthDouble(
            client_id="wft-e2e",
            client_secret="wft-e2e-secret",
            redirect_uris=[f"{app_url}/api/v1/auth/oauth/callback"],
            user=DoubleUser(OAUTH_USER),
        )
        self.oauth.__enter__()
        self.proxy = FaultProxy(self.testbed["wikis"][FLAKY_UPSTREAM]["url"]).start()
        config = self.workdir / "config.toml"
        config.write_text(
            config_text(self.testbed) + f'\n[wikis.{FLAKY}]\nurl = "{self.proxy.api_url}"\n', encoding="utf-8"
        )
        self._app(port, app_url, config)
        self._control()
        assert self.control is not None
        self.state = {
            "app": app_url,
            "control": f"http://127.0.0.1:{self.control.server_address[1]}",
            "oauth": {"base": self.oauth.oauth_base, "username": OAUTH_USER},
            "flaky": {"name": FLAKY, "upstream": FLAKY_UPSTREAM, "api": self.proxy.api_url},
            "own_testbed": self.own_testbed is not None,
            "app_log": str(self.app_log),
            "testbed": self.testbed,
        }
        log(f"ready in {time.monotonic() - t0:.1f} s: app {app_url}")
        return self.state

    def _testbed(self) -> None:
        existing = os.environ.get("WFT_TESTBED")
        if existing:
            self.testbed = load_testbed(existing)
            if not lifecycle.answers(self.testbed):
                raise RuntimeError(f"WFT_TESTBED={existing}: the wikis do not answer")
            log(f"using the running testbed {self.testbed['base']}")
            return
        if not lifecycle.packages_ready():
            log("installing the testbed's packages (testbed/install.sh)")
            lifecycle.install_packages()
        base = self.workdir / "testbed"
        base.mkdir()
        self.own_testbed = base
        log(f"starting a testbed in {base}")
        timings = lifecycle.start(base)
        log("testbed up in {up:.1f} s, seeded in {seed:.1f} s".format(**timings))
        self.testbed = load_testbed(base)

    def _app(self, port: int, app_url: str, config: Path) -> None:
        assert self.oauth is not None
        frontend = Path(os.environ.get("WFT_FRONTEND_DIR") or REPO / "frontend" / "dist")
        if not (frontend / "index.html").is_file():
            raise RuntimeError(f"{frontend}/index.html missing: build the web app first (make frontend)")
        data = self.workdir / "app"
        data.mkdir()
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(
            {
                "WIKIFILE_TRANSFER_CONFIG": str(config),
                "WFT_DATA_DIR": str(data),
                "WFT_PUBLIC_URL": app_url,
                "WFT_FRONTEND_DIR": str(frontend),
                "WFT_BOT_PASSWORD_LOGIN": "1",
                "WFT_OAUTH_BASE": self.oauth.oauth_base,
                "WFT_OAUTH_CLIENT_ID": self.oauth.client_id,
                "WFT_OAUTH_CLIENT_SECRET": self.oauth.client_secret or "",
                "WFT_RATELIMIT_SIGN_IN": "1000/minute",
                "WFT_RATELIMIT_EXPENSIVE": "1000/minute",
                "WFT_RATELIMIT_API": "10000/minute",
            }
        )
        for name in ("WFT_DATABASE_URL", "CELERY_BROKER_URL", "WFT_SECRET_KEY", "WFT_SECRET_KEYS"):
            env.pop(name, None)  # the embedded mode's own, in the data folder
        command = [str(Path(sys.executable).parent / "wikifile-transfer"), "serve", "--port", str(port)]
        command += ["--threads", "4", "--worker-concurrency", "2"]
        with open(self.app_log, "wb") as out:
            self.app = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.app.poll() is not None:
                raise RuntimeError(f"the app exited ({self.app.returncode}):\n{self._tail()}")
            with contextlib.suppress(OSError):
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open(f"{app_url}/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        return
            time.sleep(0.3)
        raise RuntimeError(f"the app did not answer /healthz in {READY_TIMEOUT:.0f} s:\n{self._tail()}")

    def _tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.app_log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return ""

    def _control(self) -> None:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _fault(self) -> dict[str, Any]:
                assert stack.proxy is not None
                return {"mode": stack.proxy.mode, "total": stack.proxy.total}

            def do_GET(self) -> None:
                if self.path == "/state":
                    self._send(200, stack.state)
                elif self.path == "/fault":
                    self._send(200, self._fault())
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, {"error": "not JSON"})
                    return
                if self.path == "/files":
                    try:
                        self._send(200, {"titles": stack.new_files(**body)})
                    except Exception as exc:  # noqa: BLE001 - the test sees why
                        self._send(500, {"error": str(exc)})
                    return
                if self.path != "/fault" or body.get("mode") not in MODES:
                    self._send(400, {"error": f"POST /fault with a mode of {MODES}"})
                    return
                assert stack.proxy is not None
                stack.proxy.set_mode(body["mode"], status=int(body.get("status", 502)))
                log(f"fault proxy: {body['mode']}")
                self._send(200, self._fault())

        self.control = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.control.daemon_threads = True
        threading.Thread(
            target=self.control.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        ).start()

    def new_files(
        self, wiki: str = "src", count: int = 1, kind: str = "free", label: str = "E2E"
    ) -> list[str]:
        """Uploads ``count`` new PNG files (bytes no wiki has seen: no duplicate of anything) as alice and
        returns their titles: ``free`` ones with {{Information}} and {{self|cc-by-sa-4.0}}, ``non_free``
        ones with a non-free logo licence (blocked on the Commons-like wiki). Tests that transfer use
        these, so that they pass on a testbed that earlier runs already transferred files into."""
        if kind not in ("free", "non_free"):
            raise ValueError(f"kind must be free or non_free, not {kind!r}")
        with self._lock:
            client = login(self.testbed, wiki, "alice")
            titles = []
            for _ in range(count):
                self._serial += 1
                stamp = f"{self._run}-{self._serial}"
                name = f"{label} {stamp}.png"
                if kind == "free":
                    text = file_page(
                        information(
                            f"Test picture {stamp}.", "{{Own}}", "2026-01-02", "[[User:Alice|Alice]]"
                        ),
                        "{{self|cc-by-sa-4.0}}",
                        ["Sunsets"],
                    )
                else:
                    text = (
                        "== Summary ==\n{{Non-free use rationale\n|Article=Sunset\n"
                        f"|Description=Logo {stamp}.\n|Source=https://example.org/logo\n}}\n\n"
                        "== Licensing ==\n{{Non-free logo}}\n"
                    )
                seed = int.from_bytes(os.urandom(4), "big")
                result = client.upload(name, png_bytes(96, 64, seed=seed), text=text, comment="e2e test file")
                if result.get("upload", {}).get("result") != "Success":
                    raise RuntimeError(f"upload of {name} failed: {result}")
                titles.append(f"File:{name}")
        return titles

    # --- stop -------------------------------------------------------------------------------------

    def stop(self) -> None:
        if self.app is not None:
            self._stop_app(self.app)
            self.app = None
        if self.control is not None:
            self.control.shutdown()
            self.control.server_close()
            self.control = None
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.oauth is not None:
            self.oauth.__exit__(None, None, None)
            self.oauth = None
        if self.own_testbed is not None:
            log("stopping the testbed")
            lifecycle.stop(self.own_testbed)
            self.own_testbed = None

    @staticmethod
    def _stop_app(app: subprocess.Popen[bytes]) -> None:
        group = app.pid  # start_new_session: the app, its gunicorn worker and its Celery worker
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            app.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log("the app did not stop on SIGTERM: SIGKILL")
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return  # no process of the group is left
            time.sleep(0.2)
        log("processes of the app are left after SIGTERM: SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        app.wait(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--state", required=True, help="where to write the stack's JSON description")
    parser.add_argument("--parent-pid", type=int, default=0, help="stop when this process ends")
    parser.add_argument("--log-dir", help="where the app's log goes (kept); default: the temporary folder")
    args = parser.parse_args(argv)

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: done.set())

    workdir = Path(tempfile.mkdtemp(prefix="wft-e2e-"))
    log_dir = Path(args.log_dir) if args.log_dir else None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(workdir, log_dir)
    state_path = Path(args.state)
    try:
        state = stack.start()
        tmp = state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(state_path)
        while not done.wait(1.0):
            if args.parent_pid:
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    log(f"the test runner ({args.parent_pid}) is gone: stopping")
                    break
        return 0
    except Exception as exc:  # noqa: BLE001 - reported to the test runner, which then fails
        log(f"the stack failed: {exc}")
        state_path.with_suffix(".error").write_text(str(exc), encoding="utf-8")
        return 1
    finally:
        stack.stop()
        if os.environ.get("WFT_E2E_KEEP"):
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        log("stopped")


if __name__ == "__main__":
    raise SystemExit(main())
