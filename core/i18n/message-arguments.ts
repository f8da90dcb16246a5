import { IntlMessageFormat } from 'intl-messageformat';

/** What an argument takes: `number` for plural and number arguments, `choice` for a select, `text` otherwise. */
export type ArgumentKind = 'text' | 'number' | 'choice';

/** The parts of the parser's syntax tree we read (`@formatjs/icu-messageformat-parser` TYPE values). */
type Element = { type: number; value?: unknown; options?: Record<string, { value: Element[] }> };
const ELEMENT = { argument: 1, number: 2, date: 3, time: 4, select: 5, plural: 6, tag: 8 } as const;

/**
 * Parses an ICU message (throws on a syntax error). `ignoreTag`: our texts hold `<prompt>` and
 * `telegram:<id>` as plain text, never markup.
 */
export function compileMessage(message: string, locale: string): IntlMessageFormat {
  return new IntlMessageFormat(message, locale, undefined, { ignoreTag: true });
}

/** The arguments a compiled message names, nested plural and select branches included. */
export function argumentsOf(format: IntlMessageFormat): Map<string, ArgumentKind> {
  const found = new Map<string, ArgumentKind>();
  const visit = (elements: readonly Element[]): void => {
    for (const element of elements) {
      const name = typeof element.value === 'string' ? element.value : undefined;
      if (name !== undefined && element.type !== ELEMENT.tag && element.type !== 0) {
        const kind: ArgumentKind =
          element.type === ELEMENT.plural || element.type === ELEMENT.number
            ? 'number'
            : element.type === ELEMENT.select
              ? 'choice'
              : 'text';
        if (found.get(name) !== 'number') found.set(name, kind);
      }
      for (const option of Object.values(element.options ?? {})) visit(option.value);
    }
  };
  visit(format.getAst() as unknown as Element[]);
  return found;
}
