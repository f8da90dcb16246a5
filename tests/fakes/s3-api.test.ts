import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeS3Api } from '#tests/fakes/s3-api';

describe('FakeS3Api with the real @aws-sdk/client-s3', () => {
  let fake: FakeS3Api;
  let client: S3Client;

  function clientWith(credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
    return new S3Client({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
  }

  beforeEach(async () => {
    fake = await FakeS3Api.start({ buckets: ['media'] });
    client = clientWith(fake.credentials);
  });

  afterEach(async () => {
    client.destroy();
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  it('PutObject, HeadObject and GetObject round-trip the bytes and content type, path-style and signed', async () => {
    const bytes = Buffer.from('a picture, byte for byte \u0000\u00ff');
    await client.send(
      new PutObjectCommand({ Bucket: 'media', Key: 'outputs/2025/03/a.png', Body: bytes, ContentType: 'image/png' }),
    );

    const put = await fake.waitForRequest((request) => request.method === 'PUT');
    expect(put.path).toBe('/media/outputs/2025/03/a.png');
    expect(put.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${fake.accessKeyId}/`));
    expect(fake.buckets.get('media')?.get('outputs/2025/03/a.png')?.bytes.equals(bytes)).toBe(true);

    const head = await client.send(new HeadObjectCommand({ Bucket: 'media', Key: 'outputs/2025/03/a.png' }));
    expect(head).toMatchObject({ ContentLength: bytes.length, ContentType: 'image/png' });
    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'outputs/2025/03/a.png' }));
    expect(got.ContentType).toBe('image/png');
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it('answers a missing key with NoSuchKey (GET) and NotFound (HEAD), and DeleteObject of it with success', async () => {
    const get = await client
      .send(new GetObjectCommand({ Bucket: 'media', Key: 'nothing/here.png' }))
      .catch((error: unknown) => error);
    expect(get).toBeInstanceOf(NoSuchKey);
    expect((get as NoSuchKey).$metadata.httpStatusCode).toBe(404);
    const head = await client
      .send(new HeadObjectCommand({ Bucket: 'media', Key: 'nothing/here.png' }))
      .catch((error: unknown) => error);
    expect(head).toBeInstanceOf(NotFound);
    await expect(
      client.send(new DeleteObjectCommand({ Bucket: 'media', Key: 'nothing/here.png' })),
    ).resolves.toMatchObject({ $metadata: { httpStatusCode: 204 } });
  });

  it('DeleteObject removes the object', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'x/1.png', Body: Buffer.from('1') }));
    await client.send(new DeleteObjectCommand({ Bucket: 'media', Key: 'x/1.png' }));
    expect(fake.keysOf('media')).toEqual([]);
  });

  it('ListObjectsV2 pages by prefix with continuation tokens', async () => {
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1'])
      await client.send(new PutObjectCommand({ Bucket: 'media', Key: key, Body: Buffer.from(key) }));

    const first = await client.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'a/', MaxKeys: 2 }));
    expect(first.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      ['a/1', 3],
      ['a/2', 3],
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: 'media',
        Prefix: 'a/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((object) => object.Key)).toEqual(['a/3']);
    expect(second.IsTruncated).toBe(false);
    const none = await client.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'c/' }));
    expect(none.KeyCount).toBe(0);
    expect(none.Contents).toBeUndefined();
  });

  it('DeleteObjects removes every named key from its XML body (missing ones too) and reports them', async () => {
    for (const key of ['d/1', 'd/2 & <3>', 'keep'])
      await client.send(new PutObjectCommand({ Bucket: 'media', Key: key, Body: Buffer.from(key) }));

    const result = await client.send(
      new DeleteObjectsCommand({
        Bucket: 'media',
        Delete: { Objects: [{ Key: 'd/1' }, { Key: 'd/2 & <3>' }, { Key: 'never-there' }] },
      }),
    );
    expect(result.Deleted?.map((entry) => entry.Key).sort()).toEqual(['d/1', 'd/2 & <3>', 'never-there']);
    expect(result.Errors ?? []).toEqual([]);
    expect(fake.keysOf('media')).toEqual(['keep']);
    const request = await fake.waitForRequest((r) => r.method === 'POST');
    expect(request.rawBody.toString('utf8')).toContain('<Delete');
  });

  it('with requireContentMd5, refuses a DeleteObjects that carries only the SDK’s CRC32, as older S3-compatible stores do', async () => {
    fake.requireContentMd5 = true;
    await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'x/1.png', Body: Buffer.from('1') }));
    const error = await client
      .send(new DeleteObjectsCommand({ Bucket: 'media', Delete: { Objects: [{ Key: 'x/1.png' }] } }))
      .catch((caught: unknown) => caught);
    expect((error as S3ServiceException).name).toBe('InvalidRequest');
    expect(fake.keysOf('media')).toEqual(['x/1.png']);
  });

  it('refuses a request without a SigV4 signature and one with an unknown access key id, in S3 XML', async () => {
    const response = await fetch(`${fake.endpoint}/media/x/1.png`);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/<Error><Code>AccessDenied<\/Code>/);

    const stranger = clientWith({ accessKeyId: 'AKIASOMEONEELSE', secretAccessKey: 'x' });
    const error = await stranger
      .send(new PutObjectCommand({ Bucket: 'media', Key: 'x/1.png', Body: Buffer.from('1') }))
      .catch((caught: unknown) => caught);
    stranger.destroy();
    expect(error).toBeInstanceOf(S3ServiceException);
    expect((error as S3ServiceException).name).toBe('InvalidAccessKeyId');
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    expect(fake.keysOf('media')).toEqual([]);
  });

  it('answers an unknown bucket with NoSuchBucket, and a wrong Content-MD5 with BadDigest (nothing stored)', async () => {
    const missing = await client
      .send(new GetObjectCommand({ Bucket: 'other', Key: 'x' }))
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NoSuchBucket);

    const bad = await client
      .send(
        new PutObjectCommand({
          Bucket: 'media',
          Key: 'x/1.png',
          Body: Buffer.from('1'),
          ContentMD5: Buffer.alloc(16).toString('base64'),
        }),
      )
      .catch((error: unknown) => error);
    expect((bad as S3ServiceException).name).toBe('BadDigest');
    expect(fake.keysOf('media')).toEqual([]);
  });

  it('injected failures come back as the SDK’s S3 errors', async () => {
    fake.failNext('GET /media/*', { status: 503 });
    const error = await client
      .send(new GetObjectCommand({ Bucket: 'media', Key: 'x' }))
      .catch((caught: unknown) => caught);
    expect((error as S3ServiceException).name).toBe('SlowDown');
    expect((error as S3ServiceException).$metadata.httpStatusCode).toBe(503);
  });
});
