import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '#core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      log: Logger;
      id: string;
    }
  }
}

// Paths whose last segment is a secret (emailed and chat links); only the route is logged.
// Case-insensitive, as Express's routing is: /Reset-Password/<token> reaches the same page.
const SECRET_PATH = /^\/(verify-email|undo-email-change|reset-password|link|privacy\/request)\/[^/]+/i;

/** The request path as it may be logged: single-use tokens in it are replaced. */
export function loggablePath(path: string): string {
  return path.replace(SECRET_PATH, '/$1/[redacted]');
}

// What a client (or the proxy in front) may choose as its request id: short, no spaces, quotes or control characters.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of a request: the client's `X-Request-Id` when it is well-formed (so a proxy's id
 * follows the request through our logs), else a new UUID. A forged id never reaches a log line
 * or a response header.
 */
export function requestIdOf(given: string | undefined): string {
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The path the client asked for, as the app received it: `request.path` is relative to the router
 * that answered (`/find` for `POST /admin/find`) by the time the response finishes. No query string.
 */
function fullPathOf(request: Request): string {
  const url = request.originalUrl;
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/** A child logger per request with its id; one line per finished request (secrets in the path redacted). */
export function requestLogger(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const id = requestIdOf(request.get('x-request-id'));
    const started = process.hrtime.bigint();
    request.id = id;
    request.log = logger.child({ requestId: id });
    response.setHeader('X-Request-Id', id);
    response.on('finish', () => {
      const path = fullPathOf(request);
      if (path === '/healthz') return;
      request.log.info(
        {
          method: request.method,
          path: loggablePath(path),
          status: response.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}
