// Every UI string comes from a dictionary: t(key, params). Russian first, English by a switch
// remembered in localStorage. Plurals through Intl.PluralRules, dates through Intl formatters
// in the user's own time zone.
import ru from "./ru.js";
import en from "./en.js";

const dictionaries = { ru, en };
const STORAGE_KEY = "atrium.lang";
const listeners = new Set();
let lang = "ru";
let plural = new Intl.PluralRules("ru");

function stored() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

export function initLanguage() {
  const saved = stored();
  setLanguage(saved && dictionaries[saved] ? saved : "ru", { persist: false, notify: false });
}

export function language() { return lang; }

export function setLanguage(next, { persist = true, notify = true } = {}) {
  if (!dictionaries[next]) return;
  lang = next;
  plural = new Intl.PluralRules(lang);
  document.documentElement.lang = lang;
  if (persist) { try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* private mode */ } }
  if (notify) for (const fn of listeners) fn(lang);
}

export function toggleLanguage() { setLanguage(lang === "ru" ? "en" : "ru"); }

export function onLanguageChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (_, k) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

/** The string for `key`; an entry with plural forms picks one by `params.count`. */
export function t(key, params = {}) {
  let entry = dictionaries[lang][key] ?? dictionaries.ru[key];
  if (entry === undefined) return key;
  if (typeof entry === "object") {
    const form = plural.select(Number(params.count ?? 0));
    entry = entry[form] ?? entry.other ?? entry.many;
  }
  const formatted = { ...params };
  if (typeof params.count === "number") formatted.count = new Intl.NumberFormat(lang).format(params.count);
  return fill(entry, formatted);
}

/** "3 секунды" / "2 minutes" for a wait given in seconds. */
export function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 90) return t("wait.seconds", { count: s });
  return t("wait.minutes", { count: Math.ceil(s / 60) });
}

const cache = new Map();
function formatter(kind, options) {
  const key = `${lang}|${kind}|${JSON.stringify(options)}`;
  if (!cache.has(key)) {
    cache.set(key, kind === "date" ? new Intl.DateTimeFormat(lang, options) : new Intl.RelativeTimeFormat(lang, options));
  }
  return cache.get(key);
}

export function formatTime(date) {
  return formatter("date", { hour: "numeric", minute: "2-digit" }).format(date);
}

/** When a mute or ban ends: date and time in the user's own time zone. */
export function formatUntil(date) {
  return formatter("date", { dateStyle: "long", timeStyle: "short" }).format(date);
}

export function formatFull(date) {
  return formatter("date", { dateStyle: "full", timeStyle: "short" }).format(date);
}

function dayStart(d) { return new Date(d.getFullYear(), d.getMonth(), d.getDate()); }

/** A local calendar day key (the user's time zone). */
export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Сегодня", "Вчера", or "пятница, 27 ноября" (with the year when it is not this year). */
export function formatDay(date, now = new Date()) {
  const days = Math.round((dayStart(now) - dayStart(date)) / 86400000);
  if (days === 0 || days === 1) {
    const word = formatter("rel", { numeric: "auto" }).format(-days, "day");
    return word.charAt(0).toLocaleUpperCase(lang) + word.slice(1);
  }
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  const text = formatter("date", options).format(date);
  return text.charAt(0).toLocaleUpperCase(lang) + text.slice(1);
}
