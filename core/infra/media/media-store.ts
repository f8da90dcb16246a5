/**
 * The port for stored media: generated images and videos and the photos users send to edit.
 *
 * Keys are opaque, store-chosen strings of `/`-separated segments (`2025/01/<uuid>.png`), the
 * shape of an S3 object key, and every read is async (a stream for large files), so an
 * S3-compatible store can implement this without changing callers. The database keeps the key
 * next to mime, size and sha256; a key never comes from a user and never names a local path.
 *
 * Implementations: `createLocalMediaStore` (a directory, `DATA_DIR/media`, the default) and
 * `createS3MediaStore` (a bucket of any S3-compatible store, when `S3_BUCKET` is set), chosen by
 * `createMediaStore`; `tests/core/infra/media/media-store-contract.ts` holds both to this contract.
 */

/** What {@link MediaStore.put} stored. */
export type StoredMedia = { key: string; sha256: string; bytes: number; mime: string };

/** A file {@link MediaStore.deleteMany} could not remove, and why. */
export type MediaDeleteFailure = { key: string; error: unknown };

/** Where media files live. */
export interface MediaStore {
  /**
   * Stores `bytes` under a new key and returns it with the content's sha256 (hex). A reader never
   * sees a partly written file. `keyHint` is an optional folder name (`outputs`, `inputs`:
   * lowercase letters, digits, dashes) to group keys; the store still picks the rest of the key.
   */
  put(input: { bytes: Buffer; mime: string; keyHint?: string }): Promise<StoredMedia>;
  /** The whole file, or undefined when there is none under `key`. */
  get(key: string): Promise<Buffer | undefined>;
  /** The file as a stream for HTTP responses, or undefined when there is none under `key`. */
  createReadStream(key: string): Promise<NodeJS.ReadableStream | undefined>;
  /** Removes the file; removing a missing file is not an error (erasure may run twice). */
  delete(key: string): Promise<void>;
  /**
   * Removes every file of `keys` (an erased account's, a retention batch), in as few calls as the
   * store allows, and returns the ones it could not remove with the reason, so the caller keeps
   * them for another try. Missing files count as removed; a key the store did not make is a
   * failure ({@link InvalidMediaKeyError}) and touches nothing, without stopping the others.
   */
  deleteMany(keys: readonly string[]): Promise<MediaDeleteFailure[]>;
  exists(key: string): Promise<boolean>;
  /**
   * The keys of the files stored in one month (`year`, `month` 1-12, UTC, as in the keys), in the
   * `keyHint` folder or none, read `pageSize` at a time. Retention compares them with the
   * database to find files no row names (a process that died between storing a file and
   * recording it), which it could not find otherwise.
   */
  listMonth(input: { year: number; month: number; keyHint?: string; pageSize?: number }): AsyncIterable<string>;
}

/** A key that the store did not make: a traversal attempt or a wiring bug, never a user error. */
export class InvalidMediaKeyError extends Error {
  constructor(key: string) {
    super(`Invalid media key: ${JSON.stringify(key.slice(0, 200))}`);
    this.name = 'InvalidMediaKeyError';
  }
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};

/** The file extension a key gets for `mime`; `bin` for anything else. */
export function extensionForMime(mime: string): string {
  return EXTENSIONS[mime.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
}
