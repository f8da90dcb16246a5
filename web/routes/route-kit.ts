import type { NextFunction, Request, Response } from 'express';
import { isAppError, type Core, type MessageKey } from '#core';
import type { SafeHtml } from '#web/html/html';
import { viewContext, type ViewContext } from '#web/views/view-context';

/** What every router of the site is built with. */
export type Site = { core: Core; isSecure: boolean; supportEmail: string; isGoogleEnabled: boolean };

/** The view context of a request on this site. */
export function viewOf(site: Site, request: Request): ViewContext {
  return viewContext(request, {
    supportEmail: site.supportEmail,
    isGoogleEnabled: site.isGoogleEnabled,
    isAdmin: site.core.admin.isAdmin,
  });
}

/** Sends a rendered page: never cached (pages carry a session's CSRF token and personal data). */
export function sendPage(response: Response, status: number, page: SafeHtml): void {
  response.status(status).setHeader('Cache-Control', 'no-store');
  response.setHeader('Vary', 'Cookie, Accept-Language');
  response.type('html').send(page.value);
}

/** A local path to continue to after signing in; anything else (other sites, `//host`) becomes `fallback`. */
export function safeNext(value: unknown, fallback = '/account'): string {
  if (
    typeof value !== 'string' ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    value.length > 500
  )
    return fallback;
  return value;
}

/** A string field of a urlencoded form ('' when absent). */
export function field(request: Request, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Whether a checkbox was ticked. */
export function isChecked(request: Request, name: string): boolean {
  return field(request, name) === 'yes';
}

/** The localized text of an expected error: a field's own message for `invalid_input`, else `errors.<code>`. */
export function errorMessage(view: ViewContext, error: unknown): string | undefined {
  if (!isAppError(error)) return undefined;
  if (error.code === 'invalid_input' && typeof error.vars.field === 'string')
    return view.tx(`web.field.${error.vars.field}`, view.t('errors.invalid_input'));
  return view.t(`errors.${error.code}` as MessageKey, { support: view.supportEmail, ...error.vars });
}

/** Sets `Retry-After` for a throttled answer. */
export function setRetryAfter(response: Response, error: unknown): void {
  if (isAppError(error) && typeof error.vars.seconds === 'number')
    response.setHeader('Retry-After', String(error.vars.seconds));
}

/** The status to answer an expected error with. */
export function statusOf(error: unknown): number {
  return isAppError(error) ? error.status : 500;
}

/** Lets only signed-in people through; others go to sign in and come back. */
export function requireUser(request: Request, response: Response, next: NextFunction): void {
  if (request.user) {
    next();
    return;
  }
  if (request.method === 'GET')
    response.redirect(303, `/login?next=${encodeURIComponent(safeNext(request.originalUrl))}`);
  else response.redirect(303, '/login');
}
