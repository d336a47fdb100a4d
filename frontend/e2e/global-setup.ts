/**
 * Starts the stack (testbed/e2e_stack.py: testbed wikis, OAuth double, fault proxy, the app) before the
 * tests and stops it after them. The stack writes its description (URLs, testbed users and files) to a
 * JSON file whose path the tests find in WFT_E2E_STATE (e2e/stack.ts reads it). It also watches this
 * process: if the runner dies, the stack stops by itself.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const RESULTS = path.resolve(HERE, "..", "test-results");
/** A fresh testbed takes a while to come up and be seeded on a busy machine. */
const START_TIMEOUT_MS = 420_000;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const python = process.env.WFT_PYTHON ?? path.join(REPO, ".venv", "bin", "python");
  if (!existsSync(python)) throw new Error(`${python} missing: run make install (or set WFT_PYTHON)`);
  const dist = path.join(REPO, "frontend", "dist", "index.html");
  if (!existsSync(dist)) throw new Error(`${dist} missing: run npm run build first (make e2e does)`);

  const stackDir = path.join(RESULTS, "stack");
  mkdirSync(stackDir, { recursive: true });
  const statePath = path.join(stackDir, "state.json");
  const errorPath = path.join(stackDir, "state.error");
  rmSync(statePath, { force: true });
  rmSync(errorPath, { force: true });
  const logPath = path.join(stackDir, "stack.log");
  const out = openSync(logPath, "w");
  const child = spawn(
    python,
    [
      path.join(REPO, "testbed", "e2e_stack.py"),
      "--state",
      statePath,
      "--parent-pid",
      String(process.pid),
      "--log-dir",
      stackDir,
    ],
    { cwd: REPO, stdio: ["ignore", out, out] },
  );
  let exited: number | null = null;
  const done = new Promise<void>((resolve) =>
    child.on("exit", (code) => {
      exited = code ?? -1;
      resolve();
    }),
  );

  const started = Date.now();
  while (!existsSync(statePath)) {
    if (exited !== null || existsSync(errorPath)) {
      await done;
      throw new Error(`the e2e stack failed to start (${logPath}):\n${readFileSync(logPath, "utf-8")}`);
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      child.kill("SIGTERM");
      await done;
      throw new Error(`the e2e stack did not start in ${START_TIMEOUT_MS / 1000} s (${logPath})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  process.env.WFT_E2E_STATE = statePath;

  return async () => {
    if (exited === null) child.kill("SIGTERM");
    await done;
    if (exited !== 0) console.error(`the e2e stack ended with ${exited}: see ${logPath}`);
  };
}
