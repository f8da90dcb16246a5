import { Router, type Request } from 'express';
import { AppError, isAppError, type Core, type Pricing } from '#core';
import { errorMessage, field, sendPage, setRetryAfter, statusOf, viewOf, type Site } from '#web/routes/route-kit';
import { messagePage } from '#web/views/auth-views';
import { pricingPage } from '#web/views/pricing-views';

/** Who is buying: the signed-in person, or the chat user a signed pricing link names. */
function buyerOf(core: Core, request: Request, token: string): { userId: string; via: 'session' | 'link' } | undefined {
  if (request.user) return { userId: request.user.id, via: 'session' };
  const userId = token ? core.billing.verifyPricingToken(token) : undefined;
  return userId ? { userId, via: 'link' } : undefined;
}

/**
 * The prices in the currency asked for, or in the default currency with the error's message
 * when that currency is not offered (any other value, `constructor` included, is just unknown).
 */
function pricingIn(core: Core, currency: string | undefined): { pricing: Pricing; error?: unknown } {
  try {
    return { pricing: core.billing.pricing(currency) };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { pricing: core.billing.pricing(), error };
  }
}

/**
 * The pricing page (every price shown before paying), starting Stripe Checkout for a pack or a
 * plan, and the page Stripe returns to. A chat's `/pricing?t=` link lets its user buy without
 * signing in; the token rides along in the form.
 */
export function createPricingRoutes(site: Site): Router {
  const { core } = site;
  const router = Router();

  router.get('/pricing', (request, response) => {
    const view = viewOf(site, request);
    const token = typeof request.query.t === 'string' ? request.query.t : '';
    const buyer = buyerOf(core, request, token);
    const currency =
      typeof request.query.currency === 'string' && request.query.currency !== '' ? request.query.currency : undefined;
    const { pricing, error } = pricingIn(core, currency);
    const cancelled =
      request.query.checkout === 'cancelled'
        ? { kind: 'info' as const, message: view.t('web.pricing.cancelled') }
        : undefined;
    const expired =
      token && !buyer ? { kind: 'error' as const, message: view.t('web.pricing.link_expired') } : undefined;
    const refused = error ? { kind: 'error' as const, message: errorMessage(view, error) ?? '' } : undefined;
    const status = expired || refused ? 400 : 200;
    sendPage(
      response,
      status,
      pricingPage(view, {
        pricing,
        token: buyer?.via === 'link' ? token : undefined,
        buyer: buyer?.via,
        ...((refused ?? expired ?? cancelled) ? { notice: refused ?? expired ?? cancelled } : {}),
      }),
    );
  });

  router.post('/checkout', async (request, response) => {
    const view = viewOf(site, request);
    const token = field(request, 't');
    const buyer = buyerOf(core, request, token);
    if (!buyer) return response.redirect(303, '/login?next=/pricing');
    const kind = field(request, 'kind');
    const currency = field(request, 'currency');
    try {
      if (kind !== 'pack' && kind !== 'plan') throw new AppError('unknown_product');
      const url = await core.billing.checkout({
        userId: buyer.userId,
        product: { kind, id: field(request, 'product') },
        ...(currency ? { currency } : {}),
        locale: request.locale,
        ...(buyer.via === 'link' ? { pricingToken: token } : {}),
      });
      response.redirect(303, url);
    } catch (error) {
      if (!isAppError(error)) throw error;
      if (error.code === 'terms_required' && buyer.via === 'session')
        return response.redirect(303, '/welcome?next=/pricing');
      setRetryAfter(response, error);
      const message =
        error.code === 'terms_required'
          ? view.t('web.pricing.terms_in_chat')
          : error.code === 'conflict'
            ? view.t('web.pricing.plan_exists')
            : (errorMessage(view, error) ?? '');
      sendPage(
        response,
        statusOf(error),
        pricingPage(view, {
          pricing: pricingIn(core, currency || undefined).pricing,
          token: buyer.via === 'link' ? token : undefined,
          buyer: buyer.via,
          notice: { kind: 'error', message },
        }),
      );
    }
  });

  router.get('/checkout/done', (request, response) => {
    const view = viewOf(site, request);
    sendPage(
      response,
      200,
      messagePage(view, {
        title: view.t('web.checkout.done_title'),
        kind: 'success',
        message: view.t('web.checkout.done'),
        link: request.user
          ? { href: '/account', label: view.t('web.nav.account') }
          : { href: '/', label: view.t('web.site_name') },
      }),
    );
  });

  return router;
}
