import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#core/config/load-config';
import { createMediaStore } from '#core/infra/media/create-media-store';
import { FakeS3Api } from '#tests/fakes/s3-api';

/**
 * Runs `run` with these variables of the test process set (undefined: unset) and puts them back:
 * the AWS SDK's default credential chain reads the process environment itself.
 */
async function withProcessEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}

const NO_AMBIENT_AWS = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
};

describe('createMediaStore', () => {
  let fake: FakeS3Api;
  beforeAll(async () => {
    fake = await FakeS3Api.start({ buckets: ['imagine-media'] });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('keeps media under DATA_DIR/media without S3_BUCKET', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'media-config-'));
    const opened = await createMediaStore(loadConfig({ DATA_DIR: dataDir }).media);
    const stored = await opened.store.put({ bytes: Buffer.from('local'), mime: 'image/png' });
    expect(await fs.readFile(path.join(dataDir, 'media', stored.key), 'utf8')).toBe('local');
    opened.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('never loads the AWS SDK without S3_BUCKET', async () => {
    // A process of its own: the SDK's CommonJS modules would be in require.cache once imported.
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'media-config-'));
    const script = [
      "import { createRequire } from 'node:module';",
      "const { createMediaStore } = await import('#core/infra/media/create-media-store');",
      "await createMediaStore({ kind: 'local', rootDir: process.argv[1] ?? '' });",
      'const loaded = Object.keys(createRequire(import.meta.url).cache);',
      "process.stdout.write(JSON.stringify(loaded.filter((file) => file.includes('@aws-sdk')).length));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script, path.join(dataDir, 'media')],
      { cwd: path.resolve(import.meta.dirname, '../../../..') },
    );
    expect(stdout).toBe('0');
  });

  it('stores in the bucket at S3_ENDPOINT with S3_ACCESS_KEY_ID, path-style', async () => {
    const config = loadConfig({
      S3_BUCKET: 'imagine-media',
      S3_ENDPOINT: fake.endpoint,
      S3_ACCESS_KEY_ID: fake.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
    });
    const opened = await createMediaStore(config.media);
    const stored = await opened.store.put({ bytes: Buffer.from('remote'), mime: 'image/png', keyHint: 'outputs' });
    opened.close();
    expect(fake.buckets.get('imagine-media')?.get(stored.key)?.bytes.toString()).toBe('remote');
    const put = await fake.waitForRequest(
      (request) => request.method === 'PUT' && request.path === `/imagine-media/${stored.key}`,
    );
    expect(put.headers.authorization).toContain(`Credential=${fake.accessKeyId}/`);
  });

  it('takes credentials from the AWS SDK’s default chain when no keys are set', async () => {
    const config = loadConfig({ S3_BUCKET: 'imagine-media', S3_ENDPOINT: fake.endpoint });
    const stored = await withProcessEnv(
      { ...NO_AMBIENT_AWS, AWS_ACCESS_KEY_ID: fake.accessKeyId, AWS_SECRET_ACCESS_KEY: fake.secretAccessKey },
      async () => {
        const opened = await createMediaStore(config.media);
        try {
          return await opened.store.put({ bytes: Buffer.from('from the chain'), mime: 'image/png' });
        } finally {
          opened.close();
        }
      },
    );
    expect(fake.buckets.get('imagine-media')?.get(stored.key)?.bytes.toString()).toBe('from the chain');
  });

  it('refuses to start when S3_BUCKET is set and no credentials can be found, naming the variables', async () => {
    const config = loadConfig({ S3_BUCKET: 'imagine-media', S3_ENDPOINT: fake.endpoint });
    const error = await withProcessEnv(NO_AMBIENT_AWS, () =>
      createMediaStore(config.media).then(
        () => undefined,
        (caught: unknown) => caught,
      ),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /S3_ACCESS_KEY_ID \/ S3_SECRET_ACCESS_KEY: S3_BUCKET=imagine-media is set but no credentials were found/,
    );
  });
});
