import { createHash } from 'node:crypto';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import type { DataRequestKind } from '#core/infra/db/generated/enums';
import { EmailSchema, parseField } from '#core/accounts/account-input';
import { issueOneTimeToken } from '#core/accounts/one-time-token';
import type { RequestOrigin } from '#core/accounts/record-security-event';
import { sendAccountMail } from '#core/accounts/send-account-mail';
import { MAIL_RULES, takeAttempts } from '#core/accounts/throttle';

/** How long the verification link of an emailed data request works. */
export const DATA_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

/** The requests a person without access can file by email. */
export const EMAIL_REQUEST_KINDS = [
  'export',
  'rectify',
  'erase',
  'restrict',
  'object',
] as const satisfies readonly DataRequestKind[];
/** One of {@link EMAIL_REQUEST_KINDS}. */
export type EmailRequestKind = (typeof EMAIL_REQUEST_KINDS)[number];

/**
 * A data-subject request from someone who cannot sign in: recorded at once (`pending_verification`,
 * with the address and any message), and a single-use link (24 hours) goes to that address.
 * Nothing is released or changed until the link is opened. The page answers the same whether or
 * not the address has an account. Throttled per address and IP.
 */
export async function fileDataRequest(
  deps: CoreDeps,
  input: { email: string; kind: string; message: string; locale: string; origin: RequestOrigin },
): Promise<void> {
  const email = parseField(EmailSchema, input.email, 'email');
  if (!(EMAIL_REQUEST_KINDS as readonly string[]).includes(input.kind))
    throw new AppError('invalid_input', { vars: { field: 'kind' } });
  const kind = input.kind as EmailRequestKind;
  await takeAttempts(deps, [
    {
      key: `mail:address:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`,
      rule: MAIL_RULES.perAddress,
    },
    { key: `mail:ip:${input.origin.ip ?? 'unknown'}`, rule: MAIL_RULES.perIp },
  ]);
  const user = await deps.prisma.user.findUnique({ where: { email }, select: { id: true, locale: true } });
  const now = deps.clock.now();
  const request = await deps.prisma.dataSubjectRequest.create({
    data: {
      userId: user?.id ?? null,
      email,
      kind,
      status: 'pending_verification',
      channel: 'email',
      details: { message: input.message.slice(0, 2000) },
    },
    select: { id: true },
  });
  const token = await issueOneTimeToken(deps.prisma, {
    kind: 'data_request',
    userId: user?.id ?? null,
    payload: { requestId: request.id },
    now,
    ttlMs: DATA_REQUEST_TTL_MS,
  });
  await sendAccountMail(deps, {
    to: email,
    // The account's language; the page's when the address has no account.
    locale: user?.locale ?? input.locale,
    kind: 'data_request',
    url: `${deps.config.publicUrl}/privacy/request/${token}`,
    vars: { kind: `{web.dsr.kind.${kind}}` },
  });
}
