import { defaultPrices } from '#core/models/list-offered-models';
import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Button, type Reply, type Text } from '#core/chat/reply';
import { readBalanceSummary } from '#core/credits/read-balance-summary';
import { findPack } from '#core/catalog/catalog';
import { planName } from '#core/catalog/plan-name';
import { AppError } from '#core/errors/app-error';
import { catalogOf, type MessageKey } from '#core/i18n/catalog';
import { buildResultReply } from '#core/generation/build-result-reply';
import { createPricingToken } from '#core/payments/stripe-pricing-link';
import { rememberChatOrigin } from '#core/payments/checkout-chat-origin';
import { getReferralSummary } from '#core/referrals/get-referral-summary';
import { inviteLinkFor } from '#core/referrals/invite-links';

const HISTORY_SIZE = 5;
const RECENT_MOVEMENTS = 5;

/** Where granted credits came from, as words (`web.grant_reason.*`): packs are `pack` or `pack:<id>`, never shown. */
function grantSourceKey(reason: string | null): MessageKey | undefined {
  if (!reason) return undefined;
  const source = reason.startsWith('pack') ? 'pack' : reason;
  const key = `web.grant_reason.${source}`;
  return Object.hasOwn(catalogOf('en'), key) ? (key as MessageKey) : undefined;
}

/** /balance: available, held, debt, next expiry, plan, the last movements (one query after the account's), and the invite link with what it earned. */
export async function runBalance(context: ChatContext): Promise<Reply[]> {
  const { deps, account, now } = context;
  const {
    balance,
    planId,
    planPeriodEnd,
    movements,
    referral: known,
  } = await readBalanceSummary(deps, account.id, now, { movements: RECENT_MOVEMENTS });
  const lines: Text[] = [{ key: 'balance.text', vars: { available: balance.available } }];
  if (balance.reserved > 0) lines.push({ key: 'balance.reserved', vars: { reserved: balance.reserved } });
  if (balance.nextExpiry)
    lines.push({
      key: 'balance.expiry',
      vars: { amount: balance.nextExpiry.amount, date: balance.nextExpiry.at.toISOString().slice(0, 10) },
    });
  if (balance.debt > 0) lines.push({ key: 'balance.debt', vars: { debt: balance.debt } });
  if (planId)
    lines.push({
      key: 'balance.plan',
      vars: { plan: planName(context.locale, planId), date: planPeriodEnd?.toISOString().slice(0, 10) ?? '-' },
    });
  if (movements.length > 0) {
    lines.push({ key: 'balance.recent' });
    for (const movement of movements) {
      const vars = {
        date: movement.at.toISOString().slice(0, 10),
        delta: movement.delta > 0 ? `+${movement.delta}` : String(movement.delta),
        reason: `{ledger.${movement.kind}}`,
      };
      const source = movement.kind === 'grant' ? grantSourceKey(movement.reason) : undefined;
      lines.push(
        source
          ? { key: 'balance.movement_source', vars: { ...vars, source: `{${source}}` } }
          : { key: 'balance.movement', vars },
      );
    }
  }
  const referral = await getReferralSummary(deps, account.id, known);
  const { inviterCredits, inviteeCredits } = referral;
  lines.push({
    key: 'referral.invite',
    vars: { link: inviteLinkFor(referral.links, context.request.actor.platform), inviterCredits, inviteeCredits },
  });
  lines.push({ key: 'referral.earned', vars: { buyers: referral.buyers, credits: referral.creditsEarned } });
  return [{ type: 'message', text: lines }];
}

/**
 * /buy: the packs with their prices (Telegram Stars), and the card checkout when Stripe is set
 * up: a signed, short-lived link that names the user, so buying from chat needs no web login.
 * The chat is remembered with the link, so a card payment made through it is announced here.
 */
