import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidMediaKeyError, extensionForMime, type MediaStore, type StoredMedia } from '#core/infra/media/media-store';

// The only keys this store makes and reads: [<hint>/]yyyy/mm/<uuid>.<ext>. Anything else
// (`..`, absolute paths, backslashes, NUL, other names) is refused before touching the disk.
const KEY_PATTERN = /^(?:[a-z0-9][a-z0-9-]{0,31}\/)?\d{4}\/\d{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[a-z0-9]{1,8}$/;
const HINT_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * A {@link MediaStore} in a directory (`DATA_DIR/media`), for a single host or a shared volume.
 *
 * A file is written to a temporary name in its target directory, flushed to disk and renamed into
 * place, so a crash or a concurrent reader never sees half a file. Keys are generated here
 * (date folders keep directories small) and checked against that exact shape on every call, and
 * the resolved path must stay under `rootDir`, so a key can never reach another file.
 */
export function createLocalMediaStore(options: { rootDir: string; now?: () => Date }): MediaStore {
  const rootDir = path.resolve(options.rootDir);
  const now = options.now ?? (() => new Date());

  function pathFor(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new InvalidMediaKeyError(key);
    const resolved = path.resolve(rootDir, key);
    if (!resolved.startsWith(rootDir + path.sep)) throw new InvalidMediaKeyError(key);
    return resolved;
  }

  return {
    async put(input): Promise<StoredMedia> {
      if (input.keyHint !== undefined && !HINT_PATTERN.test(input.keyHint)) throw new InvalidMediaKeyError(input.keyHint);
      const date = now();
      const folder = `${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
      const key = `${input.keyHint ? `${input.keyHint}/` : ''}${folder}/${randomUUID()}.${extensionForMime(input.mime)}`;
      const target = pathFor(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const temporary = path.join(path.dirname(target), `.${randomUUID()}.tmp`);
      try {
        const handle = await fs.open(temporary, 'wx');
        try {
          await handle.writeFile(input.bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temporary, target);
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw error;
      }
      return { key, sha256: createHash('sha256').update(input.bytes).digest('hex'), bytes: input.bytes.length, mime: input.mime };
    },

    async get(key) {
      try {
        return await fs.readFile(pathFor(key));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async createReadStream(key) {
      // Opened before returning, so a missing file is `undefined` here rather than a stream error later.
      try {
        const handle = await fs.open(pathFor(key), 'r');
        return handle.createReadStream();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      await fs.rm(pathFor(key), { force: true });
    },

    async exists(key) {
      try {
        return (await fs.stat(pathFor(key))).isFile();
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
