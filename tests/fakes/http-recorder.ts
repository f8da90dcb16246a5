import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

/** One uploaded file of a multipart request, with its bytes. */
export type MultipartFile = {
  field: string;
  filename: string;
  mimeType: string;
  data: Buffer;
};

/** A parsed `multipart/form-data` body: text fields (repeated names become arrays) and files. */
export type MultipartBody = {
  fields: Record<string, string | string[]>;
  files: MultipartFile[];
};

/**
 * One request as the fake received it.
 *
 * `body` is parsed by content type: JSON -> the value; `application/x-www-form-urlencoded` -> a
 * nested object built from bracket keys (`a[0][b]=1` -> `{ a: [{ b: '1' }] }`, values stay
 * strings, exactly as the wire carries them); `multipart/form-data` -> {@link MultipartBody};
 * anything else -> `undefined` (the bytes are always in `rawBody`). `query` uses the same bracket
 * parser, so Stripe's `expand[0]=line_items` arrives as `{ expand: ['line_items'] }`.
 */
export type RecordedRequest = {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: Buffer;
  at: Date;
  /** When the answer was sent or the client dropped the request; undefined while it is in flight. */
  endedAt?: Date;
};

/**
 * Selects requests for failure injection: a string `"[METHOD ]/path/:param/*"` (`:name` matches
 * one segment, `*` anything), a RegExp tested against the path, or a predicate.
 */
export type RouteMatcher = string | RegExp | ((request: RecordedRequest) => boolean);

/** What a route answers. A plain object or array body is sent as JSON. */
export type FakeReply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
};

/** An injected failure: answer `status` with `body` (default: the API's own error shape) `times` times. */
export type FailureSpec = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times?: number;
};

/** Options every fake accepts. */
export type FakeServerOptions = {
  /** Wait this long before every answer (failures included). */
  delayMs?: number;
};

type Injection =
  | { kind: 'fail'; matcher: RouteMatcher; remaining: number; spec: FailureSpec }
  | { kind: 'hang'; matcher: RouteMatcher; remaining: number }
  | { kind: 'reset'; matcher: RouteMatcher; remaining: number };

type Waiter = {
  predicate: (request: RecordedRequest) => boolean;
  resolve: (request: RecordedRequest) => void;
};

/**
 * Base of the local API fakes: an HTTP server on 127.0.0.1 (port 0) that records every request,
 * can fail, hang or delay chosen routes, and releases everything on {@link FakeHttpServer.close}.
 *
 * A subclass answers requests in {@link FakeHttpServer.handle} and says how its API shapes an
 * error in {@link FakeHttpServer.errorBody}, so injected failures make the real SDK raise its own
 * error classes.
 */
export abstract class FakeHttpServer {
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  /** Errors thrown by the fake's own handlers (answered as 500s); a test can assert it is empty. */
  readonly handlerErrors: Error[] = [];
  /** Delay before every answer, in milliseconds; may be changed at any time. */
  delayMs: number;
  /** Requests received and not yet answered (or dropped by the client), as the API itself would count them. */
  inFlight = 0;
  /** The most requests that were in flight at once since the fake started. */
  peakInFlight = 0;

