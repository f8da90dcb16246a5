import type { AdminGrantResult, AdminRevokeResult } from '#core/admin/change-credits';
import type { AdminStats, PeriodStats } from '#core/admin/compute-stats';
import type { AdminUser } from '#core/admin/find-user';
import type { AdminRefundResult } from '#core/admin/refund-payment';
import type { AdminModerationEvent, AdminSuspension } from '#core/admin/suspend-user';
import type { AdminLedgerLine } from '#core/admin/view-credits';
import type { Balance } from '#core/credits/get-balance';
import type { StarsReconcileReport } from '#core/payments/reconcile-stars-payments';

/** Machine output: the result as indented JSON (dates ISO 8601, big integers as strings). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`;
}

/** `find-user` for people. */
export function formatUser(user: AdminUser): string {
  const status =
    user.status === 'suspended'
      ? `suspended (${user.suspendedReason ?? 'no reason'}; ${user.suspendedUntil ? `until ${iso(user.suspendedUntil)}` : 'until lifted'})`
      : user.status;
  return rows([
    ['user', user.id],
    ['email', user.email ?? '-'],
    ['name', user.displayName ?? '-'],
    ['role', user.role],
    ['status', status],
    ['debt', String(user.creditDebt)],
    ['locale', user.locale],
    ['created', iso(user.createdAt)],
    ...(user.deletedAt ? [['deleted', iso(user.deletedAt)] as [string, string]] : []),
    ...(user.mergedIntoId ? [['merged into', user.mergedIntoId] as [string, string]] : []),
    [
      'identities',
      user.identities
        .map(
          (identity) =>
            `${identity.provider}:${identity.subject}${identity.username ? ` (@${identity.username})` : ''}`,
        )
        .join(', ') || '-',
    ],
  ]);
}

/** `balance` for people. */
export function formatBalance(user: AdminUser, balance: Balance): string {
  return rows([
    ['user', user.id],
    ['available', String(balance.available)],
    ['reserved', String(balance.reserved)],
    ['debt', String(balance.debt)],
    ['next expiry', balance.nextExpiry ? `${balance.nextExpiry.amount} on ${iso(balance.nextExpiry.at)}` : '-'],
  ]);
}

/** `ledger` for people: newest first. */
export function formatLedger(user: AdminUser, lines: AdminLedgerLine[]): string {
  if (lines.length === 0) return `No credit movements for ${user.id}.\n`;
  return `Ledger of ${user.id}, newest first:\n${table(
    ['id', 'at', 'kind', 'delta', 'debt', 'reason', 'actor'],
    lines.map((line) => [
      line.id,
      iso(line.at),
      line.kind,
      signed(line.delta),
      line.debtDelta === 0 ? '' : signed(line.debtDelta),
      line.reason ?? '',
      line.actor ?? '',
    ]),
  )}`;
}

/** `grant` for people. */
export function formatGrant(result: AdminGrantResult, amount: number): string {
  const head = result.applied
    ? `Granted ${amount} credits to ${result.user.id}${result.debtSettled > 0 ? ` (${result.debtSettled} of them settled a debt)` : ''}.`
    : `Nothing changed: key ${result.key} was already used for a grant.`;
  return `${head}\nkey: ${result.key}\n${balanceLine(result.balance)}`;
}

/** `revoke` for people. */
export function formatRevoke(result: AdminRevokeResult, amount: number): string {
  const head = result.applied
    ? `Took back ${amount} credits from ${result.user.id}: ${result.taken} from the balance, ${result.owed} owed as debt.`
    : `Nothing changed: key ${result.key} was already used for a revocation.`;
  return `${head}\nkey: ${result.key}\n${balanceLine(result.balance)}`;
}

/** `refund-payment` for people. */
export function formatRefund(result: AdminRefundResult): string {
  const payment = `payment ${result.paymentId} (${result.provider} ${result.externalId})`;
  switch (result.outcome) {
    case 'already_refunded':
      return `Nothing changed: ${payment} was already refunded.\n`;
    case 'refunded':
      return `Refunded ${payment}; its ${result.credits} credits were taken back${result.userId ? ` from ${result.userId}` : ''} (a debt where they were spent).\n`;
    case 'requested':
      return `Stripe accepted refund ${result.stripeRefundId ?? ''} for ${payment}. Its ${result.credits} credits are taken back when Stripe's charge.refunded webhook is processed.\n`;
  }
}

