import { readFileSync } from 'node:fs';
import type { IntlMessageFormat } from 'intl-messageformat';
import { argumentsOf, compileMessage, type ArgumentKind } from '#core/i18n/message-arguments';
import type { MessageVars } from '#core/i18n/message-types';
import type { Locale } from '#core/i18n/locales';

/** Every message key; a reply can only name one of these. */
export type MessageKey = keyof MessageVars;

/** A complete catalog: one ICU message for every key. */
export type Catalog = { readonly [K in MessageKey]: string };

type Vars = Record<string, string | number>;

/**
 * The variables `translate` takes for `K`: exactly checked for a literal key (a missing variable,
 * or text where a count belongs, fails the typecheck); any for a key only known at run time.
 */
export type VarsArgument<K extends MessageKey> = [MessageKey] extends [K]
  ? [vars?: Vars]
  : Record<never, never> extends MessageVars[K]
    ? [vars?: MessageVars[K] & Vars]
    : [vars: MessageVars[K] & Vars];

/** Where the catalogs live: `messages/<locale>.json`, flat `{ "key": "ICU message" }` files translators edit. */
const MESSAGES_DIR = new URL('./messages/', import.meta.url);

const catalogs = new Map<Locale, Catalog>();

type Compiled = { format: IntlMessageFormat; args: Map<string, ArgumentKind> };
const compiled = new Map<string, Compiled>();

/** The catalog of a locale, read on first use (a process speaking only English never loads the others). */
export function catalogOf(locale: Locale): Catalog {
  let catalog = catalogs.get(locale);
  if (!catalog) {
    catalog = JSON.parse(readFileSync(new URL(`${locale}.json`, MESSAGES_DIR), 'utf8')) as Catalog;
    catalogs.set(locale, catalog);
  }
  return catalog;
}

/** Whether a key built at run time (`plan.name.<id>`) is in the catalog. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(catalogOf('en'), key);
}

/** A message compiled on its first use and kept, per locale and key. */
function compiledMessage(locale: Locale, key: MessageKey): Compiled {
  const id = `${locale}\u0000${key}`;
  let entry = compiled.get(id);
  if (!entry) {
    const format = compileMessage(catalogOf(locale)[key], locale);
    entry = { format, args: argumentsOf(format) };
    compiled.set(id, entry);
  }
  return entry;
}

/**
 * Formats a message with ICU MessageFormat (plurals, selects). A variable whose value is itself
 * `{key}` of the catalog (e.g. `{category.sexual}`) is translated too, so core can name a category
 * or a reason without holding sentences; a select argument given so picks its branch by the key's
 * last part. A count may come as a number or a numeric string. A variable the caller did not give
 * shows as `{name}` rather than failing the whole reply.
 */
export function translate<K extends MessageKey>(locale: Locale, key: K, ...[vars = {}]: VarsArgument<K>): string {
  const catalog = catalogOf(locale);
  const { format, args } = compiledMessage(locale, key);
  const values: Record<string, string | number> = {};
  for (const [name, kind] of args) {
    const given = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (given === undefined) {
      values[name] = `{${name}}`;
      continue;
    }
    const nested = typeof given === 'string' ? /^\{([\w.]+)\}$/.exec(given)?.[1] : undefined;
    const isNested = nested !== undefined && Object.hasOwn(catalog, nested);
    // A select chooses by the named key's last part (`{unit.days}` → `days`), whatever its wording.
    const value = !isNested
      ? given
      : kind === 'choice'
        ? nested.slice(nested.lastIndexOf('.') + 1)
        : translate(locale, nested as MessageKey, {});
    values[name] = kind === 'number' && typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  }
  return String(format.format(values));
}
