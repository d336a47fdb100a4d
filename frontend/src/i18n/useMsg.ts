/** Hooks for components: `const msg = useMsg(); msg("wft-ui-nav-history")`, `useI18n()` for the rest,
 * `useFormat()` for numbers and dates in the interface language. */
import { useContext, useMemo } from "react";
import { I18nContext, type I18n } from "./I18nProvider";

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n() outside <I18nProvider>");
  return value;
}

/** `msg(key, ...params)`: keys are always literal `wft-ui-…` strings in the code, never built from parts,
 * so tests/unit/test_frontend_messages.py can check every key has a message and documentation. */
export function useMsg(): I18n["msg"] {
  return useI18n().msg;
}

export interface Format {
  number: (value: number, options?: Intl.NumberFormatOptions) => string;
  date: (value: Date | string | number, options?: Intl.DateTimeFormatOptions) => string;
  bytes: (value: number) => string;
}

/** Numbers and dates through Intl, in the interface language. */
export function useFormat(): Format {
  const { locale } = useI18n();
  return useMemo(() => {
    const number = (value: number, options?: Intl.NumberFormatOptions) =>
      new Intl.NumberFormat(locale, options).format(value);
    return {
      number,
      date: (value, options = { dateStyle: "medium", timeStyle: "short" }) =>
        new Intl.DateTimeFormat(locale, options).format(typeof value === "object" ? value : new Date(value)),
      bytes: (value) => {
        const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"] as const;
        let size = value;
        let unit = 0;
        while (size >= 1024 && unit < units.length - 1) {
          size /= 1024;
          unit += 1;
        }
        return number(size, { style: "unit", unit: units[unit], unitDisplay: "short", maximumFractionDigits: 1 });
      },
    };
  }, [locale]);
}