export async function runBuy(context: ChatContext): Promise<Reply[]> {
  const { deps, request } = context;
  const rows: Button[][] = deps.catalog.packs.map((pack) => [
    {
      label: { key: 'buy.pack_button', vars: { credits: pack.credits, stars: pack.stars } },
      action: { name: 'buy_pack', arg: pack.id },
    },
  ]);
  if (deps.config.stripe) {
    const pricingToken = createPricingToken(deps, context.account.id);
    const origin = {
      platform: request.actor.platform,
      chatId: request.chat.id,
      chatType: request.chat.type,
      platformUserId: request.actor.platformUserId,
      locale: context.locale,
    };
    await rememberChatOrigin(deps, { pricingToken, userId: context.account.id, origin });
    rows.push([{ label: { key: 'buy.web_button' }, url: `${deps.config.publicUrl}/pricing?t=${pricingToken}` }]);
  }
  if (context.request.actor.platform !== 'telegram') {
    if (!deps.config.stripe) return [textReply('buy.unavailable', { support: deps.config.supportEmail })];
    return [textReply('buy.choose', { days: deps.catalog.packCreditsValidDays ?? 0 }, { buttons: rows.slice(-1) })];
  }
  return [textReply('buy.choose', { days: deps.catalog.packCreditsValidDays ?? 0 }, { buttons: rows })];
}

/** A pack chosen: a Telegram Stars invoice. The payload names the pack and the account. */
export function runBuyPack(context: ChatContext, packId: string): Reply[] {
  const pack = findPack(context.deps.catalog, packId);
  if (!pack) throw new AppError('unknown_product');
  if (context.request.actor.platform !== 'telegram') throw new AppError('payments_unavailable');
  return [
    {
      type: 'invoice',
      packId: pack.id,
      title: { key: 'buy.invoice_title', vars: { credits: pack.credits } },
      description: {
        key: 'buy.invoice_description',
        vars: { credits: pack.credits, imageCost: defaultPrices(context.deps).imageCost },
      },
      stars: pack.stars,
      payload: `pack:${pack.id}:${context.account.id}`,
    },
  ];
}

/** /paysupport: how to get help with a payment (Telegram requires this command). */
export function runPaySupport(context: ChatContext): Reply[] {
  return [textReply('paysupport.text', { support: context.deps.config.supportEmail })];
}

/** /history: the last creations with their status and cost, and buttons to re-send results. */
export async function runHistory(context: ChatContext): Promise<Reply[]> {
  const rows = await context.deps.prisma.generation.findMany({
    where: { userId: context.account.id },
    orderBy: { createdAt: 'desc' },
    take: HISTORY_SIZE,
  });
  if (rows.length === 0) return [textReply('history.empty')];
  const lines = rows.map((row) => ({
    date: row.createdAt.toISOString().slice(0, 16).replace('T', ' '),
    kind: `{kind.${row.kind}}`,
    status: `{status.${row.status}}`,
    cost: row.cost,
    model: row.model ?? '—',
    prompt: truncate((row.options as { subject?: string } | null)?.subject ?? row.prompt ?? '—', 60),
  }));
  const buttons: Button[][] = rows
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => row.status === 'succeeded')
    .map(({ row, index }) => [
      {
        label: { key: 'history.resend_button' as const, vars: { index: index + 1 } },
        action: { name: 'resend' as const, arg: row.id },
      },
    ]);
  const text = [
    { key: 'history.header' as const },
    ...lines.map((vars) => ({ key: 'history.line_model' as const, vars })),
  ];
  return [{ type: 'message', text, ...(buttons.length > 0 ? { buttons } : {}) }];
}

/** Re-send a stored result (from /history). */
export async function runResend(context: ChatContext, generationId: string, asFile = false): Promise<Reply[]> {
  const generation = /^[0-9a-f-]{36}$/.test(generationId)
    ? await context.deps.prisma.generation.findUnique({
        where: { id: generationId },
        include: { media: { where: { role: 'output' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
      })
    : null;
  if (!generation || generation.media.length === 0) throw new AppError('job_not_found');
  if (generation.userId !== context.account.id) throw new AppError('not_job_owner');
  const reply = buildResultReply(context.deps, {
    generationId: generation.id,
    kind: generation.kind,
    prompt: (generation.options as { subject?: string }).subject ?? generation.prompt ?? '',
    provider: generation.provider,
    model: generation.model,
    assets: generation.media,
    operation: (generation.options as { operation?: string }).operation,
  });
  return [reply.type === 'media' ? { ...reply, asFile } : reply];
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
