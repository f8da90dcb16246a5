import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertMediaKey, isMediaKey, mediaMonthPrefix, newMediaKey } from '#core/infra/media/media-key';
import type { MediaDeleteFailure, MediaStore, StoredMedia } from '#core/infra/media/media-store';

/** Keys per ListObjectsV2 page, S3's maximum. */
const LIST_PAGE = 1000;

/** Keys per DeleteObjects call, S3's maximum (docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html). */
const DELETE_BATCH = 1000;

/**
 * A {@link MediaStore} in a bucket of an S3-compatible store (AWS S3, MinIO, Garage, Cloudflare
 * R2), so web, workers and bots on different machines share files without a shared volume.
 *
 * An object appears whole or not at all on PutObject, so a reader never sees half a file; the
 * upload carries Content-MD5, which every S3-compatible store checks, so a corrupted upload is
 * refused rather than stored. Keys have the same shape as on disk and are checked on every
 * call. A missing object is `undefined`/`false` as the port asks; any other S3 error (access
 * denied, a missing bucket, the store down) is thrown, never taken for a missing file.
 */
export function createS3MediaStore(options: { client: S3Client; bucket: string; now?: () => Date }): MediaStore {
  const { client, bucket } = options;
  const now = options.now ?? (() => new Date());

  async function open(key: string): Promise<Readable | undefined> {
    assertMediaKey(key);
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return response.Body as Readable | undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    async put(input): Promise<StoredMedia> {
      const key = newMediaKey({ date: now(), mime: input.mime, keyHint: input.keyHint });
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: input.bytes,
          ContentType: input.mime,
          ContentLength: input.bytes.length,
          ContentMD5: createHash('md5').update(input.bytes).digest('base64'),
        }),
      );
      return {
        key,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        bytes: input.bytes.length,
        mime: input.mime,
      };
    },

    async get(key) {
      const body = await open(key);
      if (!body) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    },

    // GetObject answers once the headers are in, so a missing object is `undefined` here and the
    // body streams from S3 as the HTTP client reads it.
    createReadStream: open,

    async delete(key) {
      assertMediaKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async deleteMany(keys) {
      const failures: MediaDeleteFailure[] = [];
      const valid: string[] = [];
      for (const key of keys) {
        try {
          assertMediaKey(key);
          valid.push(key);
        } catch (error) {
          failures.push({ key, error });
        }
      }
      for (let start = 0; start < valid.length; start += DELETE_BATCH) {
        const batch = valid.slice(start, start + DELETE_BATCH);
        try {
          const result = await client.send(deleteObjectsWithMd5(bucket, batch));
          const errors = result.Errors ?? [];
          const describe = (error: (typeof errors)[number]) =>
            new Error(`S3 DeleteObjects: ${error.Code ?? 'error'}: ${error.Message ?? ''}`);
          // An error without its key (some S3-compatible stores): in quiet mode nothing says which
          // objects went, so every key of the call counts as still there and is tried again.
          const unnamed = errors.find((error) => !error.Key || !batch.includes(error.Key));
          if (unnamed) failures.push(...batch.map((key) => ({ key, error: describe(unnamed) })));
          else failures.push(...errors.map((error) => ({ key: error.Key ?? '', error: describe(error) })));
        } catch (error) {
          failures.push(...batch.map((key) => ({ key, error })));
        }
      }
      return failures;
    },

    async *listMonth(input) {
      const prefix = mediaMonthPrefix(input);
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: input.pageSize ?? LIST_PAGE,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key && isMediaKey(object.Key)) yield object.Key;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async exists(key) {
      assertMediaKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
  };
}

/**
 * A DeleteObjects call carrying Content-MD5 instead of the SDK's CRC32 checksum: S3 requires
 * one of them, and older MinIO, s3proxy and other S3-compatible stores accept only the MD5
 * (github.com/aws/aws-sdk-js-v3/blob/main/supplemental-docs/MD5_FALLBACK.md). Set on this
 * command alone, just before signing, so the signature covers the header.
 */
function deleteObjectsWithMd5(bucket: string, keys: readonly string[]): DeleteObjectsCommand {
  const command = new DeleteObjectsCommand({
    Bucket: bucket,
    Delete: { Objects: keys.map((key) => ({ Key: key })), Quiet: true },
  });
  const withMd5 = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    if (request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
      for (const name of Object.keys(request.headers)) {
        if (/^x-amz-(sdk-)?checksum-/i.test(name)) delete request.headers[name];
      }
      request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
    }
    return next(args);
  };
  type Middleware = Parameters<DeleteObjectsCommand['middlewareStack']['addRelativeTo']>[0];
  command.middlewareStack.addRelativeTo(withMd5 as unknown as Middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'deleteObjectsContentMd5',
  });
  return command;
}

/** S3's "no such object": NoSuchKey on GET, a bodiless 404 (the SDK's NotFound) on HEAD. */
function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'NoSuchKey') return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NotFound' && status === 404;
}
