import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FakeHttpServer } from '#tests/fakes/http-recorder';
import type { FakeReply, FakeServerOptions, RecordedRequest } from '#tests/fakes/http-recorder';

/** One stored object of the fake. */
export type FakeS3Object = { bytes: Buffer; contentType: string; etag: string; lastModified: Date };

/** Options of {@link FakeS3Api}. */
export type FakeS3Options = FakeServerOptions & {
  /** Buckets that exist; default `['media']`. Any other bucket answers `NoSuchBucket`. */
  buckets?: string[];
  /** The access key id the fake accepts in the SigV4 `Authorization` header; default `AKIAFAKES3TEST`. */
  accessKeyId?: string;
  /** The secret that goes with it (not checked: the signature is the SDK's business). */
  secretAccessKey?: string;
  /**
   * Answer DeleteObjects without a Content-MD5 header with 400 `InvalidRequest`, as older MinIO,
   * s3proxy and other S3-compatible stores do (AWS also accepts an `x-amz-checksum-*` header).
   */
  requireContentMd5?: boolean;
};

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/\d{8}\/[^/]+\/s3\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;

/** A ListObjectsV2 page holds at most this many keys (docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
const MAX_LIST_KEYS = 1000;

/**
 * A local S3-compatible object store for the real `@aws-sdk/client-s3`, path-style only (as
 * MinIO and Garage are usually run): `new S3Client({ endpoint: fake.endpoint, forcePathStyle: true,
 * region: 'us-east-1', credentials: fake.credentials })`.
 *
 * Speaks the S3 REST wire format: PutObject (`PUT /bucket/key`, checking `Content-MD5` and
 * `x-amz-checksum-*` when sent, and decoding `aws-chunked` bodies), GetObject, HeadObject,
 * DeleteObject (204 even for a missing key, as S3 does), ListObjectsV2 (`GET /bucket?list-type=2`
 * with prefix, max-keys and continuation tokens) and DeleteObjects (`POST /bucket?delete` with
 * its XML body). Every request needs a SigV4 `Authorization` header naming the accepted access
 * key id (else 403 `AccessDenied` / `InvalidAccessKeyId`); the signature itself is not verified.
 * Errors are S3's XML (`<Error><Code>NoSuchKey</Code>…`) with S3's status codes, so the SDK
 * raises its own error classes.
 */
export class FakeS3Api extends FakeHttpServer {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** See {@link FakeS3Options.requireContentMd5}; may be changed at any time. */
  requireContentMd5: boolean;
  /** Objects by bucket, then key; tests read and change it directly. */
  readonly buckets = new Map<string, Map<string, FakeS3Object>>();
  /**
   * Keys a DeleteObjects call refuses one by one, as S3 does for an object it may not delete: the
   * key stays, and the result lists an `<Error>` for it (without its `<Key>` when `reportKey` is
   * false, as some S3-compatible stores answer).
   */
  readonly refusedDeletes = new Map<string, { code: string; reportKey: boolean }>();

  private constructor(options: FakeS3Options) {
    super(options);
    this.accessKeyId = options.accessKeyId ?? 'AKIAFAKES3TEST';
    this.secretAccessKey = options.secretAccessKey ?? 'fake-s3-secret-access-key';
    this.requireContentMd5 = options.requireContentMd5 ?? false;
    for (const bucket of options.buckets ?? ['media']) this.buckets.set(bucket, new Map());
  }

  /** Creates the fake and starts listening on 127.0.0.1 with a free port. */
  static async start(options: FakeS3Options = {}): Promise<FakeS3Api> {
    const fake = new FakeS3Api(options);
    await fake.listen();
    return fake;
  }

  /** The SDK's `endpoint` (and `S3_ENDPOINT`). */
  get endpoint(): string {
    return this.url;
  }

  /** The SDK's `credentials`. */
  get credentials(): { accessKeyId: string; secretAccessKey: string } {
    return { accessKeyId: this.accessKeyId, secretAccessKey: this.secretAccessKey };
  }

