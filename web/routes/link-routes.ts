import { Router } from 'express';
import { isAppError } from '#core';
import { errorMessage, sendPage, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { linkPage, messagePage } from '#web/views/auth-views';

/**
 * `/link/<token>` from the bots' /link command: after signing in (or registering), the page
 * names the chat account (platform, username, display name, id) and the person confirms; a
 * button naming this website account is then sent into that chat, and only pressing it there
 * joins the accounts. Opening the address changes nothing.
 */
export function createLinkRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();

  router.get('/link/:token', async (request, response) => {
    const view = viewOf(site, request);
    const described = await core.accounts.describeLink(request.params.token);
    if (!described)
      return sendPage(
        response,
        400,
        messagePage(view, { title: view.t('web.link.title'), kind: 'error', message: view.t('errors.token_invalid') }),
      );
    if (!request.user) {
      const next = encodeURIComponent(request.originalUrl);
      return sendPage(
        response,
        200,
        messagePage(view, {
          title: view.t('web.link.title'),
          kind: 'info',
          message: view.t('web.link.sign_in_first'),
          link: { href: `/login?next=${next}`, label: view.t('web.nav.sign_in') },
        }),
      );
    }
    sendPage(response, 200, linkPage(view, { token: request.params.token, request: described }));
  });

  router.post('/link/:token', async (request, response) => {
    const view = viewOf(site, request);
    if (!request.user)
      return response.redirect(303, `/login?next=${encodeURIComponent(`/link/${request.params.token}`)}`);
    try {
      const result = await core.accounts.confirmLinkOnWeb({
        token: request.params.token,
        userId: request.user.id,
        origin: request.origin,
      });
      const platform = view.tx(`web.platform.${result.request.platform}`, result.request.platform);
      const account = result.request.username
        ? `@${result.request.username}`
        : (result.request.displayName ?? result.request.platformUserId);
      if (result.outcome === 'chat_unreachable') {
        return sendPage(
          response,
          502,
          messagePage(view, {
            title: view.t('web.link.title'),
            kind: 'error',
            message: view.t('web.link.unreachable'),
          }),
        );
      }
      const message =
        result.outcome === 'awaiting_chat'
          ? view.t('web.link.sent', { platform, account })
          : view.t('web.link.already');
      sendPage(
        response,
        200,
        messagePage(view, {
          title: view.t('web.link.title'),
          kind: result.outcome === 'awaiting_chat' ? 'info' : 'success',
          message,
          link: { href: '/account', label: view.t('web.nav.account') },
        }),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      const message = error.code === 'conflict' ? view.t('web.link.conflict') : (errorMessage(view, error) ?? '');
      sendPage(
        response,
        statusOf(error),
        messagePage(view, { title: view.t('web.link.title'), kind: 'error', message }),
      );
    }
  });

  return router;
}
