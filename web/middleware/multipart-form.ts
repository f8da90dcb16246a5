import busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';

/** Text fields of a multipart form beyond this many bytes each are cut (the prompt's limit is far below). */
const MAX_FIELD_BYTES = 16 * 1024;

/**
 * Reads a signed-in user's `multipart/form-data` POST (a form with a picture): its text fields
 * become `request.body`, so the CSRF check that follows reads `_csrf` as on any form, and the
 * file of `fileField` becomes `request.upload`. The file is held in memory up to `maxFileBytes`;
 * a larger one is marked `isTooLarge` and the rest of it is read and dropped (the answer then
 * says how large it may be). Other files, more than one file and more than 20 fields are
 * ignored. Anonymous requests are not parsed (the CSRF check refuses them).
 */
export function parseMultipartForm(options: { fileField: string; maxFileBytes: number }) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    if (request.method !== 'POST' || !request.is('multipart/form-data') || !request.user) {
      next();
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { fileSize: options.maxFileBytes, files: 1, fields: 20, parts: 22, fieldSize: MAX_FIELD_BYTES },
      });
    } catch (error) {
      next(Object.assign(new Error('malformed multipart form', { cause: error }), { status: 400 }));
      return;
    }
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let isTooLarge = false;
    let hasFile = false;
    let isDone = false;
    const finish = (error?: unknown) => {
      if (isDone) return;
      isDone = true;
      if (error) {
        request.unpipe(parser);
        request.resume();
        next(Object.assign(new Error('malformed multipart form', { cause: error }), { status: 400 }));
        return;
      }
      request.body = fields;
      request.upload = hasFile ? { bytes: Buffer.concat(chunks), isTooLarge } : undefined;
      next();
    };
    parser.on('field', (name, value) => {
      if (!Object.hasOwn(fields, name)) fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== options.fileField || hasFile) {
        stream.resume();
        return;
      }
      hasFile = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        isTooLarge = true;
      });
    });
    parser.on('close', () => finish());
    parser.on('error', (error) => finish(error));
    request.pipe(parser);
  };
}