  /** The keys stored in `bucket`, sorted. */
  keysOf(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'content-type': 'application/xml', 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase() };
  }

  protected override errorBody(status: number, message: string, request: RecordedRequest): unknown {
    const code =
      status === 404
        ? 'NoSuchKey'
        : status === 403
          ? 'AccessDenied'
          : status === 503
            ? 'SlowDown'
            : status >= 500
              ? 'InternalError'
              : 'InvalidRequest';
    return errorXml(code, message, request.path);
  }

  protected override handle(request: RecordedRequest): FakeReply {
    const denied = this.checkAuthorization(request);
    if (denied) return denied;
    const [, bucketName = '', ...keyParts] = request.path.split('/');
    const key = keyParts.join('/');
    const bucket = this.buckets.get(bucketName);
    if (!bucket) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucketName}`, request);
    if (key === '') {
      if (request.method === 'GET' && request.query['list-type'] === '2')
        return this.listObjects(bucket, bucketName, request);
      if (request.method === 'POST' && 'delete' in request.query)
        return deleteObjects(bucket, request, this.requireContentMd5, this.refusedDeletes);
      return s3Error(
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        `/${bucketName}`,
        request,
      );
    }
    switch (request.method) {
      case 'PUT':
        return putObject(bucket, key, request);
      case 'GET':
      case 'HEAD': {
        const object = bucket.get(key);
        if (!object)
          return request.method === 'HEAD'
            ? { status: 404 }
            : s3Error(404, 'NoSuchKey', 'The specified key does not exist.', request.path, request);
        const headers = {
          'content-type': object.contentType,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
        };
        return request.method === 'HEAD'
          ? { status: 200, headers: { ...headers, 'content-length': String(object.bytes.length) } }
          : { status: 200, headers, body: object.bytes };
      }
      case 'DELETE':
        bucket.delete(key);
        return { status: 204 };
      default:
        return s3Error(
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
          request.path,
          request,
        );
    }
  }

  private checkAuthorization(request: RecordedRequest): FakeReply | undefined {
    const header = String(request.headers.authorization ?? '');
    const match = SIGV4_AUTHORIZATION.exec(header);
    if (!match)
      return s3Error(
        403,
        'AccessDenied',
        'Access Denied: a SigV4 Authorization header is required',
        request.path,
        request,
      );
    if (match[1] !== this.accessKeyId) {
      return s3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        request.path,
        request,
      );
    }
    return undefined;
  }

  private listObjects(bucket: Map<string, FakeS3Object>, bucketName: string, request: RecordedRequest): FakeReply {
    const prefix = typeof request.query.prefix === 'string' ? request.query.prefix : '';
    const maxKeys = Math.min(Number(request.query['max-keys'] ?? MAX_LIST_KEYS) || MAX_LIST_KEYS, MAX_LIST_KEYS);
    const token =
      typeof request.query['continuation-token'] === 'string'
        ? Buffer.from(request.query['continuation-token'], 'base64url').toString('utf8')
        : undefined;
    const after = token ?? (typeof request.query['start-after'] === 'string' ? request.query['start-after'] : '');
    const matching = [...bucket.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
    const page = matching.slice(0, maxKeys);
    const isTruncated = matching.length > page.length;
    const contents = page
      .map((key) => {
        const object = bucket.get(key)!;
        return `<Contents><Key>${escapeXml(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${escapeXml(object.etag)}</ETag><Size>${object.bytes.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = isTruncated
      ? `<NextContinuationToken>${Buffer.from(page.at(-1)!, 'utf8').toString('base64url')}</NextContinuationToken>`
      : '';
    const echoed =
      typeof request.query['continuation-token'] === 'string'
        ? `<ContinuationToken>${escapeXml(request.query['continuation-token'])}</ContinuationToken>`
        : '';
    const body = `${XML_HEADER}<ListBucketResult xmlns="${S3_NAMESPACE}"><Name>${escapeXml(bucketName)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${isTruncated}</IsTruncated>${echoed}${next}${contents}</ListBucketResult>`;
    return { status: 200, body };
  }
}

function putObject(bucket: Map<string, FakeS3Object>, key: string, request: RecordedRequest): FakeReply {
  const bytes = isAwsChunked(request) ? decodeAwsChunked(request.rawBody) : request.rawBody;
  const digestProblem = checkDigests(bytes, request);
  if (digestProblem) return digestProblem;
  const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
  bucket.set(key, {
    bytes,
    contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
    etag,
    lastModified: new Date(),
  });
  return { status: 200, headers: { etag } };
}

/** DeleteObjects: `<Delete><Object><Key>…</Key></Object>…<Quiet>true</Quiet></Delete>`; needs Content-MD5 or (unless `requireContentMd5`) a checksum, as S3 does. */
function deleteObjects(
  bucket: Map<string, FakeS3Object>,
  request: RecordedRequest,
  requireContentMd5: boolean,
  refused: ReadonlyMap<string, { code: string; reportKey: boolean }>,
): FakeReply {
  const hasChecksum =
    !requireContentMd5 && Object.keys(request.headers).some((name) => name.startsWith('x-amz-checksum-'));
  const hasIntegrity = request.headers['content-md5'] !== undefined || hasChecksum;
  if (!hasIntegrity)
    return s3Error(
      400,
      'InvalidRequest',
      'Missing required header for this request: Content-MD5',
      request.path,
      request,
    );
  const digestProblem = checkDigests(request.rawBody, request);
  if (digestProblem) return digestProblem;
  const xml = request.rawBody.toString('utf8');
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<Delete[\s>]/.test(xml))
    return s3Error(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
      request.path,
      request,
    );
  const keys = [...xml.matchAll(/<Object>\s*<Key>([^<]*)<\/Key>/g)].map((match) => unescapeXml(match[1] ?? ''));
  if (keys.length === 0 || keys.length > 1000)
    return s3Error(400, 'MalformedXML', 'A DeleteObjects request names 1 to 1000 keys.', request.path, request);
  const isQuiet = /<Quiet>\s*true\s*<\/Quiet>/.test(xml);
  const removed = keys.filter((key) => !refused.has(key));
  for (const key of removed) bucket.delete(key);
  const errors = keys.flatMap((key) => {
    const refusal = refused.get(key);
    if (!refusal) return [];
    const named = refusal.reportKey ? `<Key>${escapeXml(key)}</Key>` : '';
    return [`<Error>${named}<Code>${refusal.code}</Code><Message>Access Denied</Message></Error>`];
  });
  const deleted = isQuiet ? '' : removed.map((key) => `<Deleted><Key>${escapeXml(key)}</Key></Deleted>`).join('');
  return {
    status: 200,
    body: `${XML_HEADER}<DeleteResult xmlns="${S3_NAMESPACE}">${deleted}${errors.join('')}</DeleteResult>`,
  };
}

