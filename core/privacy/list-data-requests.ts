import type { CoreDeps } from '#core/core-deps';
import type { DataRequestKind, DataRequestStatus } from '#core/infra/db/generated/enums';

/** One recorded data-subject request as the privacy page lists it. */
export type DataRequestLine = {
  id: string;
  kind: DataRequestKind;
  status: DataRequestStatus;
  channel: string;
  outcome: string | null;
  createdAt: Date;
  verifiedAt: Date | null;
  completedAt: Date | null;
};

/** The account's data requests, newest first, with their timestamps and outcomes. */
export async function listDataRequests(deps: Pick<CoreDeps, 'prisma'>, userId: string): Promise<DataRequestLine[]> {
  return deps.prisma.dataSubjectRequest.findMany({
    where: { userId },
    orderBy: { createdAt: 'desc' },
    take: 50,
    select: {
      id: true,
      kind: true,
      status: true,
      channel: true,
      outcome: true,
      createdAt: true,
      verifiedAt: true,
      completedAt: true,
    },
  });
}
