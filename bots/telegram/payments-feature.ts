import { Composer, type Api } from 'grammy';
import { isAppError, normalizeLocale, translate, type Core, type Reply, type StarsRefunds } from '#core';
import type { BotContext } from '#bots/telegram/bot-context';
import { placeOfContext } from '#bots/telegram/context-place';
import type { Renderer } from '#bots/telegram/render';
import { fit, textOf } from '#bots/telegram/reply-text';

/** Telegram waits 10 s for the pre-checkout answer (https://core.telegram.org/bots/api#answerprecheckoutquery). */
const PRE_CHECKOUT_DEADLINE_MS = 8_000;
/** Crediting is idempotent per charge id, so a failed attempt (database hiccup) is simply tried again. */
const APPLY_ATTEMPTS = 3;
const MAX_ERROR_MESSAGE = 255;

/**
 * Telegram Stars (https://core.telegram.org/bots/payments-stars): core checks the pre-checkout
 * query and the answer goes back within the deadline (a refusal carries its localized reason);
 * `successful_payment` is applied by core once per `telegram_payment_charge_id` and its reply shown.
 */
export function paymentsFeature(deps: { core: Core; renderer: Renderer }): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.on('pre_checkout_query', async (ctx) => {
    const query = ctx.preCheckoutQuery;
    const locale = normalizeLocale(query.from.language_code);
    const check = deps.core.payments.checkStarsPreCheckout({
      payload: query.invoice_payload,
      currency: query.currency,
      totalAmount: query.total_amount,
      platformUserId: String(query.from.id),
    });
    const verdict = await withDeadline(check, PRE_CHECKOUT_DEADLINE_MS).catch((error: unknown) => {
      ctx.log.error({ err: error }, 'pre-checkout check failed; refusing the payment');
      return undefined;
    });
    if (verdict?.ok) {
      await ctx.api.answerPreCheckoutQuery(query.id, true);
      return;
    }
    const reason = verdict ? replyText(verdict.reply, locale) : translate(locale, 'errors.payments_unavailable');
    await ctx.api.answerPreCheckoutQuery(query.id, false, { error_message: fit(reason, MAX_ERROR_MESSAGE) });
  });

  composer.on('message:successful_payment', async (ctx) => {
    const payment = ctx.message.successful_payment;
    const from = ctx.message.from;
    const place = placeOfContext(ctx);
    if (!from || !place) return;
    ctx.log.info(
      { chargeId: payment.telegram_payment_charge_id, amount: payment.total_amount, currency: payment.currency },
      'Stars payment received',
    );
    const reply = await applyWithRetry(() =>
      deps.core.payments.applyStarsPayment({
        payload: payment.invoice_payload,
        chargeId: payment.telegram_payment_charge_id,
        currency: payment.currency,
        totalAmount: payment.total_amount,
        platformUserId: String(from.id),
      }),
    );
    await deps.renderer.render(place, [reply], { locale: normalizeLocale(from.language_code), log: ctx.log });
  });

  return composer;
}

/** Refunds through `refundStarPayment`, for core's admin refund (`core.payments.refundStarsPayment`). */
export function createStarsRefunds(api: Api): StarsRefunds {
  return {
    async refund(platformUserId, chargeId) {
      await api.refundStarPayment(Number(platformUserId), chargeId);
    },
  };
}

function replyText(reply: Reply, locale: ReturnType<typeof normalizeLocale>): string {
  return reply.type === 'message' || reply.type === 'status'
    ? textOf(locale, reply.text)
    : translate(locale, 'errors.payments_unavailable');
}

async function applyWithRetry(apply: () => Promise<Reply>): Promise<Reply> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await apply();
    } catch (error) {
      if (isAppError(error) || attempt >= APPLY_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

function withDeadline<T>(task: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    task.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
