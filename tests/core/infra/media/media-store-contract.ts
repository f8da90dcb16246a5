import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidMediaKeyError, type MediaStore } from '#core/infra/media/media-store';

/** A fresh, empty store whose clock says `now`, and how to inspect and remove what it holds. */
export type OpenedMediaStore = {
  store: MediaStore;
  /** The keys the backing storage holds right now (files on disk, objects in the bucket), sorted. */
  storedKeys(): Promise<string[]>;
  close(): Promise<void>;
};

const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The {@link MediaStore} contract, run against every implementation (local directory, S3): what
 * generation, delivery, the web media routes, the privacy export and erasure and the retention
 * sweeps rely on.
 */
export function describeMediaStoreContract(name: string, open: (now: () => Date) => Promise<OpenedMediaStore>): void {
  describe(`media store contract: ${name}`, () => {
    let opened: OpenedMediaStore;
    let store: MediaStore;

    beforeEach(async () => {
      opened = await open(() => new Date('2025-03-09T12:00:00Z'));
      store = opened.store;
    });

    afterEach(async () => {
      await opened.close();
    });

    it('stores bytes under a dated uuid key and reads them back (whole, streamed) with their sha256', async () => {
      const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
      expect(stored.key).toMatch(/^2025\/03\/[0-9a-f-]{36}\.png$/);
      expect(stored).toMatchObject({ bytes: PNG_BYTES.length, mime: 'image/png', sha256: sha256(PNG_BYTES) });

      expect(await store.get(stored.key)).toEqual(PNG_BYTES);
      expect(await store.exists(stored.key)).toBe(true);
      expect(await readStream((await store.createReadStream(stored.key))!)).toEqual(PNG_BYTES);
      expect(await opened.storedKeys()).toEqual([stored.key]);
    });

    it('streams a large video whole', async () => {
      const video = randomBytes(3 * 1024 * 1024 + 17);
      const stored = await store.put({ bytes: video, mime: 'video/mp4', keyHint: 'outputs' });
      expect(sha256(await readStream((await store.createReadStream(stored.key))!))).toBe(sha256(video));
    });

    it('gives every put its own key, an extension from the mime type and an optional folder', async () => {
      const first = await store.put({ bytes: Buffer.from('a'), mime: 'video/mp4', keyHint: 'outputs' });
      const second = await store.put({ bytes: Buffer.from('a'), mime: 'application/x-unknown' });
      expect(first.key).toMatch(/^outputs\/2025\/03\/[0-9a-f-]{36}\.mp4$/);
      expect(second.key).toMatch(/^2025\/03\/[0-9a-f-]{36}\.bin$/);
      expect(first.key).not.toBe(second.key);
      await expect(
        store.put({ bytes: Buffer.from('a'), mime: 'image/png', keyHint: '../escape' }),
      ).rejects.toBeInstanceOf(InvalidMediaKeyError);
      expect((await opened.storedKeys()).sort()).toEqual([first.key, second.key].sort());
    });

    it('answers undefined or false for a missing file, and deletes idempotently', async () => {
      const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
      await store.delete(stored.key);
      await store.delete(stored.key);
      expect(await store.exists(stored.key)).toBe(false);
      expect(await store.get(stored.key)).toBeUndefined();
      expect(await store.createReadStream(stored.key)).toBeUndefined();
      expect(await opened.storedKeys()).toEqual([]);
    });

    it('deleteMany removes exactly the named files, counts missing ones as removed, and really frees the storage', async () => {
      const keep = await store.put({ bytes: Buffer.from('keep'), mime: 'image/png' });
      const gone = await Promise.all(
        [1, 2, 3].map((n) => store.put({ bytes: Buffer.from(`gone ${n}`), mime: 'image/png', keyHint: 'inputs' })),
      );
      const neverStored = '2025/03/00000000-0000-4000-8000-000000000000.png';

      expect(await store.deleteMany([...gone.map((file) => file.key), neverStored])).toEqual([]);
      expect(await store.deleteMany([])).toEqual([]);
      expect(await opened.storedKeys()).toEqual([keep.key]);
      for (const file of gone) expect(await store.exists(file.key)).toBe(false);
      expect(await store.get(keep.key)).toEqual(Buffer.from('keep'));
    });

    it('lists the keys stored in one month, across pages, and nothing of other months or folders', async () => {
      const march = await Promise.all(
        Array.from({ length: 5 }, (_, n) => store.put({ bytes: Buffer.from(`m${n}`), mime: 'image/png' })),
      );
      const hinted = await store.put({ bytes: Buffer.from('h'), mime: 'image/png', keyHint: 'inputs' });
      const listed: string[] = [];
      for await (const key of store.listMonth({ year: 2025, month: 3, pageSize: 2 })) listed.push(key);
      expect(listed.sort()).toEqual(march.map((file) => file.key).sort());
      const inputs: string[] = [];
      for await (const key of store.listMonth({ year: 2025, month: 3, keyHint: 'inputs' })) inputs.push(key);
      expect(inputs).toEqual([hinted.key]);
      const april: string[] = [];
      for await (const key of store.listMonth({ year: 2025, month: 4 })) april.push(key);
      expect(april).toEqual([]);
      await expect(store.listMonth({ year: 2025, month: 13 })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(
        InvalidMediaKeyError,
      );
    });

    it('refuses keys it did not make, before touching the storage', async () => {
      const stored = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
      const uuidName = stored.key.split('/').at(-1) ?? '';
      const attempts = [
        '../secret.png',
        '2025/03/../../../secret.png',
        `../media/${stored.key}`,
        '/etc/passwd',
        `/2025/03/${uuidName}`,
        `2025\\03\\${uuidName}`,
        `2025/03/${uuidName}\0`,
        '',
        'secret.png',
        `${stored.key}/..`,
      ];
      for (const key of attempts) {
        await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(store.exists(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(store.createReadStream(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
        await expect(store.delete(key), key).rejects.toBeInstanceOf(InvalidMediaKeyError);
      }
      expect(await opened.storedKeys()).toEqual([stored.key]);
    });

    it('deleteMany reports keys it did not make as failures, touches nothing for them, and still deletes the rest', async () => {
      const kept = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
      const gone = await store.put({ bytes: PNG_BYTES, mime: 'image/png' });
      const failures = await store.deleteMany(['../secret.png', gone.key, `${kept.key}/..`]);
      expect(failures.map((failure) => failure.key)).toEqual(['../secret.png', `${kept.key}/..`]);
      expect(failures.every((failure) => failure.error instanceof InvalidMediaKeyError)).toBe(true);
      expect(await opened.storedKeys()).toEqual([kept.key]);
    });
  });
}
