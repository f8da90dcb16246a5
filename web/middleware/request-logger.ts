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
const SECRET_PATH = /^\/(verify-email|undo-email-change|reset-password|link|privacy\/request)\/[^/]+/;

/** The request path as it may be logged: single-use tokens in it are replaced. */
export function loggablePath(path: string): string {
  return path.replace(SECRET_PATH, '/$1/[redacted]');
}

/** A child logger per request with its id; one line per finished request (secrets in the path redacted). */
export function requestLogger(logger: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const id = request.get('x-request-id')?.slice(0, 64) ?? randomUUID();
    const started = process.hrtime.bigint();
    request.id = id;
    request.log = logger.child({ requestId: id });
    response.setHeader('X-Request-Id', id);
    response.on('finish', () => {
      if (request.path === '/healthz') return;
      request.log.info({ method: request.method, path: loggablePath(request.path), status: response.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  };
}
