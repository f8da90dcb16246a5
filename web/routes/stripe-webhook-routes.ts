import express, { Router } from 'express';
import { isAppError, type Core } from '#core';

/**
 * `POST /stripe/webhook`: the raw body (parsed by nothing else: mounted before any body parser)
 * goes to core with the `Stripe-Signature` header. A bad signature is 400 with nothing written;
 * an unexpected failure is 500, so Stripe delivers again later.
 */
export function createStripeWebhookRoutes(core: Core): Router {
  const router = Router();
  router.post('/stripe/webhook', express.raw({ type: () => true, limit: '1mb' }), async (request, response) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      const outcome = await core.billing.handleWebhook({ rawBody, signature: request.get('stripe-signature') });
      response.status(200).json({ received: true, outcome });
    } catch (error) {
      if (!isAppError(error)) throw error;
      request.log.warn({ code: error.code, reason: error.message }, 'stripe webhook refused');
      response.status(error.code === 'invalid_input' ? 400 : error.status).json({ received: false, error: error.code });
    }
  });
  return router;
}