/** A 400 `BadDigest` when a sent Content-MD5, x-amz-checksum-sha256 or x-amz-checksum-crc32 does not match `bytes`. */
function checkDigests(bytes: Buffer, request: RecordedRequest): FakeReply | undefined {
  const expected: Array<[string, () => string]> = [
    ['content-md5', () => createHash('md5').update(bytes).digest('base64')],
    ['x-amz-checksum-sha256', () => createHash('sha256').update(bytes).digest('base64')],
    ['x-amz-checksum-crc32', () => crc32Base64(bytes)],
  ];
  for (const [header, compute] of expected) {
    const sent = request.headers[header];
    if (typeof sent === 'string' && sent !== compute()) {
      return s3Error(
        400,
        'BadDigest',
        `The ${header} you specified did not match what we received.`,
        request.path,
        request,
      );
    }
  }
  return undefined;
}

function crc32Base64(bytes: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes) >>> 0);
  return value.toString('base64');
}

function isAwsChunked(request: RecordedRequest): boolean {
  return (
    String(request.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
  );
}

/** The payload of an `aws-chunked` body: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n` and optional trailers. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) throw new Error('truncated aws-chunked body');
    const size = Number.parseInt(raw.toString('latin1', offset, lineEnd).split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new Error('malformed aws-chunked size line');
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
}

function s3Error(status: number, code: string, message: string, resource: string, request: RecordedRequest): FakeReply {
  // HEAD answers carry no body; the SDK names the error from the status alone.
  if (request.method === 'HEAD') return { status };
  return { status, body: errorXml(code, message, resource) };
}

function errorXml(code: string, message: string, resource: string): string {
  return `${XML_HEADER}<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
