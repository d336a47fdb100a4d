/**
 * The user's preferences, kept in this browser's localStorage: interface language, default target wiki,
 * default rules page. Later screens read them as defaults through `useSettings()`.
 *
 * Why an external store and not React state: every component that calls `useSettings()` sees the same
 * value at once (the language menu and the settings screen edit the same `lang`), and another tab's
 * change arrives through the `storage` event.
 */
import { useCallback, useSyncExternalStore } from "react";

export interface Settings {
  /** Interface language (a code with a file in i18n/); null: follow the browser. */
  lang: string | null;
  /** Wiki name as the API knows it (`commons`, `de.wikipedia`, a configured wiki); null: none. */
  defaultTargetWiki: string | null;
  /** `WIKI:Page` of a rule page (e.g. `commons:Extension:FileImporter/Data/en.wikipedia`); null: none. */
  defaultRulesPage: string | null;
}

export const STORAGE_KEY = "wft-settings";

export const DEFAULT_SETTINGS: Settings = { lang: null, defaultTargetWiki: null, defaultRulesPage: null };

function textOrNull(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** Settings from stored JSON; anything unreadable or of the wrong type falls back to the default. */
export function parseSettings(raw: string | null): Settings {
  if (!raw) return DEFAULT_SETTINGS;
  try {
    const data: unknown = JSON.parse(raw);
    if (typeof data !== "object" || data === null) return DEFAULT_SETTINGS;
    const record = data as Record<string, unknown>;
    return {
      lang: textOrNull(record.lang),
      defaultTargetWiki: textOrNull(record.defaultTargetWiki),
      defaultRulesPage: textOrNull(record.defaultRulesPage),
    };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage disabled (privacy mode): settings then last for the page's life
  }
}

const listeners = new Set<() => void>();
let cachedRaw: string | null | undefined;
let cached: Settings = DEFAULT_SETTINGS;
let memory: string | null = null;

function readRaw(): string | null {
  const store = storage();
  return store ? store.getItem(STORAGE_KEY) : memory;
}

/** The current settings (the same object until they change, as useSyncExternalStore needs). */
export function getSettings(): Settings {
  const raw = readRaw();
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cached = parseSettings(raw);
  }
  return cached;
}

export function updateSettings(patch: Partial<Settings>): Settings {
  const next = parseSettings(JSON.stringify({ ...getSettings(), ...patch }));
  const raw = JSON.stringify(next);
  const store = storage();
  if (store) store.setItem(STORAGE_KEY, raw);
  else memory = raw;
  listeners.forEach((listener) => listener());
  return getSettings();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY || event.key === null) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

export interface SettingsApi {
  settings: Settings;
  update: (patch: Partial<Settings>) => void;
  reset: () => void;
}

/** The stored settings and a way to change them (`update({ defaultTargetWiki: "commons" })`). */
export function useSettings(): SettingsApi {
  const settings = useSyncExternalStore(subscribe, getSettings, getSettings);
  const update = useCallback((patch: Partial<Settings>) => void updateSettings(patch), []);
  const reset = useCallback(() => void updateSettings(DEFAULT_SETTINGS), []);
  return { settings, update, reset };
}
