import { defaultPrices } from '#core/models/list-offered-models';
import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { grantSignupBonusLocked } from '#core/credits/grant-signup-bonus';
import { withAccountLock } from '#core/credits/ledger-transaction';
import { getBalance } from '#core/credits/get-balance';
import { MINIMUM_AGE, TERMS_VERSION } from '#core/legal/terms-version';
import { formatUtc } from '#core/moderation/suspension-notice';
import { applyReferralCode } from '#core/referrals/apply-referral-code';
import { START_PAYLOAD_PREFIX } from '#core/referrals/referral-code';
import { isRemixPayload, runRemixStart } from '#core/chat/commands/remix';

/** Whether the account has accepted the current terms and confirmed its age. */
export function hasAcceptedTerms(context: ChatContext): boolean {
  const { account } = context;
  return account.termsAcceptedAt !== null && account.ageConfirmedAt !== null && account.termsVersion === TERMS_VERSION;
}

/** The terms prompt with accept/decline buttons, shown before the first generation. */
export function termsPrompt(context: ChatContext): Reply {
  const base = context.deps.config.publicUrl;
  return textReply(
    'terms.prompt',
    { termsUrl: `${base}/terms`, privacyUrl: `${base}/privacy` },
    {
      buttons: [
        [
          { label: { key: 'terms.accept_button' }, action: { name: 'accept_terms', arg: TERMS_VERSION } },
          { label: { key: 'terms.decline_button' }, action: { name: 'decline_terms', arg: '' } },
        ],
      ],
    },
  );
}

/**
 * /start: welcome, and the terms for someone who has not accepted them yet. A deep-link payload
 * `ref_<code>` (`https://t.me/<bot>?start=ref_<code>`) first records the invitation
 * (`applyReferralCode`) and says what became of it; `r_<slug>` (a share page's link) first
 * offers the shared prompt (`runRemixStart`); the rest of /start runs as always.
 */
export async function runStart(context: ChatContext, payload = ''): Promise<Reply[]> {
  const invitation = isRemixPayload(payload.trim())
    ? await runRemixStart(context, payload.trim())
    : await referralNote(context, payload.trim());
  if (!hasAcceptedTerms(context)) {
    return [
      ...invitation,
      textReply('start.welcome', { credits: context.deps.config.signupCredits }),
      termsPrompt(context),
    ];
  }
  const balance = await getBalance(context.deps.prisma, context.account.id, context.now);
  return [...invitation, textReply('start.welcome_back', { balance: balance.available })];
}

/** The note about an invite code in a /start payload; none for any other payload. */
async function referralNote(context: ChatContext, payload: string): Promise<Reply[]> {
  if (!payload.toLowerCase().startsWith(START_PAYLOAD_PREFIX)) return [];
  // Invite links open a private chat; a code typed in a group is someone else's message to read.
  if (context.request.chat.type !== 'private') return [];
  const { deps, account } = context;
  const outcome = await applyReferralCode(deps, {
    userId: account.id,
    code: payload.slice(START_PAYLOAD_PREFIX.length),
  });
  return [
    textReply(`referral.${outcome}`, {
      inviteeCredits: deps.catalog.referral.inviteeCredits,
      inviterCredits: deps.catalog.referral.inviterCredits,
    }),
  ];
}

/** /help: commands and prices. */
export function runHelp(context: ChatContext): Reply[] {
  return [textReply('help.text', defaultPrices(context.deps))];
}

/**
 * What an old consent button (terms or age) answers once the current terms are accepted: the
 * state as it is, with its dates; nothing is changed or granted again.
 */
function alreadyAccepted(context: ChatContext): Reply {
  const { account } = context;
  return textReply('terms.already_accepted', {
    date: formatUtc(account.termsAcceptedAt ?? context.now),
    ageDate: formatUtc(account.ageConfirmedAt ?? context.now),
    age: MINIMUM_AGE,
  });
}

/**
 * Accept button: nothing is stored yet; the age question follows. A button from terms older than
 * the current ones shows the current terms again: nobody accepts a text they were not shown.
 */
export function runAcceptTerms(context: ChatContext, shownVersion: string): Reply[] {
  if (hasAcceptedTerms(context)) return [alreadyAccepted(context)];
  if (shownVersion !== TERMS_VERSION) return [termsPrompt(context)];
  return [
    textReply(
      'terms.age_prompt',
      { age: MINIMUM_AGE },
      {
        buttons: [
          [
            {
              label: { key: 'terms.age_confirm_button', vars: { age: MINIMUM_AGE } },
              action: { name: 'confirm_age', arg: TERMS_VERSION },
            },
            { label: { key: 'terms.age_deny_button' }, action: { name: 'deny_age', arg: '' } },
          ],
        ],
      },
    ),
  ];
}

/**
 * Age confirmed: records acceptance of the terms version shown and the age confirmation, and
 * grants the signup credits once per person (`grantSignupBonusLocked`: a second press, or a new
 * account on an identity that had them, grants nothing).
 */
export async function runConfirmAge(context: ChatContext, shownVersion: string): Promise<Reply[]> {
  if (hasAcceptedTerms(context)) return [alreadyAccepted(context)];
  if (shownVersion !== TERMS_VERSION) return [termsPrompt(context)];
  const { deps, account, now } = context;
  const granted = await withAccountLock(deps.prisma, account.id, async (tx) => {
    await tx.user.update({
      where: { id: account.id },
      data: { termsAcceptedAt: now, termsVersion: TERMS_VERSION, ageConfirmedAt: now },
    });
    return grantSignupBonusLocked(tx, deps.config, account.id);
  });
  return [granted > 0 ? textReply('terms.accepted', { credits: granted }) : textReply('terms.accepted_no_bonus')];
}

/**
 * Declined terms or under age. Answers from the account as it is: an account that already
 * accepted the current terms is told so (an old button); one that holds credits or history is
 * told that they are kept (and how to erase them); only an account with nothing is told that
 * nothing beyond its chat id is kept.
 */
export async function runDecline(context: ChatContext, reason: 'terms' | 'age'): Promise<Reply[]> {
  if (hasAcceptedTerms(context)) return [alreadyAccepted(context)];
  const { deps, account } = context;
  const [balance, entries, generations] = await Promise.all([
    getBalance(deps.prisma, account.id, context.now),
    deps.prisma.creditLedgerEntry.count({ where: { userId: account.id } }),
    deps.prisma.generation.count({ where: { userId: account.id } }),
  ]);
  const hasData = account.termsAcceptedAt !== null || entries > 0 || generations > 0;
  if (hasData)
    return [
      textReply(reason === 'age' ? 'terms.age_denied_kept' : 'terms.declined_kept', {
        age: MINIMUM_AGE,
        balance: balance.available,
      }),
    ];
  return reason === 'age' ? [textReply('terms.age_denied', { age: MINIMUM_AGE })] : [textReply('terms.declined')];
}
