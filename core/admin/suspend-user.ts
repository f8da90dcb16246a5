import { auditAdminAction, type AdminActor, type AdminDeps } from '#core/admin/admin-deps';
import { resolveUser, type AdminUser, type UserRef } from '#core/admin/find-user';
import { AppError } from '#core/errors/app-error';
import { liftSuspension, suspendAccount } from '#core/moderation/suspend-account';

/** The longest timed suspension the CLI sets (ten years); longer means "until lifted": omit --hours. */
export const MAX_SUSPENSION_HOURS = 24 * 3650;

/**
 * `suspend`: stops an account from generating for `hours` (or until lifted when omitted), with
 * the reason shown to the user, audited as `account.suspend` (category `admin`). A new
 * suspension replaces the end of the current one. Refuses a deleted or merged account.
 */
export async function suspendUser(
  deps: AdminDeps,
  input: { ref: UserRef; hours: number | undefined; reason: string; actor: AdminActor },
): Promise<{ user: AdminUser; until: Date | null }> {
  if (
    input.hours !== undefined &&
    (!Number.isSafeInteger(input.hours) || input.hours <= 0 || input.hours > MAX_SUSPENSION_HOURS)
  ) {
    throw new AppError('invalid_input', { message: `hours must be a whole number from 1 to ${MAX_SUSPENSION_HOURS}` });
  }
  const user = await resolveUser(deps, input.ref);
  if (user.status === 'deleted') throw new AppError('conflict', { message: `account ${user.id} is deleted` });
  if (user.mergedIntoId)
    throw new AppError('conflict', {
      message: `account ${user.id} was merged into ${user.mergedIntoId}; suspend that account instead`,
    });
  const until = input.hours === undefined ? null : new Date(deps.clock.now().getTime() + input.hours * 3_600_000);
  await suspendAccount(deps, { userId: user.id, reason: input.reason, category: 'admin', until, actor: input.actor });
  return { user: await resolveUser(deps, { kind: 'id', id: user.id }), until };
}

/**
 * `unsuspend`: lifts every open suspension of an account, audited as `account.unsuspend`.
 * Refuses (changing nothing) an account that is not suspended, so a deleted account is never
 * turned active again.
 */
export async function unsuspendUser(
  deps: AdminDeps,
  input: { ref: UserRef; actor: AdminActor },
): Promise<{ user: AdminUser }> {
  const user = await resolveUser(deps, input.ref);
  if (user.status !== 'suspended')
    throw new AppError('conflict', { message: `account ${user.id} is ${user.status}, not suspended; nothing changed` });
  await liftSuspension(deps, { userId: user.id, actor: input.actor });
  return { user: await resolveUser(deps, { kind: 'id', id: user.id }) };
}

/** One moderation decision about a user's prompt or a provider's refusal. */
export type AdminModerationEvent = {
  id: string;
  at: Date;
  stage: string;
  verdict: string;
  categories: string[];
  isSevere: boolean;
  generationId: string | null;
  prompt: string | null;
};

/** One suspension of a user, open or lifted. */
export type AdminSuspension = {
  id: string;
  reason: string;
  category: string | null;
  startsAt: Date;
  endsAt: Date | null;
  liftedAt: Date | null;
  liftedBy: string | null;
};

/**
 * `moderation`: a user's last `limit` moderation events (default 20, at most 200) and every
 * suspension, newest first, audited as a look-up. Prompts are shown as stored (they are kept
 * only for RETENTION_PROMPT_DAYS).
 */
export async function viewModeration(
  deps: AdminDeps,
  input: { ref: UserRef; limit?: number; actor: AdminActor },
): Promise<{ user: AdminUser; events: AdminModerationEvent[]; suspensions: AdminSuspension[] }> {
  const user = await resolveUser(deps, input.ref);
  const [events, suspensions] = await Promise.all([
    deps.prisma.moderationEvent.findMany({
      where: { userId: user.id },
      orderBy: { createdAt: 'desc' },
      take: Math.min(Math.max(input.limit ?? 20, 1), 200),
    }),
    deps.prisma.suspension.findMany({ where: { userId: user.id }, orderBy: { startsAt: 'desc' } }),
  ]);
  await auditAdminAction(deps.prisma, {
    actor: input.actor,
    action: 'admin.view_moderation',
    targetUserId: user.id,
    details: { events: events.length },
  });
  return {
    user,
    events: events.map((event) => ({
      id: event.id,
      at: event.createdAt,
      stage: event.stage,
      verdict: event.verdict,
      categories: event.categories,
      isSevere: event.isSevere,
      generationId: event.generationId,
      prompt: event.prompt,
    })),
    suspensions: suspensions.map((suspension) => ({
      id: suspension.id,
      reason: suspension.reason,
      category: suspension.category,
      startsAt: suspension.startsAt,
      endsAt: suspension.endsAt,
      liftedAt: suspension.liftedAt,
      liftedBy: suspension.liftedBy,
    })),
  };
}
