import { randomBytes } from 'node:crypto';
import { findOrCreateAccount } from '#core/accounts/find-or-create-account';
import type { ChatContext } from '#core/chat/chat-context';
import { ChatActorSchema, ChatPlaceSchema, type CommandRequest } from '#core/chat/command-request';
import { textReply, type Reply } from '#core/chat/reply';
import { runAcceptTerms, runConfirmAge, runHelp, runStart } from '#core/chat/commands/onboarding';
import { runCancel } from '#core/chat/commands/generate';
import { runFollowUp } from '#core/chat/commands/follow-up';
import {
  runCancelCommand,
  runCancelInput,
  runDeclineForgetting,
  runGenerateOrKeep,
  runKeptPrompt,
  runPlainMessage,
} from '#core/chat/commands/chat-input';
import { runBalance, runBuy, runBuyPack, runHistory, runPaySupport, runResend } from '#core/chat/commands/credits';
import { runPickTemplate, runTemplates } from '#core/chat/commands/templates';
import { runSet, runSettings } from '#core/chat/commands/settings';
import { runModels } from '#core/chat/commands/models';
import { runLink, runPrivacy, runSupport, runTerms } from '#core/chat/commands/info';
import { runConfirmDelete, runDeleteMe, runMyData } from '#core/chat/commands/my-data';
import { runCancelLink, runConfirmLink } from '#core/chat/commands/link';
import { runAppeal } from '#core/chat/commands/appeal';
import { runRemix } from '#core/chat/commands/remix';
import { runRemixForm, runRemixResult } from '#core/chat/commands/remix-result';
import type { CoreDeps } from '#core/core-deps';
import { AppError, isAppError } from '#core/errors/app-error';
import { isDatabaseUnreachable } from '#core/errors/is-database-unreachable';
import { normalizeLocale, type Locale } from '#core/i18n/locales';
import { holdChatRequest, type ChatHoldRuntime } from '#core/chat/hold-chat-request';

/** Commands per user allowed in a burst before anything touches the database. */
export const BURST_RULE = { points: 20, perMs: 10_000 };

/** A request held during a database outage, now run: its generation id and the status message shown. */
export type HeldRun = { generationId: string; statusMessageId: string | undefined };

/**
 * The one path of a chat command: validate, throttle bursts (before the database), find or
 * create the account, run the command or button action, and always answer. Known failures
 * become their localized message; anything else a generic message with a reference id that is
 * in the log with the full error. A generation request the database is too far away to admit
 * is held (`options.hold`, see `holdChatRequest`) and answered "Received, waiting…" instead.
 */
export async function runChatCommand(
  deps: CoreDeps,
  request: CommandRequest,
  options: { hold?: ChatHoldRuntime } = {},
): Promise<Reply[]> {
  const log = deps.logger.child({
    platform: request.actor?.platform,
    eventId: request.eventId,
    userId: request.actor?.platformUserId,
  });
  const state: { locale?: Locale } = {};
  try {
    return await executeChatCommand(deps, request, { log, state });
  } catch (error) {
    if (options.hold && isDatabaseUnreachable(error)) {
      const held = await holdChatRequest(deps, options.hold, request, log);
      if (held) return held;
    }
    const reply = errorReply(error, log, deps.config.supportEmail);
    return [state.locale ? { ...reply, locale: state.locale } : reply];
  }
}

/**
 * The command without the error boundary: throws what failed. `state.locale` is set once the
 * reply language is known; `held` runs a held request as the generation it was promised to be.
 */
export async function executeChatCommand(
  deps: CoreDeps,
  request: CommandRequest,
  options: { log: ChatContext['log']; state: { locale?: Locale }; held?: HeldRun },
): Promise<Reply[]> {
  const actor = ChatActorSchema.safeParse(request.actor);
  const chat = ChatPlaceSchema.safeParse(request.chat);
  if (!actor.success || !chat.success || (!request.command && !request.action && !request.message))
    throw new AppError('invalid_input');
  const burst = await deps.limiter.tryTake(`chat:${actor.data.platform}:${actor.data.platformUserId}`, BURST_RULE);
  if (!burst.allowed) throw new AppError('rate_limited', { vars: { seconds: Math.ceil(burst.retryAfterMs / 1000) } });
  const { account, isNew } = await findOrCreateAccount(deps.prisma, actor.data, {
    secret: deps.config.sessionSecret,
    now: deps.clock.now(),
  });
  const locale: Locale = normalizeLocale(account.settings.locale ?? request.actor.locale ?? account.locale);
  const context: ChatContext = {
    deps,
    request,
    account,
    isNewAccount: isNew,
    locale,
    now: deps.clock.now(),
    log: options.log,
    ...(options.held ? { held: options.held } : {}),
  };
  options.state.locale = locale;
  const replies = await dispatch(context);
  return replies.map((reply) => ({ ...reply, locale: context.locale }));
}

