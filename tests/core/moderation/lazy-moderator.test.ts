import { describe, expect, it } from 'vitest';
import { createLazyModerator } from '#core/moderation/create-lazy-moderator';
import type { PromptModerator } from '#core/moderation/prompt-moderator';

describe('createLazyModerator', () => {
  it('builds the moderator on the first check only, and answers as it does', async () => {
    let builds = 0;
    const moderator = createLazyModerator((): PromptModerator => {
      builds += 1;
      return {
        check: async (prompt) =>
          prompt.includes('gore')
            ? { verdict: 'blocked', stage: 'local', categories: ['violence'], isSevere: false }
            : { verdict: 'allowed', stage: 'local' },
        checkImage: async () => ({ verdict: 'allowed', stage: 'none' }),
      };
    });
    expect(builds).toBe(0);
    await expect(moderator.check('a lighthouse')).resolves.toEqual({ verdict: 'allowed', stage: 'local' });
    await expect(moderator.check('gore')).resolves.toMatchObject({ verdict: 'blocked', categories: ['violence'] });
    await expect(moderator.checkImage({ bytes: Buffer.alloc(1), mime: 'image/png' })).resolves.toEqual({
      verdict: 'allowed',
      stage: 'none',
    });
    expect(builds).toBe(1);
  });
});
