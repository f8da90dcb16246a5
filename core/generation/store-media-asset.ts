import type { CoreDeps } from '#core/core-deps';
import type { MediaFile } from '#core/providers/ports';

/** The row fields besides what the store reports (key, mime, size, sha256). */
type AssetFields = {
  userId: string;
  generationId?: string;
  role: 'input' | 'output' | 'thumbnail';
  width?: number | null;
  height?: number | null;
  /** The seed the provider made an output with, when it says. */
  seed?: number | null;
  /** For a thumbnail: the asset it is a small copy of. */
  thumbnailOfId?: string;
  /** For a thumbnail: its original's, so retention removes both in the same run. */
  createdAt?: Date;
};

/**
 * Stores `file` in the media store and records it in `media_assets`. When the row cannot be
 * written (the account was erased while the file uploaded, so its user is gone; or the database
 * failed), the file is deleted again: a file no row names would be kept forever, since erasure
 * and retention find files through their rows. Rethrows the database error.
 */
export async function storeMediaAsset(
  deps: Pick<CoreDeps, 'prisma' | 'media' | 'logger'>,
  file: MediaFile,
  fields: AssetFields,
) {
  const stored = await deps.media.put({ bytes: file.bytes, mime: file.mime });
  try {
    return await deps.prisma.mediaAsset.create({
      data: {
        ...fields,
        seed: fields.seed === undefined || fields.seed === null ? null : BigInt(fields.seed),
        storageKey: stored.key,
        mime: stored.mime,
        bytes: stored.bytes,
        sha256: stored.sha256,
      },
    });
  } catch (error) {
    await deps.media
      .delete(stored.key)
      .catch((deleteError: unknown) =>
        deps.logger.error(
          { err: deleteError, key: stored.key },
          'could not delete a media file whose row was not written',
        ),
      );
    throw error;
  }
}
