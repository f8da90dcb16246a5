import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKey } from '#core/accounts/web-session';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const DAY = 86_400_000;

describe('retention jobs (core.retention.run)', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await createTestCore({ startWorker: false, env: { RETENTION_PROMPT_DAYS: '30', RETENTION_LOGIN_DAYS: '7' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('forgets old prompts and media, old login IPs, and expired sessions and tokens, leaving recent data alone', async () => {
    const prisma = t.database.prisma;
    const now = t.clock.now();
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const user = await prisma.user.create({ data: { email: 'kept@example.com' } });
    const oldFile = await t.deps.media.put({ bytes: Buffer.from('old png'), mime: 'image/png' });
    const newFile = await t.deps.media.put({ bytes: Buffer.from('new png'), mime: 'image/png' });
    const old = await prisma.generation.create({
      data: {
        userId: user.id,
        kind: 'image',
        prompt: 'an old secret prompt',
        options: { subject: 'old secret', aspect: '1:1' },
        status: 'succeeded',
        cost: 1,
        createdAt: ago(31),
      },
    });
    const recent = await prisma.generation.create({
      data: {
        userId: user.id,
        kind: 'image',
        prompt: 'a recent prompt',
        options: { subject: 'recent' },
        status: 'succeeded',
        cost: 1,
        createdAt: ago(29),
      },
    });
    await prisma.mediaAsset.create({
      data: {
        userId: user.id,
        generationId: old.id,
        storageKey: oldFile.key,
        mime: 'image/png',
        bytes: oldFile.bytes,
        sha256: oldFile.sha256,
        createdAt: ago(31),
      },
    });
    await prisma.mediaAsset.create({
      data: {
        userId: user.id,
        generationId: recent.id,
        storageKey: newFile.key,
        mime: 'image/png',
        bytes: newFile.bytes,
        sha256: newFile.sha256,
        createdAt: ago(29),
      },
    });
    await prisma.moderationEvent.create({
      data: {
        userId: user.id,
        stage: 'local',
        verdict: 'blocked',
        prompt: 'an old blocked prompt',
        createdAt: ago(31),
      },
    });
    await prisma.securityEvent.create({
      data: { userId: user.id, kind: 'login.succeeded', ip: '198.51.100.1', userAgent: 'Old', createdAt: ago(8) },
    });
    await prisma.securityEvent.create({
      data: { userId: user.id, kind: 'login.succeeded', ip: '198.51.100.2', userAgent: 'New', createdAt: ago(6) },
    });
    await prisma.webSession.create({
      data: { id: sessionKey('expired'), userId: user.id, expiresAt: ago(1), ip: '198.51.100.3' },
    });
    await prisma.webSession.create({
      data: {
        id: sessionKey('live'),
        userId: user.id,
        expiresAt: new Date(now.getTime() + DAY),
        ip: '198.51.100.4',
        createdAt: ago(8),
      },
    });
    await prisma.oneTimeToken.create({
      data: { kind: 'password_reset', tokenHash: 'expired-token', userId: user.id, expiresAt: ago(1) },
    });
    await prisma.oneTimeToken.create({
      data: {
        kind: 'password_reset',
        tokenHash: 'live-token',
        userId: user.id,
        expiresAt: new Date(now.getTime() + DAY),
      },
    });

    const report = await t.core.retention.run();
    expect(report).toMatchObject({
      prompts: 1,
      moderationPrompts: 1,
      media: 1,
      loginRecords: 1,
      sessionOrigins: 1,
      expiredSessions: 1,
      expiredTokens: 1,
    });

    const forgotten = await prisma.generation.findUniqueOrThrow({ where: { id: old.id } });
    expect(forgotten.prompt).toBeNull();
    expect(forgotten.options).toEqual({ aspect: '1:1' });
    expect(forgotten.cost).toBe(1);
    expect((await prisma.generation.findUniqueOrThrow({ where: { id: recent.id } })).prompt).toBe('a recent prompt');
    expect(await t.deps.media.exists(oldFile.key)).toBe(false);
    expect(await t.deps.media.exists(newFile.key)).toBe(true);
    expect(await prisma.mediaAsset.count({ where: { userId: user.id } })).toBe(1);
    expect((await prisma.moderationEvent.findFirstOrThrow({ where: { userId: user.id } })).prompt).toBeNull();
    const events = await prisma.securityEvent.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => [event.kind, event.ip, event.userAgent])).toEqual([
      ['login.succeeded', null, null],
      ['login.succeeded', '198.51.100.2', 'New'],
    ]);
    expect(await prisma.webSession.findMany({ where: { userId: user.id }, select: { id: true, ip: true } })).toEqual([
      { id: sessionKey('live'), ip: null },
    ]);
    expect(
      (await prisma.oneTimeToken.findMany({ where: { userId: user.id } })).map((token) => token.tokenHash),
    ).toEqual(['live-token']);

    expect(await t.core.retention.run()).toEqual({
      prompts: 0,
      moderationPrompts: 0,
      media: 0,
      loginRecords: 0,
      sessionOrigins: 0,
      expiredSessions: 0,
      expiredTokens: 0,
      suspensionMarks: 0,
      bonusMarks: 0,
      stripeCustomersDeleted: 0,
      chatUpdateClaims: 0,
      erasedMediaDeleted: 0,
      orphanMedia: 0,
      pendingInputs: 0,
    });
  });
});