  /** The HTTP server; a subclass may attach WebSocket upgrades to it. */
  protected readonly server: Server;
  private injections: Injection[] = [];
  private waiters: Waiter[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private origin: string | undefined;
  private closed = false;

  protected constructor(options: FakeServerOptions = {}) {
    this.delayMs = options.delayMs ?? 0;
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        this.handlerErrors.push(toError(error));
        if (!res.headersSent && !res.destroyed) {
          res.statusCode = 500;
          res.end();
        }
      });
    });
  }

  /** Answers one request; runs only when no failure or hang was injected for it. */
  protected abstract handle(request: RecordedRequest): Promise<FakeReply> | FakeReply;

  /** The API's own JSON error body for `status`. */
  protected abstract errorBody(status: number, message: string, request: RecordedRequest): unknown;

  /** Headers the API adds to every answer (request ids and the like). */
  protected commonHeaders(_request: RecordedRequest): Record<string, string> {
    return {};
  }

  /** Starts listening on 127.0.0.1 with a free port; resolves to the origin `http://127.0.0.1:PORT`. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    return this.origin;
  }

  /** `http://127.0.0.1:PORT`, once listening. */
  get url(): string {
    if (this.origin === undefined) {
      throw new Error('The fake is not listening yet: await listen() (or the static start()) first');
    }
    return this.origin;
  }

  /** The port, once listening. */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** The next `times` (default 1) requests matching `matcher` are answered with `status` and the API's error body. */
  failNext(matcher: RouteMatcher, spec: FailureSpec): void {
    this.injections.push({ kind: 'fail', matcher, remaining: spec.times ?? 1, spec });
  }

  /** The next `times` (default 1) requests matching `matcher` are recorded but never answered (until close). */
  hangNext(matcher: RouteMatcher, options: { times?: number } = {}): void {
    this.injections.push({ kind: 'hang', matcher, remaining: options.times ?? 1 });
  }

  /** The next `times` (default 1) requests matching `matcher` are recorded, then their connection is reset with no answer. */
  resetNext(matcher: RouteMatcher, options: { times?: number } = {}): void {
    this.injections.push({ kind: 'reset', matcher, remaining: options.times ?? 1 });
  }

  /** Drops injected failures and hangs that have not fired yet. */
  clearInjections(): void {
    this.injections = [];
  }

  /**
   * Resolves with the first recorded request matching `predicate`, looking at requests already
   * received first, then waiting for new ones; rejects after `timeoutMs` listing what arrived.
   */
  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs = 5_000): Promise<RecordedRequest> {
    const found = this.requests.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise<RecordedRequest>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (request) => {
          clearTimeout(timer);
          resolve(request);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.requests.map((r) => `${r.method} ${r.path}`).join(', ') || 'none';
        reject(new Error(`No matching request within ${timeoutMs} ms; received: ${seen}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Stops the server, drops every open and held connection and cancels pending delays. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
    for (const res of this.held) {
      res.destroy();
    }
    this.held.clear();
    await this.beforeClose();
    if (!this.server.listening) {
      return;
    }
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  /** Hook for subclasses to release their own resources (outgoing requests) during close. */
  protected async beforeClose(): Promise<void> {}

  /** Waits `ms` unless the fake closes first. */
  protected sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readRequest(req);
    this.trackInFlight(request, res);
    this.requests.push(request);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(request)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(request);
      }
    }

    const injection = this.takeInjection(request);
    if (injection?.kind === 'reset') {
      res.socket?.resetAndDestroy();
      return;
    }
    if (injection?.kind === 'hang') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }

    await this.sleep(this.delayMs);
    if (this.closed) {
      res.destroy();
      return;
    }

    let reply: FakeReply;
    if (injection?.kind === 'fail') {
      const { status, body, headers } = injection.spec;
      reply = {
        status,
        body: body ?? this.errorBody(status, `Injected failure (${status})`, request),
        ...(headers ? { headers } : {}),
      };
    } else {
      try {
        reply = await this.handle(request);
      } catch (error) {
        const err = toError(error);
        this.handlerErrors.push(err);
        reply = { status: 500, body: this.errorBody(500, `Fake handler error: ${err.message}`, request) };
      }
    }
    writeReply(res, reply, this.commonHeaders(request));
  }

  /** Counts `request` in flight until its answer is sent or its client goes away, then stamps `endedAt`. */
  private trackInFlight(request: RecordedRequest, res: ServerResponse): void {
    if (res.closed) {
      request.endedAt = new Date();
      return;
    }
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.once('close', () => {
      this.inFlight -= 1;
      request.endedAt = new Date();
    });
  }

  private takeInjection(request: RecordedRequest): Injection | undefined {
    const injection = this.injections.find((i) => i.remaining > 0 && matchesRoute(i.matcher, request));
    if (!injection) {
      return undefined;
    }
    injection.remaining -= 1;
    this.injections = this.injections.filter((i) => i.remaining > 0);
    return injection;
  }
}

/** True when `request` is selected by `matcher` (see {@link RouteMatcher}). */
export function matchesRoute(matcher: RouteMatcher, request: RecordedRequest): boolean {
  if (typeof matcher === 'function') {
    return matcher(request);
  }
  if (matcher instanceof RegExp) {
    return matcher.test(request.path);
  }
  const spaceAt = matcher.indexOf(' ');
  const method = spaceAt > 0 ? matcher.slice(0, spaceAt).toUpperCase() : undefined;
  const pattern = spaceAt > 0 ? matcher.slice(spaceAt + 1) : matcher;
  if (method !== undefined && method !== request.method) {
    return false;
  }
  return routePattern(pattern).test(request.path);
}

/** Compiles `"/v1/customers/:id"` or `"/v1beta/models/*"` into an anchored RegExp. */
export function routePattern(pattern: string): RegExp {
  const source = pattern
    .split(/(:[A-Za-z_][A-Za-z0-9_]*|\*)/)
    .map((piece) => {
      if (piece === '*') return '.*';
      if (piece.startsWith(':')) return '[^/]+';
      return piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * Parses `application/x-www-form-urlencoded` (or a query string) with bracket nesting:
 * `a[b][0][c]=1&d[]=x&d[]=y` -> `{ a: { b: [{ c: '1' }] }, d: ['x', 'y'] }`. Objects whose keys
 * are exactly 0..n-1 become arrays; a repeated plain key becomes an array.
 */
export function parseNestedForm(encoded: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const segments = splitBracketKey(key);
    let node: Record<string, unknown> = root;
    segments.forEach((segment, index) => {
      const isLast = index === segments.length - 1;
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (isLast) {
        const existing = node[name];
        if (existing === undefined) {
          node[name] = value;
        } else if (Array.isArray(existing)) {
          existing.push(value);
        } else {
          node[name] = [existing, value];
        }
        return;
      }
      const child = node[name];
      if (typeof child !== 'object' || child === null || Array.isArray(child)) {
        node[name] = {};
      }
      node = node[name] as Record<string, unknown>;
    });
  }
  return arraysFromIndexedObjects(root) as Record<string, unknown>;
}

function splitBracketKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) {
    return [key];
  }
  const segments = [key.slice(0, open)];
  const re = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(key.slice(open))) !== null) {
    segments.push(match[1] ?? '');
  }
  return segments;
}

function arraysFromIndexedObjects(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(arraysFromIndexedObjects);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => [k, arraysFromIndexedObjects(v)] as const,
  );
  const isIndexed =
    entries.length > 0 &&
    entries.every(([k]) => /^\d+$/.test(k)) &&
    entries.every((_, i) => Object.hasOwn(value, String(i)));
  if (isIndexed) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

async function readRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const rawBody = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: decodeURIComponent(url.pathname),
    query: parseNestedForm(url.search.slice(1)),
    headers: req.headers,
    body: await parseBody(contentType, rawBody, req.headers),
    rawBody,
    at: new Date(),
  };
}

async function parseBody(contentType: string, rawBody: Buffer, headers: IncomingHttpHeaders): Promise<unknown> {
  if (rawBody.length === 0) {
    return undefined;
  }
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(rawBody.toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return parseNestedForm(rawBody.toString('utf8'));
  }
  if (contentType.includes('multipart/form-data')) {
    return parseMultipart(rawBody, headers);
  }
  return undefined;
}

/** Parses a buffered `multipart/form-data` body with busboy (Node's own `formData()` cannot read every SDK's output). */
export function parseMultipart(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<MultipartBody> {
  return new Promise<MultipartBody>((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    const files: MultipartFile[] = [];
    const pending: Array<Promise<void>> = [];
    const parser = busboy({ headers, limits: { fieldSize: 50 * 1024 * 1024 } });
    parser.on('field', (name, value) => {
      const existing = fields[name];
      if (existing === undefined) fields[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else fields[name] = [existing, value];
    });
    parser.on('file', (field, stream, info) => {
      pending.push(
        (async () => {
          const parts: Buffer[] = [];
          for await (const part of stream) {
            parts.push(part as Buffer);
          }
          files.push({ field, filename: info.filename ?? '', mimeType: info.mimeType, data: Buffer.concat(parts) });
        })(),
      );
    });
    parser.on('error', reject);
    parser.on('close', () => {
      Promise.all(pending).then(() => resolve({ fields, files }), reject);
    });
    parser.end(rawBody);
  });
}

function writeReply(res: ServerResponse, reply: FakeReply, common: Record<string, string>): void {
  if (res.destroyed) {
    return;
  }
  const headers: Record<string, string> = { ...common, ...reply.headers };
  let payload: Buffer | undefined;
  if (reply.body === undefined) {
    payload = undefined;
  } else if (Buffer.isBuffer(reply.body)) {
    payload = reply.body;
  } else if (typeof reply.body === 'string') {
    payload = Buffer.from(reply.body, 'utf8');
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) {
    headers['content-length'] = String(payload.length);
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** True when `text` contains `word` as a whole word, ignoring case: how the fakes match their triggers. */
export function containsWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'iu').test(text);
}
