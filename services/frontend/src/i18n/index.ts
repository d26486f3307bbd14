import { en, type Messages } from './en';
import { fr } from './fr';

export type { Messages };

export const dictionaries = { en, fr } satisfies Record<string, Messages>;
export type Language = keyof typeof dictionaries;
export const LANGUAGES = Object.keys(dictionaries) as Language[];
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(dictionaries, value);
}

/** Locale-aware formatting of what the backends send: integer cents and ISO dates. */
export interface Formatters {
  /** 129999 → "€1,299.99" (en) or "1 299,99 €" (fr). */
  price(cents: number, currency?: string): string;
  date(iso: string): string;
}

const formatterCache = new Map<string, Formatters>();

export function formattersFor(language: Language): Formatters {
  let formatters = formatterCache.get(language);
  if (!formatters) {
    const locale = dictionaries[language].locale;
    const money = new Map<string, Intl.NumberFormat>();
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' });
    formatters = {
      price(cents, currency = 'EUR') {
        let format = money.get(currency);
        if (!format) {
          format = new Intl.NumberFormat(locale, { style: 'currency', currency });
          money.set(currency, format);
        }
        // Dividing only at the edge keeps every amount exact integer cents until display.
        return format.format(cents / 100);
      },
      date(iso) {
        const when = new Date(iso);
        return Number.isNaN(when.getTime()) ? iso : dates.format(when);
      },
    };
    formatterCache.set(language, formatters);
  }
  return formatters;
}