/** `suspend` / `unsuspend` for people. */
export function formatSuspension(user: AdminUser, change: { suspendedUntil: Date | null } | 'lifted'): string {
  if (change === 'lifted') return `Lifted every suspension of ${user.id}; it is ${user.status} again.\n`;
  return `Suspended ${user.id} ${change.suspendedUntil ? `until ${iso(change.suspendedUntil)}` : 'until lifted'}: ${user.suspendedReason ?? ''}\n`;
}

/** `moderation` for people. */
export function formatModeration(
  user: AdminUser,
  events: AdminModerationEvent[],
  suspensions: AdminSuspension[],
): string {
  const eventText =
    events.length === 0
      ? 'No moderation events.\n'
      : `Moderation events, newest first:\n${table(
          ['at', 'stage', 'verdict', 'categories', 'severe', 'prompt'],
          events.map((event) => [
            iso(event.at),
            event.stage,
            event.verdict,
            event.categories.join(',') || '-',
            event.isSevere ? 'yes' : '',
            clip(event.prompt ?? '', 60),
          ]),
        )}`;
  const suspensionText =
    suspensions.length === 0
      ? 'No suspensions.\n'
      : `Suspensions, newest first:\n${table(
          ['from', 'until', 'lifted', 'category', 'reason'],
          suspensions.map((suspension) => [
            iso(suspension.startsAt),
            suspension.endsAt ? iso(suspension.endsAt) : 'until lifted',
            suspension.liftedAt ? `${iso(suspension.liftedAt)} by ${suspension.liftedBy ?? '?'}` : '',
            suspension.category ?? '',
            suspension.reason,
          ]),
        )}`;
  return `User ${user.id} (${user.status})\n${eventText}${suspensionText}`;
}

/** `stats` for people: one column per period. */
export function formatStats(stats: AdminStats): string {
  const pair = (pick: (period: PeriodStats) => number | string): [string, string] => [
    String(pick(stats.last24h)),
    String(pick(stats.allTime)),
  ];
  const providers = [
    ...new Set([...Object.keys(stats.last24h.payments), ...Object.keys(stats.allTime.payments)]),
  ].sort();
  const body: string[][] = [
    ['users (new)', ...pair((p) => p.users.active + p.users.suspended + p.users.deleted)],
    ...(['active', 'suspended', 'deleted'] as const).map((status) => [`  ${status}`, ...pair((p) => p.users[status])]),
    ['generations', ...pair((p) => Object.values(p.generations).reduce((sum, count) => sum + count, 0))],
    ...(['queued', 'running', 'uploading', 'succeeded', 'failed', 'cancelled', 'blocked'] as const).map((status) => [
      `  ${status}`,
      ...pair((p) => p.generations[status]),
    ]),
    ['credits sold', ...pair((p) => p.creditsSold)],
    ['credits spent', ...pair((p) => p.creditsSpent)],
    ['credits clawed back', ...pair((p) => p.creditsClawedBack)],
    ...providers.map((provider) => [`payments ${provider}`, ...pair((p) => p.payments[provider] ?? 0)]),
  ];
  return `Stats at ${iso(stats.at)}\n${table(['', 'last 24 h', 'all time'], body)}`;
}

/** `stars-reconcile` for people: the counts, then each payment applied, held or failed. */
export function formatStarsReconcile(report: StarsReconcileReport): string {
  const summary = rows([
    ['transactions read', String(report.scanned)],
    ['stars payments', String(report.payments)],
    ['already applied', String(report.alreadyApplied)],
    ['applied now', String(report.applied.length)],
    ['held for review', String(report.held.length)],
    ['held before', String(report.alreadyHeld)],
    ['refunded, not applied', String(report.refunded)],
    ['failed', String(report.failed.length)],
  ]);
  const lines = [
    ...report.applied.map(
      (entry) => `applied ${entry.chargeId} (telegram:${entry.platformUserId}, ${entry.amount} stars)`,
    ),
    ...report.held.map(
      (entry) =>
        `held    ${entry.chargeId} (telegram:${entry.platformUserId}, ${entry.amount} stars): not the pack price, see the admin area`,
    ),
    ...report.failed.map((entry) => `failed  ${entry.chargeId}: ${entry.reason}`),
  ];
  return `${summary}${lines.map((line) => `${line}\n`).join('')}`;
}

function balanceLine(balance: Balance): string {
  return `balance: ${balance.available} available, ${balance.reserved} reserved, ${balance.debt} owed\n`;
}

function rows(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return `${pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}

function table(head: string[], body: string[][]): string {
  const widths = head.map((title, index) => Math.max(title.length, ...body.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(head), ...body.map(line)].join('\n')}\n`;
}

function iso(date: Date): string {
  return date.toISOString();
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
