import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';
import { takeAttempts } from '#core/accounts/throttle';
import { buildExportArchive, type ExportArchive } from '#core/privacy/build-export-archive';

/** How long the download of a requested export stays available. */
export const EXPORT_DOWNLOAD_WINDOW_MS = 60 * 60 * 1000;

/**
 * Records an access/portability request from the signed-in account page and returns its id; the
 * archive is built when that id's download is opened. At most 10 per hour per account.
 */
export async function requestDataExport(
  deps: CoreDeps,
  input: { userId: string; origin: RequestOrigin },
): Promise<string> {
  await takeAttempts(deps, [{ key: `export:${input.userId}`, rule: { points: 10, perMs: 60 * 60_000 } }]);
  const request = await deps.prisma.dataSubjectRequest.create({
    data: { userId: input.userId, kind: 'export', status: 'open', channel: 'web' },
    select: { id: true },
  });
  await recordSecurityEvent(deps.prisma, { userId: input.userId, kind: 'privacy.export', origin: input.origin });
  return request.id;
}

/**
 * The archive of the account's own export request, within an hour of asking. Another account's
 * request, an unknown id or an old one are all `not_found`.
 */
export async function openDataExport(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'media' | 'logger' | 'catalog'>,
  input: { userId: string; requestId: string },
): Promise<ExportArchive> {
  if (!/^[0-9a-f-]{36}$/.test(input.requestId)) throw new AppError('not_found');
  const request = await deps.prisma.dataSubjectRequest.findFirst({
    where: { id: input.requestId, userId: input.userId, kind: 'export' },
  });
  if (!request || request.createdAt.getTime() < deps.clock.now().getTime() - EXPORT_DOWNLOAD_WINDOW_MS)
    throw new AppError('not_found');
  return buildExportArchive(deps, { userId: input.userId, channel: 'web', requestId: request.id });
}