/** Commands and actions that show or change personal data: never in a shared chat others can read. */
const PRIVATE_COMMANDS: ReadonlySet<string> = new Set(['link', 'mydata', 'deleteme', 'appeal']);
const PRIVATE_ACTIONS: ReadonlySet<string> = new Set(['confirm_delete', 'confirm_link', 'cancel_link']);

async function dispatch(context: ChatContext): Promise<Reply[]> {
  const { request } = context;
  const isShared = request.chat.type !== 'private' && request.chat.canReplyPrivately !== true;
  if (
    isShared &&
    (PRIVATE_COMMANDS.has(request.command?.name ?? '') || PRIVATE_ACTIONS.has(request.action?.name ?? ''))
  ) {
    throw new AppError('private_chat_only');
  }
  if (request.command) {
    const { name, args } = request.command;
    switch (name) {
      case 'start':
        return runStart(context, args);
      case 'help':
        return runHelp(context);
      case 'imagine':
        return runGenerateOrKeep(context, 'image', args);
      case 'video':
        return runGenerateOrKeep(context, 'video', args);
      case 'balance':
        return runBalance(context);
      case 'buy':
        return runBuy(context);
      case 'paysupport':
        return runPaySupport(context);
      case 'history':
        return runHistory(context);
      case 'templates':
        return runTemplates(context, args.trim());
      case 'settings':
        return runSettings(context);
      case 'models':
        return runModels(context);
      case 'link':
        return runLink(context);
      case 'privacy':
        return runPrivacy(context);
      case 'terms':
        return runTerms(context);
      case 'support':
        return runSupport(context);
      case 'mydata':
        return runMyData(context);
      case 'deleteme':
        return runDeleteMe(context);
      case 'cancel':
        return runCancelCommand(context);
      case 'appeal':
        return runAppeal(context, args);
    }
  }
  const action = request.action;
  if (!action) {
    if (request.message) return runPlainMessage(context);
    throw new AppError('unknown_command');
  }
  switch (action.name) {
    case 'accept_terms':
      return runAcceptTerms(context, action.arg);
    case 'decline_terms':
      return runDeclineForgetting(context, 'terms');
    case 'confirm_age': {
      const replies = await runConfirmAge(context, action.arg);
      const kept = await runKeptPrompt(context, action.arg).catch((error: unknown) => [
        errorReply(error, context.log, context.deps.config.supportEmail),
      ]);
      return [...replies, ...kept];
    }
    case 'deny_age':
      return runDeclineForgetting(context, 'age');
    case 'pick_template':
      return runPickTemplate(context, action.arg);
    case 'templates_page': {
      const [page = '1', ...prefix] = action.arg.split(':');
      return runTemplates(context, prefix.join(':'), Number(page) || 1);
    }
    case 'reroll':
    case 'vary':
    case 'upscale':
      return runFollowUp(context, action.name, action.arg);
    case 'cancel_job':
      return runCancel(context, action.arg);
    case 'remix':
      return runRemix(context, action.arg);
    case 'remix_job':
      return runRemixResult(context, action.arg);
    case 'remix_submit':
      return runRemixForm(context, action.arg, request.message?.text ?? '');
    case 'confirm_delete':
      return runConfirmDelete(context);
    case 'abort_delete':
      return [textReply('deleteme.aborted')];
    case 'set':
      return runSet(context, action.arg);
    case 'buy_pack':
      return runBuyPack(context, action.arg);
    case 'resend':
      return runResend(context, action.arg);
    case 'as_file':
      return runResend(context, action.arg, true);
    case 'confirm_link':
      return runConfirmLink(context, action.arg);
    case 'cancel_link':
      return runCancelLink(context, action.arg);
    case 'cancel_input':
      return runCancelInput(context);
  }
}

/** The one error boundary of chat: every failure becomes a reply. */
export function errorReply(error: unknown, log: ChatContext['log'], supportEmail: string): Reply {
  if (isAppError(error)) {
    log.info({ code: error.code }, 'command refused');
    const vars: Record<string, string | number> = { support: supportEmail, ...error.vars };
    if (
      (error.code === 'content_blocked' || error.code === 'content_blocked_suspended') &&
      typeof vars.category === 'string' &&
      !vars.category.startsWith('{')
    )
      vars.category = `{category.${vars.category}}`;
    return textReply(`errors.${error.code}`, vars, { ephemeral: true });
  }
  const ref = randomBytes(4).toString('hex');
  if (isDatabaseUnreachable(error)) {
    log.warn({ err: error, ref }, 'command failed: the database is unreachable');
    return textReply('errors.temporarily_unavailable', { ref }, { ephemeral: true });
  }
  log.error({ err: error, ref }, 'command failed');
  return textReply('errors.internal', { ref }, { ephemeral: true });
}
