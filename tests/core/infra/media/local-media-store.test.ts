import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalMediaStore } from '#core/infra/media/local-media-store';
import { InvalidMediaKeyError, type MediaStore } from '#core/infra/media/media-store';
import { describeMediaStoreContract } from '#tests/core/infra/media/media-store-contract';

const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** Every file under `dir`, as a `/`-separated path relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describeMediaStoreContract('local directory', async (now) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'media-store-'));
  const rootDir = path.join(dataDir, 'media');
  return {
    store: createLocalMediaStore({ rootDir, now }),
    storedKeys: () => filesUnder(rootDir),
    close: () => fs.rm(dataDir, { recursive: true, force: true }),
  };
});

describe('local media store on disk', () => {
  let dataDir: string;
  let rootDir: string;
  let store: MediaStore;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'media-store-'));
    rootDir = path.join(dataDir, 'media');
    store = createLocalMediaStore({ rootDir, now: () => new Date('2025-03-09T12:00:00Z') });
  });

  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('writes the file at its key through a temporary file that is gone once the file is in place', async () => {
    const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
    expect(await fs.readFile(path.join(rootDir, stored.key))).toEqual(PNG_BYTES);
    expect(await fs.readdir(path.dirname(path.join(rootDir, stored.key)))).toEqual([path.basename(stored.key)]);
  });

  it('never reaches a file outside the media directory', async () => {
    await fs.writeFile(path.join(dataDir, 'secret.png'), 'not media');
    for (const key of ['../secret.png', path.join(dataDir, 'secret.png')]) {
      await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      expect((await store.deleteMany([key]))[0]?.error, key).toBeInstanceOf(InvalidMediaKeyError);
    }
    expect(await fs.readFile(path.join(dataDir, 'secret.png'), 'utf8')).toBe('not media');
  });
});
