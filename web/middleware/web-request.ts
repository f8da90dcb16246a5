import type { FoundWebSession, Locale, SessionUser } from '#core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The session cookie's id (a new one when the visitor had none). */
      sid: string;
      /** The live server-side session, when there is one. */
      webSession: FoundWebSession | undefined;
      /** The signed-in person. */
      user: SessionUser | undefined;
      /** The language pages are rendered in. */
      locale: Locale;
      /** The CSRF token forms of this session carry. */
      csrfToken: string;
      /** The picture of a multipart form (`parseMultipartForm`); `isTooLarge` when it passed the limit (its bytes are cut). */
      upload?: { bytes: Buffer; isTooLarge: boolean } | undefined;
      /** Where the request came from (stored with security events). */
      origin: { ip: string | undefined; userAgent: string | undefined };
    }
  }
}
