import { pipeline } from 'node:stream';
import type { Request, Response } from 'express';

/**
 * Streams `body` as the response body (headers already set). When the viewer goes away or the
 * source fails, both ends are closed: a file from S3 is an open HTTP response from the bucket,
 * and one left paused would hold a connection of the SDK's pool until the process ends.
 */
export function sendStream(request: Request, response: Response, body: NodeJS.ReadableStream): void {
  pipeline(body, response, (error) => {
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      request.log.warn({ err: error }, 'a streamed file failed mid-way');
  });
}
