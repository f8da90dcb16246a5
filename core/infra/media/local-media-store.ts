import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { assertMediaKey, isMediaKey, mediaMonthPrefix, newMediaKey } from '#core/infra/media/media-key';
import {
  InvalidMediaKeyError,
  type MediaDeleteFailure,
  type MediaStore,
  type StoredMedia,
} from '#core/infra/media/media-store';

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
    assertMediaKey(key);
    const resolved = path.resolve(rootDir, key);
    if (!resolved.startsWith(rootDir + path.sep)) throw new InvalidMediaKeyError(key);
    return resolved;
  }

  return {
    async put(input): Promise<StoredMedia> {
      const key = newMediaKey({ date: now(), mime: input.mime, keyHint: input.keyHint });
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
      return {
        key,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        bytes: input.bytes.length,
        mime: input.mime,
      };
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

    async deleteMany(keys) {
      const failures: MediaDeleteFailure[] = [];
      for (const key of keys) {
        try {
          await fs.rm(pathFor(key), { force: true });
        } catch (error) {
          failures.push({ key, error });
        }
      }
      return failures;
    },

    async *listMonth(input) {
      const folder = path.join(rootDir, mediaMonthPrefix(input));
      const names = await fs.readdir(folder).catch((error: unknown) => {
        if (isNotFound(error)) return [];
        throw error;
      });
      // Temporary files of writes in progress start with a dot and never match a key.
      for (const name of names) {
        const key = `${mediaMonthPrefix(input)}${name}`;
        if (isMediaKey(key)) yield key;
      }
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
