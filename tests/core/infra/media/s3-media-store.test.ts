import { createHash } from 'node:crypto';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3MediaStore } from '#core/infra/media/s3-media-store';
import type { MediaStore } from '#core/infra/media/media-store';
import { FakeS3Api } from '#tests/fakes/s3-api';
import { describeMediaStoreContract } from '#tests/core/infra/media/media-store-contract';

let fake: FakeS3Api;
beforeAll(async () => {
  fake = await FakeS3Api.start({ buckets: ['media', 'other'] });
});
afterAll(async () => {
  await fake?.close();
});

function clientFor(s3: FakeS3Api, credentials = s3.credentials): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
}

describeMediaStoreContract('S3 bucket', async (now) => {
  fake.buckets.set('media', new Map());
  const client = clientFor(fake);
  return {
    store: createS3MediaStore({ client, bucket: 'media', now }),
    storedKeys: async () => fake.keysOf('media'),
    close: async () => client.destroy(),
  };
});

describe('S3 media store against the store’s own failures', () => {
  let client: S3Client;
  let store: MediaStore;

  beforeEach(() => {
    fake.buckets.set('media', new Map());
    fake.clearInjections();
    fake.refusedDeletes.clear();
    client = clientFor(fake);
    store = createS3MediaStore({ client, bucket: 'media' });
  });

  afterEach(() => {
    client.destroy();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('puts the object with its content type and an MD5 the store checks, in the configured bucket only', async () => {
    const stored = await store.put({ bytes: Buffer.from('png bytes'), mime: 'image/png', keyHint: 'outputs' });
    expect(fake.buckets.get('media')?.get(stored.key)).toMatchObject({
      contentType: 'image/png',
      bytes: Buffer.from('png bytes'),
    });
    expect(fake.keysOf('other')).toEqual([]);
    const put = await fake.waitForRequest(
      (request) => request.method === 'PUT' && request.path === `/media/${stored.key}`,
    );
    expect(put.headers['content-md5']).toBe(createHash('md5').update('png bytes').digest('base64'));
  });

  it('throws an S3 outage or a refusal instead of calling the file missing', async () => {
    const stored = await store.put({ bytes: Buffer.from('x'), mime: 'image/png' });
    fake.failNext('GET /media/*', { status: 503 });
    await expect(store.get(stored.key)).rejects.toBeInstanceOf(S3ServiceException);
    fake.failNext('HEAD /media/*', { status: 403 });
    await expect(store.exists(stored.key)).rejects.toBeInstanceOf(S3ServiceException);
    fake.failNext('GET /media/*', { status: 500 });
    await expect(store.createReadStream(stored.key)).rejects.toBeInstanceOf(S3ServiceException);

    const stranger = clientFor(fake, { accessKeyId: 'AKIAWRONG', secretAccessKey: 'x' });
    await expect(createS3MediaStore({ client: stranger, bucket: 'media' }).get(stored.key)).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
    stranger.destroy();
    await expect(createS3MediaStore({ client, bucket: 'missing' }).get(stored.key)).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });

  it('deleteMany uses DeleteObjects and returns the keys a failed call left, so the caller can retry them', async () => {
    const files = await Promise.all([1, 2].map((n) => store.put({ bytes: Buffer.from(String(n)), mime: 'image/png' })));
    const seen = fake.requests.length;
    fake.failNext((request) => request.method === 'POST' && 'delete' in request.query, { status: 503 });
    const failures = await store.deleteMany(files.map((file) => file.key));
    expect(failures.map((failure) => failure.key).sort()).toEqual(files.map((file) => file.key).sort());
    expect(fake.keysOf('media')).toHaveLength(2);

    expect(await store.deleteMany(files.map((file) => file.key))).toEqual([]);
    expect(fake.keysOf('media')).toEqual([]);
    expect(fake.requests.slice(seen).map((request) => request.method)).toEqual(['POST', 'POST']);
  });

  it('counts a key DeleteObjects refused as not deleted, and every key of the call when the refusal names none', async () => {
    const files = await Promise.all(
      [1, 2, 3].map((n) => store.put({ bytes: Buffer.from(String(n)), mime: 'image/png' })),
    );
    const [kept, other, third] = files.map((file) => file.key) as [string, string, string];
    fake.refusedDeletes.set(kept, { code: 'AccessDenied', reportKey: true });
    expect((await store.deleteMany([kept, other])).map((failure) => failure.key)).toEqual([kept]);
    expect(fake.keysOf('media').sort()).toEqual([kept, third].sort());

    // A store that leaves the key out of its error: nobody can tell which object stayed, so none counts as gone.
    fake.refusedDeletes.set(kept, { code: 'AccessDenied', reportKey: false });
    const failures = await store.deleteMany([kept, third]);
    expect(failures.map((failure) => failure.key).sort()).toEqual([kept, third].sort());
    expect(failures.every((failure) => failure.key !== '')).toBe(true);
  });

  it('deletes in batches on stores that demand Content-MD5 on DeleteObjects (older MinIO, s3proxy)', async () => {
    const files = await Promise.all([1, 2].map((n) => store.put({ bytes: Buffer.from(String(n)), mime: 'image/png' })));
    fake.requireContentMd5 = true;
    try {
      expect(await store.deleteMany(files.map((file) => file.key))).toEqual([]);
    } finally {
      fake.requireContentMd5 = false;
    }
    expect(fake.keysOf('media')).toEqual([]);
  });
});
