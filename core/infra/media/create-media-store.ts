import { ConfigError, type MediaConfig } from '#core/config/load-config';
import { createLocalMediaStore } from '#core/infra/media/local-media-store';
import type { MediaStore } from '#core/infra/media/media-store';

/** Connections to the store at once per process: downloads stream through them while people watch. */
const MAX_SOCKETS = 256;

/** An opened media store and how to release its connections. */
export type OpenedMediaStore = { store: MediaStore; close(): void };

/**
 * The media store the configuration asks for: `DATA_DIR/media` by default, a bucket of an
 * S3-compatible store when S3_BUCKET is set (so every process of a deployment, on any machine,
 * reads what another stored).
 *
 * Without S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY the AWS SDK's default credential chain is
 * asked once here (AWS_* variables, a profile, an instance or container role), so a process that
 * has no credentials at all fails at start-up with a {@link ConfigError} instead of on the first
 * picture. Requests time out (a hung store must not hold a generation or a web request forever)
 * and checksums are sent only where S3 requires them, as MinIO, Garage and R2 expect; uploads
 * carry Content-MD5, which they all check. The AWS SDK is imported only then (~13 of its modules
 * and ~100 ms of a start otherwise).
 */
export async function createMediaStore(config: MediaConfig): Promise<OpenedMediaStore> {
  if (config.kind === 'local') return { store: createLocalMediaStore({ rootDir: config.rootDir }), close: () => {} };
  const [{ S3Client }, { createS3MediaStore }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('#core/infra/media/s3-media-store'),
  ]);
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // An unreachable store fails a call in seconds, a stalled transfer after a minute of silence;
    // the SDK's default of 50 sockets would queue the 51st video being watched at once.
    requestHandler: {
      connectionTimeout: 5_000,
      socketTimeout: 60_000,
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
    },
  });
  if (!config.credentials) {
    try {
      await client.config.credentials();
    } catch (error) {
      client.destroy();
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError([
        `S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: S3_BUCKET=${config.bucket} is set but no credentials were found: set both, ` +
          `or give the process AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or container role) (${reason})`,
      ]);
    }
  }
  return { store: createS3MediaStore({ client, bucket: config.bucket }), close: () => client.destroy() };
}
