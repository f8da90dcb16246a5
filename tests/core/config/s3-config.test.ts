import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#core/config/load-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const KEYS = { S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'secret-example' };

describe('media storage settings', () => {
  it('keeps media on the local disk under DATA_DIR by default', () => {
    expect(loadConfig({ DATA_DIR: '/srv/imagine' }).media).toEqual({
      kind: 'local',
      rootDir: path.resolve('/srv/imagine/media'),
    });
  });

  it('uses an S3-compatible endpoint (MinIO, Garage, R2) with path-style addressing and us-east-1 by default', () => {
    expect(loadConfig({ S3_BUCKET: 'imagine-media', S3_ENDPOINT: 'http://minio:9000/', ...KEYS }).media).toEqual({
      kind: 's3',
      bucket: 'imagine-media',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' },
    });
    expect(
      loadConfig({
        S3_BUCKET: 'imagine-media',
        S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com',
        S3_REGION: 'auto',
        S3_FORCE_PATH_STYLE: 'false',
        ...KEYS,
      }).media,
    ).toMatchObject({
      region: 'auto',
      forcePathStyle: false,
    });
  });

  it('uses AWS S3 itself, virtual-hosted, with the SDK’s default credential chain when no keys are set', () => {
    expect(loadConfig({ S3_BUCKET: 'imagine-media', S3_REGION: 'eu-central-1' }).media).toEqual({
      kind: 's3',
      bucket: 'imagine-media',
      endpoint: undefined,
      region: 'eu-central-1',
      forcePathStyle: false,
      credentials: undefined,
    });
  });

  it('refuses to start on a malformed endpoint, half a key pair, a bad bucket name or S3 settings without a bucket, naming each', () => {
    expect(problemsOf({ S3_BUCKET: 'media', S3_ENDPOINT: 'minio:9000', ...KEYS })).toEqual([
      expect.stringMatching(/^S3_ENDPOINT: must be an http\(s\) URL/),
    ]);
    expect(problemsOf({ S3_BUCKET: 'media', S3_ENDPOINT: 'ftp://minio', ...KEYS })).toEqual([
      expect.stringMatching(/^S3_ENDPOINT: /),
    ]);
    expect(problemsOf({ S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' })).toEqual([
      'S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both or neither (neither: the AWS SDK’s default credential chain)',
    ]);
    expect(problemsOf({ S3_BUCKET: 'media', S3_SECRET_ACCESS_KEY: 'secret' })).toHaveLength(1);
    expect(problemsOf({ S3_BUCKET: 'Bad_Bucket!', ...KEYS })).toEqual([
      expect.stringMatching(/^S3_BUCKET: must be a bucket name/),
    ]);
    expect(problemsOf({ S3_BUCKET: 'media', S3_REGION: 'Mars Base', ...KEYS })).toEqual([
      expect.stringMatching(/^S3_REGION: /),
    ]);
    expect(problemsOf({ S3_BUCKET: 'media', S3_FORCE_PATH_STYLE: 'maybe', ...KEYS })).toEqual([
      expect.stringMatching(/^S3_FORCE_PATH_STYLE: /),
    ]);
    expect(problemsOf({ S3_ENDPOINT: 'http://minio:9000', ...KEYS })).toEqual([
      'S3_BUCKET: is required when S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY are set (media stay on the local disk without it)',
    ]);
  });
});
