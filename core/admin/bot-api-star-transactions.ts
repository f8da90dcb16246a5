import { BotApiError, BotApiTransportError } from '#core/admin/bot-api-stars-refunds';
import type { StarTransaction, StarTransactions } from '#core/payments/reconcile-stars-payments';

/**
 * `StarTransactions` over the Telegram Bot API with plain `fetch` (core never imports grammY):
 * https://core.telegram.org/bots/api#getstartransactions. The token is never put in an error.
 */
export function createBotApiStarTransactions(options: {
  token: string;
  apiRoot: string;
  timeoutMs?: number;
}): StarTransactions {
  return {
    async list(input) {
      const method = 'getStarTransactions';
      let response: Response;
      try {
        response = await fetch(`${options.apiRoot}/bot${options.token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ offset: input.offset, limit: input.limit }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
      } catch (error) {
        throw new BotApiTransportError(method, { cause: error });
      }
      const body = (await response.json().catch(() => undefined)) as
        | { ok?: boolean; result?: { transactions?: unknown }; error_code?: number; description?: string }
        | undefined;
      if (body?.ok === true && Array.isArray(body.result?.transactions))
        return body.result.transactions as StarTransaction[];
      if (body?.ok !== false) throw new BotApiTransportError(method, { status: response.status });
      throw new BotApiError(method, body.error_code ?? response.status, body.description ?? 'no description');
    },
  };
}
