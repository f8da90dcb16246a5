import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { isAppError, MAX_INPUT_IMAGE_BYTES, type Core, type Logger } from '#core';
import { createCreateRoutes } from '#web/routes/create-routes';
import { parseMultipartForm } from '#web/middleware/multipart-form';
import { createHealthRoutes } from '#web/routes/health-routes';
import { createMediaRoutes } from '#web/routes/media-routes';
import { createAccountRoutes } from '#web/routes/account-routes';
import { createAdminRoutes } from '#web/routes/admin-routes';
import { createAuthRoutes } from '#web/routes/auth-routes';
import { createGoogleRoutes } from '#web/routes/google-routes';
import { createLinkRoutes } from '#web/routes/link-routes';
import { createPricingRoutes } from '#web/routes/pricing-routes';
import { createPrivacyRoutes } from '#web/routes/privacy-routes';
import { createGalleryRoutes } from '#web/routes/gallery-routes';
import { createShareRoutes } from '#web/routes/share-routes';
import { errorMessage, sendPage, viewOf, type Site } from '#web/routes/route-kit';
import { createSiteRoutes } from '#web/routes/site-routes';
import { rememberReferralCode } from '#web/middleware/referral-cookie';
import { createStripeWebhookRoutes } from '#web/routes/stripe-webhook-routes';
import { requestLogger } from '#web/middleware/request-logger';
import { chooseLocale } from '#web/middleware/locale';
import { provideCsrfToken, requireCsrfToken } from '#web/middleware/csrf';
import { securityHeaders } from '#web/middleware/security-headers';
import { loadSession } from '#web/middleware/session';
import { errorPage } from '#web/views/site-views';

/** Extra routers mounted by the entry point (e.g. the Telegram webhook), before sessions, CSRF and the 404 handler. */
export type WebMount = { path: string; handler: express.RequestHandler | express.Router };

/**
 * The web app: health and signed media; the Stripe webhook (raw body, before any parser); the
 * entry point's mounts; then the site (sessions, CSRF on every form, en/zh-CN pages): accounts,
 * Google sign-in, chat linking, pricing and checkout, creating on the web (`/create`), the account area, privacy self-service and
 * the legal pages; the admin area (`/admin`, a 404 for all but ADMIN_EMAILS). Unknown paths are
 * 404; unexpected errors a page with a reference id.
 */
export function createWebApp(
  core: Core,
  options: { logger: Logger; trustProxy: boolean; mounts?: WebMount[]; legalDir?: string },
): Express {
  const { settings } = core;
  const isSecure = settings.isProduction;
  const site: Site = {
    core,
    isSecure,
    supportEmail: settings.supportEmail,
    isGoogleEnabled: core.accounts.google !== undefined,
  };
  const googleOrigin = settings.googleIssuer ? [new URL(settings.googleIssuer).origin] : [];

  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', 1);
  app.use(requestLogger(options.logger));
  app.use(
    securityHeaders({
      isProduction: settings.isProduction,
      formTargets: [...core.billing.hostedOrigins, ...googleOrigin],
    }),
  );
  app.use(createHealthRoutes(core));
  app.use(createMediaRoutes(core));
  app.use(createStripeWebhookRoutes(core));
  for (const mount of options.mounts ?? []) app.use(mount.path, mount.handler);

  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  app.use(loadSession(core, { isSecure }));
  app.use(chooseLocale);
  // The create form carries a picture: read it (and its CSRF field) before the CSRF check.
  app.use('/create', parseMultipartForm({ fileField: 'image', maxFileBytes: MAX_INPUT_IMAGE_BYTES }));
  app.use(rememberReferralCode(isSecure));
  app.use(provideCsrfToken(settings.sessionSecret));
  app.use(
    requireCsrfToken((request, response) => {
      const view = viewOf(site, request);
      sendPage(response, 403, errorPage(view, { status: 403, message: view.t('web.error.csrf') }));
    }),
  );
  app.use(
    createSiteRoutes(
      site,
      {
        supportEmail: settings.supportEmail,
        publicUrl: settings.publicUrl,
        retentionPromptDays: settings.retention.promptDays,
        retentionLoginDays: settings.retention.loginDays,
        signupCredits: settings.signupCredits,
        packValidDays: settings.packValidDays,
      },
      options.legalDir,
    ),
  );
  app.use(createAuthRoutes(site));
  app.use(createGoogleRoutes(site, { publicUrl: settings.publicUrl, sessionSecret: settings.sessionSecret }));
  app.use(createLinkRoutes(site));
  app.use(createPricingRoutes(site));
  app.use(createCreateRoutes(site));
  app.use(createAccountRoutes(site));
  app.use(createPrivacyRoutes(site));
  app.use(createGalleryRoutes(site));
  app.use(createShareRoutes(site));
  app.use('/admin', createAdminRoutes(site));

  app.use((request: Request, response: Response) => {
    if (!request.locale) {
      response.status(404).type('text/plain').send('Not found');
      return;
    }
    const view = viewOf(site, request);
    sendPage(response, 404, errorPage(view, { status: 404, message: view.t('errors.not_found') }));
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const ref = request.id?.slice(0, 8) ?? 'unknown';
    const status = isAppError(error)
      ? error.status
      : typeof (error as { status?: unknown }).status === 'number' && (error as { status: number }).status < 500
        ? (error as { status: number }).status
        : 500;
    if (status >= 500) (request.log ?? options.logger).error({ err: error, ref }, 'request failed');
    if (response.headersSent) return;
    if (!request.locale || !request.csrfToken) {
      response
        .status(status)
        .type('text/plain')
        .send(status >= 500 ? `Something went wrong (ref ${ref}).` : 'Bad request');
      return;
    }
    const view = viewOf(site, request);
    const message =
      status >= 500
        ? view.t('errors.internal', { ref })
        : (errorMessage(view, error) ?? view.t('errors.invalid_input'));
    sendPage(response, status, errorPage(view, { status, message }));
  });
  return app;
}
