/** Facts about languages the UI needs: writing direction, the name of a language in itself, and which
 * of the available languages fits the browser's preferences. */

/** Languages written right to left (MediaWiki's list of RTL codes with message files in practice). */
const RTL = new Set([
  "ar", "arc", "arq", "ary", "arz", "azb", "bcc", "bgn", "bqi", "ckb", "dv", "fa", "glk", "he", "khw",
  "ks", "ku-arab", "lki", "lrc", "luz", "mzn", "nqo", "pnb", "ps", "sd", "sdh", "skr", "ug", "ur", "yi",
]);

export type Direction = "ltr" | "rtl";

export function directionOf(code: string): Direction {
  const lower = code.toLowerCase();
  if (RTL.has(lower)) return "rtl";
  if (/-(arab|hebr)$/.test(lower)) return "rtl";
  return RTL.has(lower.split("-")[0] ?? "") && !/-(latn|cyrl)$/.test(lower) ? "rtl" : "ltr";
}

/** Names Intl may not know (MediaWiki codes that are not BCP 47, or rare languages). */
const AUTONYMS: Record<string, string> = {
  "be-tarask": "беларуская (тарашкевіца)",
  "zh-hans": "中文（简体）",
  "zh-hant": "中文（繁體）",
  "pt-br": "português do Brasil",
  "roa-tara": "tarandíne",
  "zh-min-nan": "Bân-lâm-gú",
  "sr-ec": "српски (ћирилица)",
  "sr-el": "srpski (latinica)",
  qqx: "(qqx)",
};

/** The language's name in the language itself ("Deutsch", "العربية"), for the language menu. */
export function autonym(code: string): string {
  const known = AUTONYMS[code.toLowerCase()];
  if (known) return known;
  try {
    const name = new Intl.DisplayNames([code], { type: "language", fallback: "none" }).of(code);
    if (name && name.toLowerCase() !== code.toLowerCase()) return name;
  } catch {
    // not a valid BCP 47 tag for Intl: fall through to the code itself
  }
  return code;
}

/** Browsers say `zh-TW` or `zh-Hant-HK`; the message files are per script (`zh-hant`, `zh-hans`), as on
 * MediaWiki (plain `zh` reads Simplified). The same mapping as the API's web/lang.py. */
export function chineseScript(code: string): string | null {
  const parts = code.split("-");
  if (parts[0] !== "zh" || ["zh-min-nan", "zh-yue", "zh-classical"].includes(code)) return null;
  for (const part of parts.slice(1)) {
    if (["tw", "hk", "mo", "hant"].includes(part)) return "zh-hant";
    if (["cn", "sg", "my", "hans"].includes(part)) return "zh-hans";
  }
  return "zh-hans";
}

/** The first of `wanted` (e.g. navigator.languages) that has messages, by exact code or base
 * language; English when none has. */
export function pickLanguage(available: readonly string[], wanted: readonly string[]): string {
  const set = new Set(available);
  for (const raw of wanted) {
    const code = chineseScript(raw.toLowerCase()) ?? raw.toLowerCase();
    if (set.has(code)) return code;
    const base = code.split("-")[0] ?? code;
    if (set.has(base)) return base;
  }
  return set.has("en") ? "en" : (available[0] ?? "en");
}

/** BCP 47 tag for Intl from a MediaWiki code (a few differ). */
export function intlLocale(code: string): string {
  const map: Record<string, string> = {
    "be-tarask": "be",
    "zh-min-nan": "nan",
    "sr-ec": "sr-Cyrl",
    "sr-el": "sr-Latn",
    "roa-tara": "it",
    simple: "en",
  };
  return map[code] ?? code;
}
