/**
 * The interface language: which one (the stored setting, else the browser's, else English), its
 * messages (loaded lazily, with the fallback chain and English), `dir`/`lang` on <html>, and `msg()`.
 */
import Banana from "banana-i18n";
import { createContext, useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { useSettings } from "../settings/settings";
import { bundledCatalog, type Catalog, type Messages } from "./catalog";
import { directionOf, intlLocale, pickLanguage, type Direction } from "./languages";

export type MsgParam = string | number;

export interface I18n {
  /** The language shown (a code with a message file). */
  lang: string;
  dir: Direction;
  /** BCP 47 tag for Intl (numbers, dates) in this language. */
  locale: string;
  /** Every language with a message file, sorted by code. */
  languages: string[];
  setLang: (code: string) => void;
  /** The message `key` in the current language with `$1`… filled in ({{PLURAL}} supported). */
  msg: (key: string, ...params: MsgParam[]) => string;
}

export const I18nContext = createContext<I18n | null>(null);

const FINAL_FALLBACK = "en";

/** The codes whose messages `lang` needs: itself, its base language, banana's fallbacks, English. */
function chainOf(lang: string, catalog: Catalog): string[] {
  const probe = new Banana(lang, { finalFallback: FINAL_FALLBACK });
  const codes = [lang, lang.split("-")[0] ?? lang, ...probe.getFallbackLocales(), FINAL_FALLBACK];
  return [...new Set(codes)].filter((code) => code in catalog);
}

async function loadBanana(lang: string, catalog: Catalog): Promise<Banana> {
  const banana = new Banana(lang, { finalFallback: FINAL_FALLBACK });
  const loaded = await Promise.all(
    chainOf(lang, catalog).map(async (code): Promise<[string, Messages]> => [code, await catalog[code]!()]),
  );
  for (const [code, messages] of loaded) banana.load(messages, code);
  return banana;
}

interface Props {
  children: ReactNode;
  /** The message files (tests pass their own); default: every `i18n/*.json` of the repository. */
  catalog?: Catalog;
  /** Shown until the first language's messages are loaded. */
  fallback?: ReactNode;
}

export function I18nProvider({ children, catalog = bundledCatalog, fallback = null }: Props) {
  const { settings, update } = useSettings();
  const languages = useMemo(() => Object.keys(catalog).sort(), [catalog]);
  const wanted = useMemo(() => {
    const browser = typeof navigator === "undefined" ? [] : [...(navigator.languages ?? [navigator.language])];
    return settings.lang ? [settings.lang, ...browser] : browser;
  }, [settings.lang]);
  const lang = pickLanguage(languages, wanted);
  const [loaded, setLoaded] = useState<{ lang: string; banana: Banana } | null>(null);

  useEffect(() => {
    let live = true;
    loadBanana(lang, catalog).then(
      (banana) => live && setLoaded({ lang, banana }),
      (error: unknown) => console.error(`messages of ${lang} could not be loaded`, error),
    );
    return () => {
      live = false;
    };
  }, [lang, catalog]);

  // <html lang dir> follow the language once its messages are there, so text and direction flip together.
  const shown = loaded?.lang;
  useEffect(() => {
    if (!shown) return;
    document.documentElement.lang = shown;
    document.documentElement.dir = directionOf(shown);
  }, [shown]);

  const setLang = useCallback((code: string) => update({ lang: code }), [update]);
  const value = useMemo<I18n | null>(() => {
    if (!loaded) return null;
    const { banana } = loaded;
    return {
      lang: loaded.lang,
      dir: directionOf(loaded.lang),
      locale: intlLocale(loaded.lang),
      languages,
      setLang,
      msg: (key, ...params) => banana.i18n(key, ...params),
    };
  }, [loaded, languages, setLang]);

  if (!value) return <>{fallback}</>;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}
