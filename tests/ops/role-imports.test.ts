import { describe, expect, it } from 'vitest';
import { packagesLoadedBy } from '#tests/support/loaded-packages';

// What a process loads decides its memory: an SDK a role never calls must not be imported by it.
describe('the SDKs a process loads', () => {
  it('loads the AWS SDK only for media on S3', async () => {
    const local = await packagesLoadedBy(`
      const { createMediaStore } = await import('#core/infra/media/create-media-store');
      await createMediaStore({ kind: 'local', rootDir: '/tmp/imagine-never-written' });
    `);
    expect(local.has('@aws-sdk/client-s3')).toBe(false);
    const s3 = await packagesLoadedBy(`
      const { createMediaStore } = await import('#core/infra/media/create-media-store');
      const opened = await createMediaStore({ kind: 's3', bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9',
        forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
      opened.close();
    `);
    expect(s3.has('@aws-sdk/client-s3')).toBe(true);
  });
});
