import { describe, expect, it } from 'vitest';
import { planName } from '#core/catalog/plan-name';

describe('planName', () => {
  it('gives the catalog plans their display names in each language', () => {
    expect(planName('en', 'plus')).toBe('Plus');
    expect(planName('en', 'pro')).toBe('Pro');
    expect(planName('zh-CN', 'plus')).toBe('进阶');
    expect(planName('zh-CN', 'pro')).toBe('专业');
  });

  it('writes a plan an operator added without a translation as words, never as its raw id', () => {
    expect(planName('en', 'team_max')).toBe('Team max');
    expect(planName('zh-CN', 'studio')).toBe('Studio');
  });

  it('does not take a prototype key for a name', () => {
    expect(planName('en', 'constructor')).toBe('Constructor');
  });
});
