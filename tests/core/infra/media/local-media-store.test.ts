import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalMediaStore } from '#core/infra/media/local-media-store';
import { InvalidMediaKeyError, type MediaStore } from '#core/infra/media/media-store';

const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('local media store', () => {
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

  async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  }

  it('stores bytes under a dated uuid key and reads them back with their sha256', async () => {
    const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
    expect(stored.key).toMatch(/^2025\/03\/[0-9a-f-]{36}\.png$/);
    expect(stored).toMatchObject({ bytes: PNG_BYTES.length, mime: 'image/png', sha256: createHash('sha256').update(PNG_BYTES).digest('hex') });

    expect(await store.get(stored.key)).toEqual(PNG_BYTES);
    expect(await store.exists(stored.key)).toBe(true);
    expect(await readStream((await store.createReadStream(stored.key))!)).toEqual(PNG_BYTES);
    expect(await fs.readFile(path.join(rootDir, stored.key))).toEqual(PNG_BYTES);
    // Written through a temporary file that is gone once the file is in place.
    expect(await fs.readdir(path.dirname(path.join(rootDir, stored.key)))).toEqual([path.basename(stored.key)]);
  });

  it('gives every put its own key, an extension from the mime type and an optional folder', async () => {
    const first = await store.put({ bytes: Buffer.from('a'), mime: 'video/mp4', keyHint: 'outputs' });
    const second = await store.put({ bytes: Buffer.from('a'), mime: 'application/x-unknown' });
    expect(first.key).toMatch(/^outputs\/2025\/03\/[0-9a-f-]{36}\.mp4$/);
    expect(second.key).toMatch(/^2025\/03\/[0-9a-f-]{36}\.bin$/);
    expect(first.key).not.toBe(second.key);
    await expect(store.put({ bytes: Buffer.from('a'), mime: 'image/png', keyHint: '../escape' })).rejects.toBeInstanceOf(InvalidMediaKeyError);
  });

  it('answers undefined or false for a missing file, and deletes idempotently', async () => {
    const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
    await store.delete(stored.key);
    await store.delete(stored.key);
    expect(await store.exists(stored.key)).toBe(false);
    expect(await store.get(stored.key)).toBeUndefined();
    expect(await store.createReadStream(stored.key)).toBeUndefined();
  });

  it('refuses keys it did not make, so no path can leave the media directory', async () => {
    await fs.writeFile(path.join(dataDir, 'secret.png'), 'not media');
    const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
    const uuidName = path.basename(stored.key);
    const attempts = [
      '../secret.png',
      `2025/03/../../../secret.png`,
      `../media/${stored.key}`,
      path.join(dataDir, 'secret.png'),
      `/2025/03/${uuidName}`,
      `2025\\03\\${uuidName}`,
      `2025/03/${uuidName}\0`,
      '',
      'secret.png',
    ];
    for (const key of attempts) {
      await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      await expect(store.exists(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      await expect(store.createReadStream(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
    }
    expect(await fs.readFile(path.join(dataDir, 'secret.png'), 'utf8')).toBe('not media');
  });
});
