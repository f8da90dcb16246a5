import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDate, formatMoney } from '#core/i18n/format';

describe('formatMoney and formatDate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('build each Intl formatter once per locale and options, not per call', () => {
    expect(formatMoney('en', 499, 'usd')).toBe('$4.99');
    expect(formatDate('en', new Date('2026-03-01T12:00:00Z'))).toBe('Mar 1, 2026');
    const numberFormats = vi.spyOn(Intl, 'NumberFormat');
    const dateFormats = vi.spyOn(Intl, 'DateTimeFormat');
    for (let round = 0; round < 50; round += 1) {
      formatMoney('en', 499 + round, 'usd');
      formatDate('en', new Date('2026-03-01T12:00:00Z'));
    }
    expect(numberFormats).not.toHaveBeenCalled();
    expect(dateFormats).not.toHaveBeenCalled();
  });

  it('keeps the locale and the currency apart', () => {
    expect(formatMoney('en', 1000, 'eur')).toBe('€10.00');
    expect(formatMoney('en', 1000, 'jpy')).toBe('¥1,000');
    expect(formatMoney('ja', 1000, 'jpy')).toBe('￥1,000');
    expect(formatDate('ru', new Date('2026-03-01T12:00:00Z'))).toBe(formatDate('ru', new Date('2026-03-01T00:00:00Z')));
    expect(formatDate('ru', new Date('2026-03-01T12:00:00Z'))).not.toBe(
      formatDate('en', new Date('2026-03-01T12:00:00Z')),
    );
  });
});
