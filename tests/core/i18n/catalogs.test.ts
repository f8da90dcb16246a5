import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { textReply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { catalogOf, type MessageKey, translate } from '#core/i18n/catalog';
import { LOCALES } from '#core/i18n/locales';
import { argumentsOf, compileMessage } from '#core/i18n/message-arguments';
import { renderMessageTypes } from '#core/i18n/render-message-types';

const english = catalogOf('en');

/** The argument names of a message, sorted. */
function argumentNames(message: string, locale: string): string[] {
  return [...argumentsOf(compileMessage(message, locale)).keys()].sort();
}

describe('message catalogs', () => {
  it.each(LOCALES)('%s has every English key, no other, each a valid ICU message with the same variables', (locale) => {
    const catalog = catalogOf(locale);
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(english).sort());
    const problems: string[] = [];
    for (const [key, message] of Object.entries(catalog)) {
      if (typeof message !== 'string') {
        problems.push(`${key}: not a string`);
        continue;
      }
      let names: string[];
      try {
        names = argumentNames(message, locale);
      } catch (error) {
        problems.push(`${key}: ${(error as Error).message}`);
        continue;
      }
      const expected = argumentNames(english[key as keyof typeof english], 'en');
      if (names.join() !== expected.join())
        problems.push(`${key}: {${names.join(', ')}} instead of {${expected.join(', ')}}`);
    }
    expect(problems).toEqual([]);
  });

  it('counts in English with plural forms, and in Chinese with a measure word', () => {
    expect(translate('en', 'start.welcome_back', { balance: 1 })).toBe(
      'Welcome back! You have 1 credit. Try: /imagine a fox in the snow',
    );
    expect(translate('en', 'start.welcome_back', { balance: 2 })).toContain('You have 2 credits.');
    expect(translate('en', 'buy.invoice_title', { credits: 1 })).toBe('1 credit');
    expect(translate('en', 'buy.invoice_title', { credits: 1000 })).toBe('1,000 credits');
    expect(translate('en', 'job.cancelled', { cost: 1 })).toBe('Cancelled. Your 1 credit was returned.');
    expect(translate('en', 'job.cancelled', { cost: 4 })).toBe('Cancelled. Your 4 credits were returned.');
    expect(translate('en', 'errors.rate_limited', { seconds: 1 })).toBe('Too fast. Try again in 1 second.');
    expect(translate('zh-CN', 'start.welcome_back', { balance: 1 })).toContain('你有 1 个积分');
  });

  it('takes a count given as a numeric string, as chat replies carry it', () => {
    // A reply's key and vars are data (`Text`), typed loosely.
    const key = 'start.welcome_back' as MessageKey;
    expect(translate('en', key, { balance: '1' })).toContain('You have 1 credit.');
    expect(translate('en', key, { balance: '12' })).toContain('You have 12 credits.');
  });

  it('picks the unit of a duration from a nested key, with its plural', () => {
    const vars = { category: '{category.sexual}', until: '2026-12-08', unit: '{unit.days}' };
    expect(translate('en', 'errors.content_blocked_suspended', { ...vars, count: 1 })).toContain('for 1 day, until');
    expect(translate('en', 'errors.content_blocked_suspended', { ...vars, count: 3, unit: '{unit.hours}' })).toContain(
      'for 3 hours, until',
    );
    expect(translate('zh-CN', 'errors.content_blocked_suspended', { ...vars, count: 3 })).toContain('3 天');
  });

  it('says when pack credits never expire', () => {
    expect(translate('en', 'buy.choose', { days: 0 })).toContain('credits never expire.');
    expect(translate('en', 'buy.choose', { days: 365 })).toContain('credits last 365 days.');
  });

  it('shows a variable the caller left out by its name instead of failing the reply', () => {
    const key = 'web.account.title' as MessageKey;
    expect(translate('en', key, {})).toBe('Hello {name}');
  });

  it('keeps no English "(s)" plural and no "1 credits"', () => {
    for (const message of Object.values(english)) expect(message).not.toMatch(/\(s\)|\{\w+\} (credits|days|hours)\b/);
  });

  it('lets the typecheck reject a wrong key, a missing variable and text where a count belongs', () => {
    // Never called: `npm run typecheck` fails if any line below stops being an error.
    const rejected = () => [
      // @ts-expect-error: no such key
      translate('en', 'start.no_such_key'),
      // @ts-expect-error: `balance` is missing
      translate('en', 'start.welcome_back'),
      // @ts-expect-error: a plural count takes a number
      translate('en', 'start.welcome_back', { balance: 'many' }),
      // @ts-expect-error: `position` is missing
      textReply('job.queued', { cost: 1 }),
      // @ts-expect-error: `seconds` is missing
      new AppError('rate_limited'),
    ];
    expect(rejected).toBeTypeOf('function');
    expect(translate('en', 'job.queued', { cost: 2, position: 3 })).toBe('Queued (2 credits reserved). Position: 3.');
  });

  it('message-types.ts is what `npm run i18n:types` writes from en.json', () => {
    const written = readFileSync(new URL('../../../core/i18n/message-types.ts', import.meta.url), 'utf8');
    expect(written, 'run `npm run i18n:types`').toBe(renderMessageTypes(english));
  });
});
