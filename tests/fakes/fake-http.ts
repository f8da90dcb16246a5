/**
 * Plumbing shared by the fake servers in this folder: listening on a random local port, closing
 * promptly, reading and parsing request bodies (JSON, form-urlencoded, multipart via busboy) and
 * event-driven waits on recorded traffic.
 */
import type { IncomingMessage, Server } from 'node:http';
import busboy from 'busboy';

/** A file part received in a multipart request. */
export type UploadedFile = {
  /** The multipart field (part) name, e.g. `files[0]` or grammY's random attach id. */
  field: string;
  filename: string;
  mime: string;
  bytes: Buffer;
};

/** A request body split into its text fields and file parts. */
export type ParsedBody = {
  kind: 'none' | 'json' | 'form' | 'multipart' | 'other';
  /** The parsed JSON value when `kind` is `json`. */
  json: unknown;
  /** Text fields in arrival order (form-urlencoded and multipart). */
  fields: Array<[string, string]>;
  files: UploadedFile[];
  raw: Buffer;
};

/** Largest body a fake accepts; Telegram's own cap for uploads is 50 MB. */
export const MAX_BODY_BYTES = 60 * 1024 * 1024;

/** Reads the whole body; rejects when it exceeds `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(size);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Thrown by {@link readBody} when a body exceeds the limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`request body too large (${size} bytes)`);
  }
}

/**
 * Reads and parses a request body by its content type. Multipart is parsed with busboy because
 * grammY's hand-written multipart (lower-case headers, unquoted filenames) defeats `Request.formData()`.
 */
export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const raw = await readBody(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const empty: ParsedBody = { kind: 'none', json: undefined, fields: [], files: [], raw };
  if (raw.length === 0 && !type.startsWith('multipart/')) return empty;
  if (type.startsWith('application/json')) {
    return { ...empty, kind: 'json', json: raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')) };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { ...empty, kind: 'form', fields: [...new URLSearchParams(raw.toString('utf8'))] };
  }
  if (type.startsWith('multipart/form-data')) {
    return { ...(await parseMultipart(req, raw)), raw };
  }
  return { ...empty, kind: 'other' };
}

async function parseMultipart(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const fields: Array<[string, string]> = [];
  const files: UploadedFile[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = busboy({
      headers: req.headers,
      limits: { fieldSize: MAX_BODY_BYTES, fieldNameSize: 1000 },
    });
    const pending: Array<Promise<void>> = [];
    parser.on('field', (name, value) => {
      fields.push([name, value]);
    });
    parser.on('file', (name, stream, info) => {
      pending.push(
        (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          files.push({
            field: name,
            filename: info.filename ?? '',
            mime: info.mimeType,
            bytes: Buffer.concat(chunks),
          });
        })(),
      );
    });
    parser.on('error', reject);
    parser.on('close', () => {
      Promise.all(pending).then(() => resolve(), reject);
    });
    parser.end(raw);
  });
  return { kind: 'multipart', json: undefined, fields, files, raw };
}

/** Starts `server` on 127.0.0.1 with a random port and returns the port. */
export async function listenOnRandomPort(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

/** Closes `server` and drops its keep-alive connections so the process can exit at once. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

type Waiter<T> = {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
};

/**
 * An append-only list of recorded items with promise-based waits, so tests wait on events
 * instead of sleeping.
 */
export class RecordLog<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  /** Appends an item and wakes every waiter whose predicate matches it. */
  push(item: T): void {
    this.items.push(item);
    this.notify(item);
  }

  /** Re-offers an already recorded item to waiters, e.g. after it was updated in place. */
  notify(item: T): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(item)) continue;
      this.waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(item);
    }
  }

  /**
   * Resolves with the first item (already recorded or future) matching `predicate`; rejects after
   * `timeoutMs` with `describe()` in the message.
   */
  waitFor(predicate: (item: T) => boolean, timeoutMs: number, describe: () => string): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending wait (used by `close()`). */
  rejectAll(reason: string): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
    this.waiters.clear();
  }
}

/** Reads width and height from PNG, JPEG, GIF or WebP bytes; `undefined` for anything else. */
export function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.toString('latin1', 12, 16) === 'IHDR') {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('latin1', 0, 3) === 'GIF') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 30 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = bytes.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    if (chunk === 'VP8 ') return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1] ?? 0;
      const length = bytes.readUInt16BE(offset + 2);
      const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isStartOfFrame) return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return undefined;
}
