import { Readable } from 'node:stream';
import type { CoreDeps } from '#core/core-deps';
import { productName } from '#core/catalog/product-name';
import { translate, type MessageKey } from '#core/i18n/catalog';
import { formatPaidAmount } from '#core/i18n/format';
import { normalizeLocale, type Locale } from '#core/i18n/locales';
import { extensionForMime } from '#core/infra/media/media-store';
import { exportUserData } from '#core/privacy/export-user-data';

/** A ZIP being written: stream it to the person it belongs to. */
export type ExportArchive = { filename: string; stream: NodeJS.ReadableStream };

/**
 * The complete data export as a ZIP (GDPR access and portability): `data.json` (everything
 * stored about the account, machine-readable) and every stored image and video under `media/`,
 * named by asset id (the ids `data.json` uses). Files are streamed into the archive one at a
 * time, so a large library does not sit in memory. `README.txt`, in the account's language, says
 * what the files hold and lists the payments in words (never by catalog id). Completes data
 * request `requestId` when given (else records a new one).
 */
export async function buildExportArchive(
  deps: Pick<CoreDeps, 'prisma' | 'clock' | 'media' | 'logger' | 'catalog'>,
  input: { userId: string; channel: string; requestId?: string },
): Promise<ExportArchive> {
  const data = await exportUserData(
    deps,
    input.userId,
    input.channel,
    input.requestId ? { requestId: input.requestId } : {},
  );
  const assets = await deps.prisma.mediaAsset.findMany({
    where: { userId: input.userId },
    orderBy: { createdAt: 'asc' },
    select: { id: true, storageKey: true, mime: true, createdAt: true },
  });
  const payments = await deps.prisma.payment.findMany({
    where: { userId: input.userId },
    orderBy: { createdAt: 'asc' },
    select: {
      provider: true,
      amount: true,
      currency: true,
      credits: true,
      productId: true,
      status: true,
      createdAt: true,
    },
  });
  // yazl is loaded with the first export: most processes never build one.
  const { default: yazl } = await import('yazl');
  const zip = new yazl.ZipFile();
  const now = deps.clock.now();
  zip.addBuffer(Buffer.from(JSON.stringify(data, null, 2)), 'data.json', { mtime: now });
  const missing: string[] = [];
  // The file being read when the download is abandoned: closed with the archive, or its source
  // (an S3 response) would stay open, paused, for the life of the process.
  const reading = new Set<NodeJS.ReadableStream>();
  for (const asset of assets) {
    if (!(await deps.media.exists(asset.storageKey))) {
      missing.push(asset.id);
      continue;
    }
    zip.addReadStreamLazy(
      `media/${asset.id}.${extensionForMime(asset.mime)}`,
      { mtime: asset.createdAt, compress: false },
      (callback) => {
        deps.media.createReadStream(asset.storageKey).then(
          (stream) => {
            if (stream) {
              reading.add(stream);
              stream.once('close', () => reading.delete(stream));
            }
            callback(stream ? null : new Error('media file vanished'), stream ?? Readable.from([]));
          },
          (error: unknown) => callback(error, Readable.from([])),
        );
      },
    );
  }
  const readme = readmeOf(deps, {
    locale: normalizeLocale((data as { account?: { locale?: string } }).account?.locale),
    now,
    missing,
    payments,
  });
  zip.addBuffer(Buffer.from(`${readme}\n`), 'README.txt', { mtime: now });
  zip.end();
  zip.outputStream.on('error', (error: unknown) => deps.logger.error({ err: error }, 'export archive failed'));
  zip.outputStream.once('close', () => {
    for (const stream of reading) (stream as Readable).destroy();
  });
  return { filename: `my-data-${now.toISOString().slice(0, 10)}.zip`, stream: zip.outputStream };
}

/** The archive's `README.txt`: what each file holds, and the payments in words. */
function readmeOf(
  deps: Pick<CoreDeps, 'catalog'>,
  input: {
    locale: Locale;
    now: Date;
    missing: string[];
    payments: {
      provider: string;
      amount: number;
      currency: string;
      credits: number;
      productId: string | null;
      status: string;
      createdAt: Date;
    }[];
  },
): string {
  const { locale } = input;
  const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(locale, key, vars);
  return [
    t('export.readme.title'),
    t('export.readme.made', { date: input.now.toISOString() }),
    t('export.readme.data_json'),
    t('export.readme.media'),
    ...(input.missing.length > 0 ? [t('export.readme.missing', { ids: input.missing.join(', ') })] : []),
    ...(input.payments.length > 0
      ? [
          '',
          t('export.readme.payments'),
          ...input.payments.map((payment) =>
            t('export.readme.payment', {
              date: payment.createdAt.toISOString().slice(0, 10),
              product: productName(locale, deps.catalog, payment),
              amount: formatPaidAmount(locale, payment),
              credits: payment.credits,
              status: `{web.payment_status.${payment.status}}`,
            }),
          ),
        ]
      : []),
  ].join('\n');
}
