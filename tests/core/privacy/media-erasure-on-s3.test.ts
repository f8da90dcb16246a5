import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeS3Api } from '#tests/fakes/s3-api';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const BUCKET = 'imagine-media';
const DAY = 86_400_000;

/** Erasure and retention with media on S3: the published policy promises the files are deleted, so the objects must go. */
describe('media deletion on S3', () => {
  let s3: FakeS3Api;
  let t: TestCore;
  beforeAll(async () => {
    s3 = await FakeS3Api.start({ buckets: [BUCKET] });
    t = await createTestCore({
      startWorker: false,
      env: { S3_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, RETENTION_PROMPT_DAYS: '30' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });
  beforeEach(() => {
    s3.clearInjections();
  });

  async function userWithFiles(subject: string, count: number, createdAt = t.clock.now()) {
    const chat = new ChatUser(t, subject);
    await chat.onboard();
    const { userId } = await t.database.prisma.identity.findUniqueOrThrow({ where: { provider_subject: { provider: 'telegram', subject } } });
    const keys: string[] = [];
    for (let n = 0; n < count; n += 1) {
      const stored = await t.deps.media.put({ bytes: Buffer.from(`${subject} file ${n}`), mime: 'image/png', keyHint: n % 2 === 0 ? 'outputs' : 'inputs' });
      await t.database.prisma.mediaAsset.create({ data: { userId, storageKey: stored.key, mime: stored.mime, bytes: stored.bytes, sha256: stored.sha256, createdAt } });
      keys.push(stored.key);
    }
    return { chat, userId, keys };
  }

  const isDeleteObjects = (request: { method: string; query: Record<string, unknown> }) => request.method === 'POST' && 'delete' in request.query;

  it('erasing an account deletes every one of its objects from the bucket in one DeleteObjects call, and nobody else’s', async () => {
    const leaver = await userWithFiles('7501', 3);
    const stayer = await userWithFiles('7502', 1);
    const seen = s3.requests.length;

    await leaver.chat.press('confirm_delete');

    for (const key of leaver.keys) expect(s3.keysOf(BUCKET)).not.toContain(key);
    expect(s3.keysOf(BUCKET)).toEqual(expect.arrayContaining(stayer.keys));
    const calls = s3.requests.slice(seen).filter((request) => isDeleteObjects(request) || request.method === 'DELETE');
    expect(calls).toHaveLength(1);
    expect(isDeleteObjects(calls[0]!)).toBe(true);
    expect(await t.database.prisma.mediaErasure.count()).toBe(0);
  });

  it('with S3 down the erasure still completes, and the retention job deletes the objects later, once', async () => {
    const leaver = await userWithFiles('7503', 2);
    s3.failNext(isDeleteObjects, { status: 503, times: 10 });

    await leaver.chat.press('confirm_delete');
    expect(await t.database.prisma.user.count({ where: { id: leaver.userId } })).toBe(0);
    expect(s3.keysOf(BUCKET)).toEqual(expect.arrayContaining(leaver.keys));
    const waiting = await t.database.prisma.mediaErasure.findMany({ orderBy: { storageKey: 'asc' } });
    expect(waiting.map((row) => row.storageKey)).toEqual([...leaver.keys].sort());
    expect(waiting.every((row) => row.attempts === 1 && (row.lastError ?? '').length > 0)).toBe(true);

    s3.clearInjections();
    expect((await t.core.retention.run()).erasedMediaDeleted).toBe(2);
    for (const key of leaver.keys) expect(s3.keysOf(BUCKET)).not.toContain(key);
    expect(await t.database.prisma.mediaErasure.count()).toBe(0);
    expect((await t.core.retention.run()).erasedMediaDeleted).toBe(0);
  });

  it('retention deletes old objects from the bucket; a file S3 could not delete keeps its row for the next run', async () => {
    const old = await userWithFiles('7504', 2, new Date(t.clock.now().getTime() - 31 * DAY));
    const recent = await userWithFiles('7505', 1);

    s3.failNext(isDeleteObjects, { status: 500, times: 3 });
    expect((await t.core.retention.run()).media).toBe(0);
    expect(s3.keysOf(BUCKET)).toEqual(expect.arrayContaining(old.keys));
    expect(await t.database.prisma.mediaAsset.count({ where: { userId: old.userId } })).toBe(2);

    expect((await t.core.retention.run()).media).toBe(2);
    for (const key of old.keys) expect(s3.keysOf(BUCKET)).not.toContain(key);
    expect(s3.keysOf(BUCKET)).toEqual(expect.arrayContaining(recent.keys));
    expect(await t.database.prisma.mediaAsset.count({ where: { userId: old.userId } })).toBe(0);
  });
});
