import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Files that start whole service processes, containers' commands or a browser: heavy on CPU,
 * so they run two at a time after the database lane.
 */
const PROCESS_FILES = [
  'tests/main.test.ts',
  'tests/ops/*.test.ts',
  'tests/web/browser-e2e.test.ts',
  'tests/web/browser-create.test.ts',
  'tests/web/browser-gallery.test.ts',
  'tests/prisma/cli.test.ts',
  'tests/bots/discord/spawn-shards.test.ts',
  'tests/core/admin/admin-cli.test.ts',
  'tests/core/generation/media-on-s3.test.ts',
];

/**
 * Files whose assertions are about time (send pace, rate limits, flood control) or that restart
 * shared services (Redis) and kill workers: they run one at a time, alone on the machine.
 */
const SERIAL_FILES = [
  'tests/ops/scale-out/**/*.test.ts',
  'tests/core/infra/rate-limit/**/*.test.ts',
  'tests/bots/telegram/shared-send-pace.test.ts',
  'tests/bots/telegram/flood-control.test.ts',
  'tests/core/generation/worker-processes.test.ts',
  'tests/core/generation/redis-restart.test.ts',
  'tests/core/infra/queue/bullmq-reconnect.test.ts',
];

export default defineConfig({
  root,
  test: {
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './tests/support/lane-times-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'db',
          include: ['tests/**/*.test.ts'],
          exclude: [...PROCESS_FILES, ...SERIAL_FILES],
          maxWorkers: 4,
          // One module graph per worker instead of per file: importing core, Prisma's client and the
          // SDKs again for every file cost ~450 s of the run. Our code keeps no module-level state.
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'processes', include: PROCESS_FILES, maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: SERIAL_FILES,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
