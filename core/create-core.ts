import type { CoreDeps } from '#core/core-deps';
import type { CommandRequest } from '#core/chat/command-request';
import type { Reply } from '#core/chat/reply';
import { errorReply, runChatCommand } from '#core/chat/run-chat-command';
import { isAppError } from '#core/errors/app-error';
import { rememberStatusMessage } from '#core/generation/remember-status-message';
import { startGenerationWorker } from '#core/generation/start-generation-worker';
import { openSignedMedia, type OpenedMedia } from '#core/generation/open-signed-media';
import { checkReadiness, type Readiness } from '#core/health/check-readiness';
import { applyStarsPayment, checkStarsPreCheckout } from '#core/payments/stars-payment';
import { refundStarsPayment, type StarsRefunds } from '#core/payments/refund-stars-payment';
import { listTemplates } from '#core/templates/find-templates';
import { normalizeLocale } from '#core/i18n/locales';

/** The product as the adapters see it. Built once per process from its dependencies. */
export type Core = {
  chat: {
    /** The one path of a chat command: request in, replies out. Never throws. */
    run(request: CommandRequest): Promise<Reply[]>;
    /** Records the chat message that shows a job's status, so progress edits that message. */
    rememberStatusMessage(generationId: string, messageId: string): Promise<void>;
  };
  payments: {
    /** Validates a Telegram pre-checkout query: `ok`, or the localized reason to refuse. */
    checkStarsPreCheckout(input: { payload: string; currency: string; totalAmount: number; platformUserId: string }): Promise<{ ok: true } | { ok: false; reply: Reply }>;
    /** Applies a successful Stars payment once per charge id; the reply tells the user. */
    applyStarsPayment(input: { payload: string; chargeId: string; currency: string; totalAmount: number; platformUserId: string }): Promise<Reply>;
    /** Refunds a Stars payment through Telegram and claws the credits back (admin). */
    refundStarsPayment(refunds: StarsRefunds, input: { chargeId: string; actor: string }): Promise<'refunded' | 'already_refunded'>;
  };
  templates: {
    /** Templates whose id or name starts with `prefix`, most used first (for autocomplete; at most 25). */
    suggest(prefix: string, locale: string | undefined): Promise<{ id: string; name: string; description: string }[]>;
  };
  media: {
    /** A stored file behind a signed, unexpired link; undefined otherwise (answer 404). */
    openSigned(input: { assetId: string; exp: string; sig: string }): Promise<OpenedMedia | undefined>;
  };
  /** Starts consuming generation jobs in this process. Returns a stop function. */
  startWorker(options: { concurrency: number }): Promise<() => Promise<void>>;
  /** Whether the database (and Redis, when configured) answer. */
  checkReadiness(): Promise<Readiness>;
  deps: CoreDeps;
};

/** Builds the core from explicit dependencies (no hidden clients, no module singletons). */
export function createCore(deps: CoreDeps): Core {
  return {
    chat: {
      run: (request) => runChatCommand(deps, request),
      rememberStatusMessage: (generationId, messageId) => rememberStatusMessage(deps, generationId, messageId),
    },
    payments: {
      checkStarsPreCheckout: async (input) => {
        try {
          await checkStarsPreCheckout(deps, input);
          return { ok: true };
        } catch (error) {
          if (!isAppError(error)) throw error;
          return { ok: false, reply: errorReply(error, deps.logger, deps.config.supportEmail) };
        }
      },
      applyStarsPayment: (input) => applyStarsPayment(deps, input),
      refundStarsPayment: (refunds, input) => refundStarsPayment(deps, refunds, input),
    },
    templates: {
      suggest: async (prefix, locale) =>
        (await listTemplates(deps.prisma, { locale: normalizeLocale(locale), prefix, limit: 25, now: deps.clock.now() })).map((template) => ({ id: template.id, name: template.name, description: template.description })),
    },
    media: { openSigned: (input) => openSignedMedia(deps, input) },
    startWorker: (options) => startGenerationWorker(deps, options),
    checkReadiness: () => checkReadiness(deps),
    deps,
  };
}
