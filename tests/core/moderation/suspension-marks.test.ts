import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '#core/admin/create-admin';
import { registerAccount } from '#core/accounts/register-account';
import { suspendAccount } from '#core/moderation/suspend-account';
import { eraseAccount } from '#core/privacy/erase-account';
import { ChatUser, renderText } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const HOUR = 3_600_000;
const origin = (n: number) => ({ ip: `192.0.2.${n}`, userAgent: 'test' });

describe('a suspension survives erasure', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false });
  });
  afterAll(async () => {
    await t.close();
  });

  async function accountOf(subject: string, provider: 'telegram' | 'discord' = 'telegram') {
    const identity = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider, subject } },
      include: { user: true },
    });
    return identity.user;
  }

  it('/deleteme then /start on a suspended Telegram identity gives an account suspended until the same end', async () => {
    const admin = createAdmin(t.deps);
    const user = new ChatUser(t, '7200001');
    await user.onboard();
    const { until } = await admin.suspend({
      ref: { kind: 'identity', provider: 'telegram', subject: '7200001' },
      hours: 48,
      reason: 'abuse',
      actor: 'cli:test',
    });
    await user.press('confirm_delete');
    expect(await t.database.prisma.identity.count({ where: { subject: '7200001' } })).toBe(0);
    expect(JSON.stringify(await t.database.prisma.suspensionMark.findMany())).not.toContain('7200001');

    await user.onboard();
    const again = await accountOf('7200001');
    expect(again).toMatchObject({
      status: 'suspended',
      suspendedUntil: until,
      suspendedReason: 'earlier_account_suspended',
    });
    expect(await t.database.prisma.suspension.count({ where: { userId: again.id, liftedAt: null } })).toBe(1);
    const reply = renderText((await user.command('imagine', 'a fox'))[0]);
    expect(reply).toContain('Creating is paused on your account until');
    expect(reply).toContain('an earlier account of yours was suspended and erased before the suspension ended');
    expect(reply).not.toContain('earlier_account_suspended');
  });

  it('a severe-content suspension of a web account comes back on a new registration with that email', async () => {
    const first = await registerAccount(t.deps, {
      email: 'marked@example.com',
      password: 'a long enough password 1',
      displayName: 'M',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(1),
    });
    const until = new Date(t.clock.now().getTime() + 72 * HOUR);
    await suspendAccount(t.deps, {
      userId: first.userId,
      reason: 'severe_content',
      category: 'sexual_minors',
      until,
      actor: 'moderation',
    });
    await eraseAccount(t.deps, first.userId, { actor: 'test', channel: 'web' });
    const second = await registerAccount(t.deps, {
      email: 'Marked@Example.com',
      password: 'a long enough password 2',
      displayName: 'M',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(2),
    });
    expect(await t.database.prisma.user.findUniqueOrThrow({ where: { id: second.userId } })).toMatchObject({
      status: 'suspended',
      suspendedUntil: until,
    });
  });

  it('an identity linked after the suspension is marked at erasure; an ended suspension is not inherited and its mark is purged', async () => {
    const user = new ChatUser(t, '7200002', 'en', 'discord');
    await user.onboard();
    const account = await accountOf('7200002', 'discord');
    await suspendAccount(t.deps, {
      userId: account.id,
      reason: 'repeated_blocked_prompts',
      until: new Date(t.clock.now().getTime() + 2 * HOUR),
      actor: 'moderation',
    });
    await t.database.prisma.identity.create({ data: { userId: account.id, provider: 'telegram', subject: '7200003' } });
    await eraseAccount(t.deps, account.id, { actor: 'test', channel: 'discord' });
    await new ChatUser(t, '7200003').command('start');
    expect((await accountOf('7200003')).status).toBe('suspended');

    t.clock.advance(3 * HOUR);
    await user.command('start');
    expect((await accountOf('7200002', 'discord')).status).toBe('active');
    const before = await t.database.prisma.suspensionMark.count();
    const report = await t.core.retention.run();
    expect(report.suspensionMarks).toBeGreaterThanOrEqual(2);
    expect(await t.database.prisma.suspensionMark.count()).toBe(before - report.suspensionMarks);
  });

  it('an admin lifting the suspension removes the marks: erasing and starting again is not suspended', async () => {
    const admin = createAdmin(t.deps);
    const user = new ChatUser(t, '7200004');
    await user.onboard();
    await admin.suspend({
      ref: { kind: 'identity', provider: 'telegram', subject: '7200004' },
      hours: undefined,
      reason: 'abuse',
      actor: 'cli:test',
    });
    await user.press('confirm_delete');
    await user.command('start');
    expect(await accountOf('7200004')).toMatchObject({ status: 'suspended', suspendedUntil: null });
    await admin.unsuspend({ ref: { kind: 'identity', provider: 'telegram', subject: '7200004' }, actor: 'cli:test' });
    await user.press('confirm_delete');
    await user.command('start');
    expect((await accountOf('7200004')).status).toBe('active');
  });

  it('lifting the suspension of the new account frees every identity of the erased one', async () => {
    const admin = createAdmin(t.deps);
    const web = await registerAccount(t.deps, {
      email: 'both@example.com',
      password: 'a long enough password 3',
      displayName: 'B',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(3),
    });
    await t.database.prisma.identity.create({ data: { userId: web.userId, provider: 'telegram', subject: '7200005' } });
    await admin.suspend({ ref: { kind: 'id', id: web.userId }, hours: undefined, reason: 'abuse', actor: 'cli:test' });
    await eraseAccount(t.deps, web.userId, { actor: 'test', channel: 'web' });
    await new ChatUser(t, '7200005').command('start');
    expect((await accountOf('7200005')).status).toBe('suspended');
    await admin.unsuspend({ ref: { kind: 'identity', provider: 'telegram', subject: '7200005' }, actor: 'cli:test' });
    const again = await registerAccount(t.deps, {
      email: 'both@example.com',
      password: 'a long enough password 4',
      displayName: 'B',
      locale: 'en',
      isAgeConfirmed: true,
      hasAcceptedTerms: true,
      origin: origin(4),
    });
    expect((await t.database.prisma.user.findUniqueOrThrow({ where: { id: again.userId } })).status).toBe('active');
    expect(await t.database.prisma.suspensionMark.count({ where: { until: null } })).toBe(0);
  });
});
