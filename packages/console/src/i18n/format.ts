/** Locale-aware formatting of dates, relative times, numbers and byte sizes. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { localeOf } from './index.ts';

export type DateInput = string | number | Date | null | undefined;

function toDate(v: DateInput): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function makeFormatters(lang: string) {
  const locale = localeOf(lang);
  const dateTime = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  const short = new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  });
  const number = new Intl.NumberFormat(locale);
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  return {
    locale,
    dateTime(v: DateInput): string {
      const d = toDate(v);
      return d ? dateTime.format(d) : '—';
    },
    short(v: DateInput): string {
      const d = toDate(v);
      return d ? short.format(d) : '—';
    },
    number(n: number | null | undefined): string {
      return typeof n === 'number' && Number.isFinite(n) ? number.format(n) : '—';
    },
    relative(v: DateInput, now = Date.now()): string {
      const d = toDate(v);
      if (!d) return '—';
      const s = Math.round((d.getTime() - now) / 1000);
      const abs = Math.abs(s);
      if (abs < 60) return relative.format(s, 'second');
      if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
      if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour');
      return relative.format(Math.round(s / 86400), 'day');
    },
    bytes(n: number | null | undefined): string {
      if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
      const units = ['B', 'KB', 'MB', 'GB', 'TB'];
      let v = n;
      let i = 0;
      while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      const digits = i === 0 || v >= 100 ? 0 : 1;
      return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)} ${units[i]}`;
    },
  };
}

export type Formatters = ReturnType<typeof makeFormatters>;

/** Formatters for the current UI language (re-created when the language changes). */
export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  return useMemo(() => makeFormatters(i18n.language), [i18n.language]);
}
