import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { BONUS_MARK_RETENTION_YEARS, MINIMUM_AGE, TERMS_VERSION, type Locale } from '#core';
import { renderMarkdown } from '#web/html/markdown';
import { SITE_CSS } from '#web/html/site-css';
import { setCookie } from '#web/middleware/cookies';
import { isLocale, LOCALE_COOKIE } from '#web/middleware/locale';
import { safeNext, sendPage, viewOf, type Site } from '#web/routes/route-kit';
import { homePage, legalPage } from '#web/views/site-views';

/** Values the legal documents' `{{placeholders}}` are filled with. */
export type LegalFacts = {
  supportEmail: string;
  publicUrl: string;
  retentionPromptDays: number;
  retentionLoginDays: number;
  signupCredits: number;
  packValidDays: number | null;
};

/** Where the operator-editable legal documents live: `web/legal/<privacy|terms>.<locale>.md`. */
export const LEGAL_DIR = fileURLToPath(new URL('../legal/', import.meta.url));

async function readLegal(dir: string, document: 'privacy' | 'terms', locale: Locale): Promise<string> {
  return fs
    .readFile(path.join(dir, `${document}.${locale}.md`), 'utf8')
    .catch(() => fs.readFile(path.join(dir, `${document}.en.md`), 'utf8'));
}

/** The home page, the legal pages (read from their files on each request, so edits show at once), the language switch and the stylesheet. */
export function createSiteRoutes(site: Site, facts: LegalFacts, legalDir: string = LEGAL_DIR): Router {
  const router = Router();
  const vars = {
    supportEmail: facts.supportEmail,
    publicUrl: facts.publicUrl,
    retentionPromptDays: String(facts.retentionPromptDays),
    retentionLoginDays: String(facts.retentionLoginDays),
    signupCredits: String(facts.signupCredits),
    packValidDays: facts.packValidDays === null ? '∞' : String(facts.packValidDays),
    termsVersion: TERMS_VERSION,
    minimumAge: String(MINIMUM_AGE),
    bonusMarkYears: String(BONUS_MARK_RETENTION_YEARS),
  };

  router.get('/', async (request, response) => {
    const featured = await site.core.showcase.listFeatured();
    sendPage(response, 200, homePage(viewOf(site, request), { featured, price: site.core.showcase.imagePrice() }));
  });

  // The home page's demo pictures: drawn once per process, the same bytes for a day.
  router.get('/showcase/:name', (request, response) => {
    const slug = /^([a-z]{1,32})\.png$/.exec(request.params.name)?.[1];
    const picture = slug ? site.core.showcase.openPicture(slug) : undefined;
    if (!picture) {
      response.status(404).type('text/plain').send('not found');
      return;
    }
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.setHeader('ETag', `"showcase-${slug}-${picture.bytes.length}"`);
    if (request.fresh) {
      response.status(304).end();
      return;
    }
    response.type(picture.mime).send(picture.bytes);
  });

  for (const document of ['privacy', 'terms'] as const) {
    router.get(`/${document}`, async (request, response) => {
      const view = viewOf(site, request);
      const source = await readLegal(legalDir, document, request.locale);
      // The document's own first `# heading` is the page title (one h1 per page).
      const heading = /^\s*#\s+(.+)\r?\n/.exec(source);
      const title = heading?.[1]?.trim() ?? view.t(document === 'privacy' ? 'web.footer.privacy' : 'web.footer.terms');
      const content = renderMarkdown(heading ? source.slice(heading[0].length) : source, vars);
      sendPage(response, 200, legalPage(view, { title, content }));
    });
  }

  router.get('/lang/:locale', (request, response) => {
    const { locale } = request.params;
    if (isLocale(locale)) setCookie(response, LOCALE_COOKIE, locale, site.isSecure, 365 * 24 * 60 * 60 * 1000);
    response.redirect(303, safeNext(request.query.next, '/'));
  });

  router.get('/assets/site.css', (_request, response) => {
    response.setHeader('Cache-Control', 'public, max-age=3600');
    response.type('text/css').send(SITE_CSS);
  });

  return router;
}
