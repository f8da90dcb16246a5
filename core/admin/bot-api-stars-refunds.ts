import type { StarsRefunds } from '#core/payments/refund-stars-payment';

/** The Bot API answered `ok: false` (the API said no), with Telegram's code and description. */
export class BotApiError extends Error {
  readonly method: string;
  readonly errorCode: number;
  readonly description: string;

  constructor(method: string, errorCode: number, description: string) {
    super(`Telegram ${method} failed: ${errorCode} ${description}`);
    this.name = 'BotApiError';
    this.method = method;
    this.errorCode = errorCode;
    this.description = description;
  }
}

/** The Bot API could not be reached or answered something that is not its JSON envelope (the wire failed). */
export class BotApiTransportError extends Error {
  constructor(method: string, options: { cause?: unknown; status?: number }) {
    super(`Telegram ${method}: no usable answer${options.status ? ` (HTTP ${options.status})` : ''}`, {
      cause: options.cause,
    });
    this.name = 'BotApiTransportError';
  }
}

/**
 * `StarsRefunds` over the Telegram Bot API with plain `fetch`, for processes without the
 * Telegram adapter (the admin CLI: core never imports grammY). Calls
 * https://core.telegram.org/bots/api#refundstarpayment. A charge Telegram reports as already
 * refunded counts as refunded, so a CLI run that died after Telegram's refund but before the
 * clawback can be repeated to finish it. The token is never put in an error message.
 */
export function createBotApiStarsRefunds(options: {
  token: string;
  apiRoot: string;
  timeoutMs?: number;
}): StarsRefunds {
  return {
    async refund(platformUserId, chargeId) {
      const method = 'refundStarPayment';
      let response: Response;
      try {
        response = await fetch(`${options.apiRoot}/bot${options.token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: Number(platformUserId), telegram_payment_charge_id: chargeId }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
      } catch (error) {
        throw new BotApiTransportError(method, { cause: error });
      }
      const body = (await response.json().catch(() => undefined)) as
        | { ok?: boolean; error_code?: number; description?: string }
        | undefined;
      if (body?.ok === true) return;
      if (body?.ok !== false) throw new BotApiTransportError(method, { status: response.status });
      const description = body.description ?? 'no description';
      if (/CHARGE_ALREADY_REFUNDED/i.test(description)) return;
      throw new BotApiError(method, body.error_code ?? response.status, description);
    },
  };
}
