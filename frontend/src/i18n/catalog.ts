/**
 * The message files: the repository's `i18n/*.json` (banana JSON), the same files the back end renders
 * its messages from. Each language is its own lazy chunk, so a visitor downloads English (the final
 * fallback) and their own language only. `qqq.json` documents the keys and is no language.
 */

export type Messages = Record<string, string>;

/** Language code -> loader of that language's messages (without `@metadata`). */
export type Catalog = Record<string, () => Promise<Messages>>;

const files = import.meta.glob<Record<string, unknown>>(["../../../i18n/*.json", "!../../../i18n/qqq.json"], {
  import: "default",
});

/** Only the string messages of a banana file (drops `@metadata` and anything that is not text). */
export function messagesOf(data: Record<string, unknown>): Messages {
  const out: Messages = {};
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith("@") && typeof value === "string") out[key] = value;
  }
  return out;
}

function codeOf(path: string): string {
  const name = path.split("/").pop() ?? path;
  return name.replace(/\.json$/, "").toLowerCase();
}

/** Every language with a file in `i18n/`, found at build time (a new file needs no code change). */
export const bundledCatalog: Catalog = Object.fromEntries(
  Object.entries(files).map(([path, load]) => [codeOf(path), async () => messagesOf(await load())]),
);
