import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildExportArchive } from '#core/privacy/build-export-archive';
import type { ImageProvider } from '#core/providers/ports';
import { createDemoImageProvider } from '#core/providers/demo/demo-image-provider';
import { createDemoVideoProvider } from '#core/providers/demo/demo-video-provider';
import { FakeS3Api } from '#tests/fakes/s3-api';
import { readZip } from '#tests/web/support/read-zip';
import { eventually } from '#tests/core/generation/generation-helpers';
import { ChatUser } from '#tests/support/chat-driver';
import { createTestCore, type TestCore } from '#tests/support/test-core';

const BUCKET = 'imagine-media';
const DAY = 86_400_000;

/**
 * The privacy promises with media on S3: the export holds every object, and erasure and
 * retention delete them (the published policy promises deletion, so the objects must go).
 */
describe('privacy export and media deletion on S3', () => {
  let s3: FakeS3Api;
  let t: TestCore;
  beforeAll(async () => {
    s3 = await FakeS3Api.start({ buckets: [BUCKET] });
    t = await createTestCore({
      startWorker: false,
      env: {
        S3_BUCKET: BUCKET,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        RETENTION_PROMPT_DAYS: '30',
      },
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
    const { userId } = await t.database.prisma.identity.findUniqueOrThrow({
      where: { provider_subject: { provider: 'telegram', subject } },
    });
    const keys: string[] = [];
    for (let n = 0; n < count; n += 1) {
      const stored = await t.deps.media.put({
        bytes: Buffer.from(`${subject} file ${n}`),
        mime: 'image/png',
        keyHint: n % 2 === 0 ? 'outputs' : 'inputs',
      });
      await t.database.prisma.mediaAsset.create({
        data: {
          userId,
          storageKey: stored.key,
          mime: stored.mime,
          bytes: stored.bytes,
          sha256: stored.sha256,
          createdAt,
        },
      });
      keys.push(stored.key);
    }
    return { chat, userId, keys };
  }

  const isDeleteObjects = (request: { method: string; query: Record<string, unknown> }) =>
    request.method === 'POST' && 'delete' in request.query;

  it('the data export streams every object of the account from the bucket, and names one the bucket no longer has', async () => {
    const owner = await userWithFiles('7500', 3);
    s3.buckets.get(BUCKET)?.delete(owner.keys[2]!);
    const assets = await t.database.prisma.mediaAsset.findMany({
      where: { userId: owner.userId },
      orderBy: { createdAt: 'asc' },
    });

    const archive = await buildExportArchive(t.deps, { userId: owner.userId, channel: 'web' });
    const chunks: Buffer[] = [];
    for await (const chunk of archive.stream) chunks.push(Buffer.from(chunk as Buffer));
    const files = readZip(Buffer.concat(chunks));

    for (const asset of assets.filter((row) => row.storageKey !== owner.keys[2])) {
      expect(files.get(`media/${asset.id}.png`)?.toString()).toBe(
        s3.buckets.get(BUCKET)?.get(asset.storageKey)?.bytes.toString(),
      );
    }
    const missing = assets.find((row) => row.storageKey === owner.keys[2]);
    expect(files.has(`media/${missing?.id}.png`)).toBe(false);
    expect(files.get('README.txt')?.toString()).toContain(`no longer stored: ${missing?.id}`);
  });

  it('an export the person abandons mid-download releases the S3 connection of the file being read', async () => {
    const { userId } = await userWithFiles('7506', 0);
    const stored = await t.deps.media.put({ bytes: Buffer.alloc(16 * 1024 * 1024, 3), mime: 'video/mp4' });
    await t.database.prisma.mediaAsset.create({
      data: { userId, storageKey: stored.key, mime: stored.mime, bytes: stored.bytes, sha256: stored.sha256 },
    });

    const archive = await buildExportArchive(t.deps, { userId, channel: 'web' });
    const stream = archive.stream as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    await eventually(async () => s3.inFlight > 0, 'the export to read the video from S3', 5_000);
    stream.destroy();
    await eventually(
      async () => s3.inFlight === 0,
      `the abandoned export's S3 GetObject is still open (${s3.inFlight} in flight)`,
      5_000,
    );
  });

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

  it('erasing an account with more files than one DeleteObjects call takes deletes them all, 1000 at a time', async () => {
    const { chat, userId } = await userWithFiles('7508', 0);
    const month = `${t.clock.now().getUTCFullYear()}/${String(t.clock.now().getUTCMonth() + 1).padStart(2, '0')}/`;
    const keys = Array.from({ length: 1001 }, () => `${month}${randomUUID()}.png`);
    for (const key of keys)
      s3.buckets
        .get(BUCKET)
        ?.set(key, { bytes: Buffer.from('x'), contentType: 'image/png', etag: '"x"', lastModified: new Date() });
    await t.database.prisma.mediaAsset.createMany({
      data: keys.map((storageKey) => ({ userId, storageKey, mime: 'image/png', bytes: 1, sha256: 'x' })),
    });
    const seen = s3.requests.length;

    await chat.press('confirm_delete');

    expect(s3.requests.slice(seen).filter(isDeleteObjects)).toHaveLength(2);
    for (const key of keys) expect(s3.buckets.get(BUCKET)?.has(key)).toBe(false);
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

  it('retention deletes objects no row names in months before the cutoff, and leaves recent ones (they may be being recorded)', async () => {
    const cutoff = new Date(t.clock.now().getTime() - 30 * DAY);
    const folder = (monthsBefore: number) => {
      const date = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth() - monthsBefore, 1));
      return `${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, '0')}/`;
    };
    const put = (key: string) =>
      s3.buckets
        .get(BUCKET)
        ?.set(key, { bytes: Buffer.from(key), contentType: 'image/png', etag: '"x"', lastModified: new Date() });
    const orphans = [
      `${folder(1)}${randomUUID()}.png`,
      `${folder(2)}${randomUUID()}.mp4`,
      `${folder(11)}${randomUUID()}.png`,
    ];
    const recentOrphan = `${folder(-1)}${randomUUID()}.png`;
    const recorded = `${folder(2)}${randomUUID()}.png`;
    for (const key of [...orphans, recentOrphan, recorded]) put(key);
    const { userId } = await userWithFiles('7507', 0);
    await t.database.prisma.mediaAsset.create({
      data: { userId, storageKey: recorded, mime: 'image/png', bytes: 1, sha256: 'x' },
    });

    expect((await t.core.retention.run()).orphanMedia).toBe(3);
    for (const key of orphans) expect(s3.keysOf(BUCKET)).not.toContain(key);
    expect(s3.keysOf(BUCKET)).toEqual(expect.arrayContaining([recentOrphan, recorded]));
    expect((await t.core.retention.run()).orphanMedia).toBe(0);
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

describe('an account erased while its picture is being made', () => {
  let s3: FakeS3Api;
  let t: TestCore;
  let release: () => void = () => {};
  let providerStarted: Promise<void>;

  beforeAll(async () => {
    s3 = await FakeS3Api.start({ buckets: [BUCKET] });
    const demo = createDemoImageProvider();
    let started: () => void = () => {};
    providerStarted = new Promise((resolve) => (started = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: ImageProvider = {
      name: demo.name,
      capabilities: demo.capabilities,
      async generateImages(request) {
        started();
        await gate;
        return demo.generateImages(request);
      },
    };
    t = await createTestCore({
      providers: { image: [held], video: [createDemoVideoProvider()] },
      env: {
        S3_BUCKET: BUCKET,
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      },
    });
  });
  afterAll(async () => {
    release();
    await t?.close();
    await s3?.close();
  });

  it('leaves no object of the erased account in the bucket when the erasure lands while the picture uploads', async () => {
    const chat = new ChatUser(t, '7601');
    await chat.onboard();
    await chat.command('imagine', 'a boat on a quiet lake');
    await providerStarted;

    // The upload takes a while (a video on a slow link); the person erases the account meanwhile.
    s3.delayMs = 1_500;
    release();
    await s3.waitForRequest((request) => request.method === 'PUT', 10_000);
    await chat.press('confirm_delete');
    expect(await t.database.prisma.user.count()).toBe(0);

    await eventually(
      async () => s3.requests.some((request) => request.method === 'PUT' && request.endedAt !== undefined),
      'the upload to finish',
      10_000,
    );
    s3.delayMs = 0;
    await eventually(
      async () => s3.keysOf(BUCKET).length === 0,
      `the erased account's picture to leave the bucket (left: ${s3.keysOf(BUCKET).join(', ')})`,
      10_000,
    );
  });
});
