import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';

/** One open report as the admin area shows it. */
export type ShareReportLine = {
  id: string;
  reason: string;
  at: Date;
  generationId: string;
  ownerId: string;
  /** The reported page's slug while it is still published; null once it was taken down. */
  publishedSlug: string | null;
};

/** What an admin does with a report: take the page down, or leave it up. */
export type ShareReportDecision = 'unpublish' | 'dismiss';

/**
 * The open reports of published pages, oldest first (at most `limit`, default 50), audited as
 * `admin.view_share_reports`.
 */
export async function listShareReports(
  deps: Pick<CoreDeps, 'prisma'>,
  input: { actor: string; limit?: number },
): Promise<ShareReportLine[]> {
  const reports = await deps.prisma.shareReport.findMany({
    where: { status: 'open' },
    orderBy: { createdAt: 'asc' },
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
    include: { generation: { select: { userId: true, shareSlug: true, publishedAt: true } } },
  });
  await deps.prisma.auditLog.create({
    data: { actor: input.actor, action: 'admin.view_share_reports', details: { count: reports.length } },
  });
  return reports.map((report) => ({
    id: report.id,
    reason: report.reason,
    at: report.createdAt,
    generationId: report.generationId,
    ownerId: report.generation.userId,
    publishedSlug: report.generation.publishedAt ? report.generation.shareSlug : null,
  }));
}

/** The report an admin is about to decide, for the confirmation page; undefined when it is not open. */
export async function describeShareReport(
  deps: Pick<CoreDeps, 'prisma'>,
  reportId: string,
): Promise<ShareReportLine | undefined> {
  const report = await deps.prisma.shareReport.findFirst({
    where: { id: reportId, status: 'open' },
    include: { generation: { select: { userId: true, shareSlug: true, publishedAt: true } } },
  });
  if (!report) return undefined;
  return {
    id: report.id,
    reason: report.reason,
    at: report.createdAt,
    generationId: report.generationId,
    ownerId: report.generation.userId,
    publishedSlug: report.generation.publishedAt ? report.generation.shareSlug : null,
  };
}

/**
 * Decides an open report, once: `unpublish` takes the page down (the owner can see it is no
 * longer published in the gallery) and closes every open report of that creation; `dismiss`
 * closes this one. Audited as `share_report.unpublish` or `share_report.dismiss` with the
 * owner as target. A decided or unknown report is `not_found`.
 */
export async function decideShareReport(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { reportId: string; decision: ShareReportDecision; actor: string },
): Promise<void> {
  const now = deps.clock.now();
  const done = await deps.prisma.$transaction(async (tx) => {
    const report = await tx.shareReport.findFirst({
      where: { id: input.reportId, status: 'open' },
      include: { generation: { select: { id: true, userId: true } } },
    });
    if (!report) return false;
    const resolved = { resolvedAt: now, resolvedBy: input.actor };
    if (input.decision === 'unpublish') {
      await tx.generation.update({ where: { id: report.generationId }, data: { publishedAt: null } });
      await tx.shareReport.updateMany({
        where: { generationId: report.generationId, status: 'open' },
        data: { status: 'unpublished', ...resolved },
      });
    } else {
      const claimed = await tx.shareReport.updateMany({
        where: { id: report.id, status: 'open' },
        data: { status: 'dismissed', ...resolved },
      });
      if (claimed.count === 0) return false;
    }
    await tx.auditLog.create({
      data: {
        actor: input.actor,
        action: `share_report.${input.decision}`,
        targetUserId: report.generation.userId,
        details: { reportId: report.id, generationId: report.generationId },
      },
    });
    return true;
  });
  if (!done) throw new AppError('not_found', { message: `no open report ${input.reportId}` });
}
