// Message catalogues: every word the application shows comes from one of these, chosen from the browser's languages
// or by the user (remembered on this device). Adding a language is adding a catalogue and a line in LANGUAGES.
import en from './messages/en.json';
import ru from './messages/ru.json';

type Catalogue = Record<string, string>;

export const LANGUAGES: ReadonlyArray<{ code: string; name: string; catalogue: Catalogue }> = [
  { code: 'en', name: 'English', catalogue: en },
  { code: 'ru', name: 'Русский', catalogue: ru },
];

const STORAGE_KEY = 'liaison.lang';

function choose(): string {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && LANGUAGES.some((l) => l.code === stored)) return stored;
  for (const preferred of navigator.languages ?? [navigator.language]) {
    const code = preferred.toLowerCase().split('-')[0];
    if (LANGUAGES.some((l) => l.code === code)) return code!;
  }
  return 'en';
}

let current = choose();
let catalogue: Catalogue = LANGUAGES.find((l) => l.code === current)!.catalogue;
let plurals = new Intl.PluralRules(current);
document.documentElement.lang = current;

export function language(): string {
  return current;
}

/** Remembers the choice and reloads the page in it (an unsent draft is kept locally and comes back). */
export function setLanguage(code: string): void {
  if (!LANGUAGES.some((l) => l.code === code) || code === current) return;
  localStorage.setItem(STORAGE_KEY, code);
  window.location.reload();
}

function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? new Intl.NumberFormat(current).format(value) : value;
  });
}

/** The text of <paramref name="key"/> in the chosen language, English when the catalogue lacks it. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  return fill(catalogue[key] ?? (en as Catalogue)[key] ?? key, params);
}

/** A count in words, with the plural form the language asks for (Russian has four). */
export function tn(key: string, count: number, params: Record<string, string | number> = {}): string {
  const form = plurals.select(count);
  const text = catalogue[`${key}.${form}`] ?? catalogue[`${key}.other`] ?? (en as Catalogue)[`${key}.other`] ?? key;
  return fill(text, { ...params, count });
}
