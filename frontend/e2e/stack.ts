/**
 * What the tests know about the stack (written by testbed/e2e_stack.py, path in WFT_E2E_STATE) and the
 * interface's messages (the repository's i18n/*.json), so tests name controls by the same text a person
 * sees without copying it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface TestbedUser {
  name: string;
  login: string;
  password: string;
}

export interface TestbedWiki {
  url: string;
  api: string;
  lang: string;
  sitename: string;
}

export interface StackState {
  app: string;
  control: string;
  oauth: { base: string; username: string };
  flaky: { name: string; upstream: string; api: string };
  own_testbed: boolean;
  app_log: string;
  testbed: {
    wikis: Record<string, TestbedWiki>;
    users: Record<string, TestbedUser>;
    files: Record<string, string>;
  };
}

let cached: StackState | null = null;

export function stack(): StackState {
  if (cached) return cached;
  const file = process.env.WFT_E2E_STATE;
  if (!file) throw new Error("WFT_E2E_STATE is not set: run the tests with npm run e2e (global setup)");
  cached = JSON.parse(readFileSync(file, "utf-8")) as StackState;
  return cached;
}

/** The message files (WFT_E2E_I18N: another checkout's, to run these tests against its build). */
const I18N = process.env.WFT_E2E_I18N ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "i18n");
const catalogs = new Map<string, Record<string, string>>();

/** Whether the repository has a message file for `lang` (the language menu then offers it). */
export function hasLanguage(lang: string): boolean {
  return existsSync(path.join(I18N, `${lang}.json`));
}

/** The messages of `lang` (only those its file has: no fallback). */
export function messages(lang: string): Record<string, string> {
  let found = catalogs.get(lang);
  if (!found) {
    found = hasLanguage(lang)
      ? (JSON.parse(readFileSync(path.join(I18N, `${lang}.json`), "utf-8")) as Record<string, string>)
      : {};
    catalogs.set(lang, found);
  }
  return found;
}

/** The English text of `key` with $1… filled in ({{PLURAL:}}: the form for `1` when `$1` is 1, else the last). */
export function t(key: string, ...params: (string | number)[]): string {
  return translate("en", key, ...params) ?? key;
}

/** The text of `key` in `lang`, or null when that language's file lacks it. */
export function translate(lang: string, key: string, ...params: (string | number)[]): string | null {
  const text = messages(lang)[key];
  if (text === undefined) return null;
  const filled = text.replace(/\$(\d+)/g, (_, n: string) => String(params[Number(n) - 1] ?? `$${n}`));
  return filled.replace(/\{\{PLURAL:([^|}]*)\|([^}]*)\}\}/g, (_, count: string, forms: string) => {
    const options = forms.split("|");
    return (Number(count) === 1 ? options[0] : options[options.length - 1]) ?? "";
  });
}

/** Whether the English messages have `key` (a screen's messages come with the screen). */
export function hasMessage(key: string): boolean {
  return key in messages("en");
}

/** A pattern for the English text of `key`: $n matches any text, {{PLURAL:…|a|b}} either form. */
export function pattern(key: string): RegExp {
  const text = messages("en")[key] ?? key;
  const plain = (part: string) =>
    part
      .split(/\$\d+/)
      .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".+?");
  const source = text
    .split(/(\{\{PLURAL:[^|}]*\|[^}]*\}\})/)
    .map((part) => {
      const plural = /^\{\{PLURAL:[^|}]*\|([^}]*)\}\}$/.exec(part);
      return plural ? `(?:${plural[1]!.split("|").map(plain).join("|")})` : plain(part);
    })
    .join("");
  return new RegExp(source);
}

/** Asks the stack to upload `count` new files to `wiki` as alice; their titles (File:E2E ….png). */
export async function newFiles(count: number, kind: "free" | "non_free" = "free", wiki = "src"): Promise<string[]> {
  const resp = await fetch(`${stack().control}/files`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ wiki, count, kind }),
  });
  const body = (await resp.json()) as { titles?: string[]; error?: string };
  if (!resp.ok || !body.titles) throw new Error(`the stack could not upload files: ${body.error}`);
  return body.titles;
}

/** Switches the fault proxy in front of the wiki `flaky`: "html" (HTML 502 pages) or "pass". */
export async function fault(mode: "html" | "pass" | "hang" | "close", status = 502): Promise<void> {
  const resp = await fetch(`${stack().control}/fault`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ mode, status }),
  });
  if (!resp.ok) throw new Error(`the fault proxy did not switch: ${await resp.text()}`);
}

/** The wikitext of `title` on a testbed wiki, or null when the page does not exist. */
export async function pageText(wiki: string, title: string): Promise<string | null> {
  const url = new URL(stack().testbed.wikis[wiki]!.api);
  for (const [k, v] of Object.entries({
    action: "query", prop: "revisions", rvprop: "content", rvslots: "main", titles: title, format: "json", formatversion: "2",
  })) url.searchParams.set(k, v);
  const body = (await (await fetch(url)).json()) as {
    query: { pages: { missing?: boolean; revisions?: { slots: { main: { content: string } } }[] }[] };
  };
  const found = body.query.pages[0];
  return found && !found.missing ? (found.revisions?.[0]?.slots.main.content ?? null) : null;
}
