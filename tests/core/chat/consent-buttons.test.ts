import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMS_VERSION } from '#core';
import { getBalance } from '#core/credits/get-balance';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

describe('old consent buttons answer from the current state', () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

  it('after onboarding, every old terms or age button says when the terms were accepted, and changes nothing', async () => {
    const user = new ChatUser(t, '5101');
    await user.onboard();
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '5101' } },
    });
    const before = await t.database.prisma.user.findUniqueOrThrow({ where: { id: identity.userId } });
    t.clock.advance(3_600_000);
    for (const [name, arg] of [
      ['decline_terms', ''],
      ['deny_age', ''],
      ['accept_terms', TERMS_VERSION],
      ['confirm_age', TERMS_VERSION],
    ] as const) {
      const text = renderText((await user.press(name, arg))[0]);
      expect(text, name).toBe(
        `You accepted the terms on ${utc(before.termsAcceptedAt!)} and confirmed you are 13 or older on ${utc(before.ageConfirmedAt!)}; this button is from before, and nothing changed. To stop using the service and erase your data, use /deleteme.`,
      );
      expect(text).not.toContain('Nothing about you is kept');
    }
    const after = await t.database.prisma.user.findUniqueOrThrow({ where: { id: identity.userId } });
    expect([after.termsAcceptedAt, after.ageConfirmedAt, after.status]).toEqual([
      before.termsAcceptedAt,
      before.ageConfirmedAt,
      before.status,
    ]);
    expect((await getBalance(t.database.prisma, identity.userId, t.clock.now())).available).toBe(10);
  });

  it('a user with credits who declines newer terms is told the account and credits are kept', async () => {
    const user = new ChatUser(t, '5102');
    await user.onboard();
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '5102' } },
    });
    await t.database.prisma.user.update({ where: { id: identity.userId }, data: { termsVersion: 'older' } });
    expect(renderText((await user.press('decline_terms'))[0])).toBe(
      'Understood: you cannot create until you accept the current terms with /start. Your account and its 10 credits are kept; /mydata shows what is stored and /deleteme erases it.',
    );
    expect(renderText((await user.press('deny_age'))[0])).toBe(
      'Sorry, you must be at least 13 to use this service, so you cannot create. Your account and its 10 credits are kept until you erase them with /deleteme; /mydata shows what is stored.',
    );
  });

  it('a new user with nothing stored who declines is told only the chat id is kept', async () => {
    const user = new ChatUser(t, '5103');
    await user.command('start');
    expect(renderText((await user.press('decline_terms'))[0])).toBe(
      'Understood. Nothing about you is kept beyond your chat id. You can still read /privacy and /terms, and accept later with /start.',
    );
  });
  it('an Accept button from older terms shows the current terms again instead of accepting them unseen', async () => {
    const user = new ChatUser(t, '5104');
    await user.command('start');
    const replies = await user.press('accept_terms', '2020-01-01');
    const buttons = replies.flatMap((reply) => (reply.type === 'message' ? (reply.buttons ?? []).flat() : []));
    expect(buttons.map((button) => button.action?.name)).not.toContain('confirm_age');
    expect(buttons.find((button) => button.action?.name === 'accept_terms')?.action?.arg).toBe(TERMS_VERSION);
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject: '5104' } },
    });
    expect(
      (await t.database.prisma.user.findUniqueOrThrow({ where: { id: identity.userId } })).termsAcceptedAt,
    ).toBeNull();
  });
});
