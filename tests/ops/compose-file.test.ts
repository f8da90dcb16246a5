import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '#core/config/config-schema';
import { loadConfig } from '#core/config/load-config';
import { JOB_QUEUE_DEFAULTS } from '#core/infra/queue/job-queue';
import {
  durationSeconds,
  environmentOf,
  interpolate,
  interpolateAll,
  readCompose,
  readEnvFile,
  ROOT,
  type ComposeService,
} from '#tests/ops/compose';
import { execForm, healthcheckCommand, parseDockerfile } from '#tests/ops/dockerfile';

/** Top-level keys of the Compose Specification (https://github.com/compose-spec/compose-spec/blob/main/spec.md). */
const TOP_LEVEL_KEYS = [
  'version',
  'name',
  'include',
  'services',
  'models',
  'networks',
  'volumes',
  'secrets',
  'configs',
];
/** Service attributes of the Compose Specification (https://docs.docker.com/reference/compose-file/services/). */
const SERVICE_KEYS = [
  'develop',
  'deploy',
  'annotations',
  'attach',
  'build',
  'blkio_config',
  'cap_add',
  'cap_drop',
  'cgroup',
  'cgroup_parent',
  'command',
  'configs',
  'container_name',
  'cpu_count',
  'cpu_percent',
  'cpu_shares',
  'cpu_quota',
  'cpu_period',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpus',
  'cpuset',
  'credential_spec',
  'depends_on',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'env_file',
  'label_file',
  'environment',
  'expose',
  'extends',
  'provider',
  'external_links',
  'extra_hosts',
  'gpus',
  'group_add',
  'healthcheck',
  'hostname',
  'image',
  'init',
  'ipc',
  'isolation',
  'labels',
  'links',
  'logging',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'network_mode',
  'models',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'ports',
  'post_start',
  'pre_stop',
  'privileged',
  'profiles',
  'pull_policy',
  'pull_refresh_after',
  'read_only',
  'restart',
  'runtime',
  'scale',
  'security_opt',
  'shm_size',
  'secrets',
  'sysctls',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'storage_opt',
  'tmpfs',
  'tty',
  'ulimits',
  'use_api_socket',
  'user',
  'uts',
  'userns_mode',
  'volumes',
  'volumes_from',
  'working_dir',
];
const HEALTHCHECK_KEYS = ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable'];
const DEPENDS_ON_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
const RESTART_POLICIES = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

const APP_ROLES = { web: 'web', worker: 'worker', telegram: 'telegram', discord: 'discord' } as const;
const APP_SERVICES = Object.keys(APP_ROLES) as (keyof typeof APP_ROLES)[];

/** What an operator puts in .env beyond .env.example's defaults, for the configuration checks. */
const OPERATOR_ENV = {
  POSTGRES_PASSWORD: 'a1b2c3d4e5f6a7b8c9d0e1f2',
  SESSION_SECRET: 'x'.repeat(48),
  METRICS_TOKEN: 'a-scrape-token-of-the-operators-choice',
  TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc',
  DISCORD_TOKEN: 'discord-token',
  DISCORD_APPLICATION_ID: '123456789012345678',
};

const compose = readCompose();
const services = compose.services;
const envExample = readEnvFile(fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8'));
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function dependsOn(entry: ComposeService): Record<string, string> {
  const raw = entry.depends_on ?? {};
  return Array.isArray(raw)
    ? Object.fromEntries(raw.map((name) => [name, 'service_started']))
    : Object.fromEntries(Object.entries(raw).map(([name, spec]) => [name, spec.condition]));
}

function mounts(entry: ComposeService): { source: string | undefined; target: string }[] {
  return (entry.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source, target: volume.target };
    const [source, target] = volume.split(':');
    return target === undefined ? { source: undefined, target: source as string } : { source, target };
  });
}

function envFiles(entry: ComposeService): string[] {
  const raw = entry.env_file;
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((item) => (typeof item === 'string' ? item : item.path));
}

/** The process environment Compose gives a service's container: env_file first, `environment` over it. */
function containerEnv(name: string, dotEnv: Record<string, string>): Record<string, string> {
  const entry = interpolateAll(service(name), dotEnv);
  return { ...(envFiles(entry).includes('.env') ? dotEnv : {}), ...environmentOf(entry) };
}

function commandOf(entry: ComposeService): string[] {
  const command = entry.command;
  return Array.isArray(command) ? command : (command ?? '').split(/\s+/).filter(Boolean);
}

describe('docker-compose.yml follows the Compose Specification', () => {
  it('has only Compose top-level keys (and x- extensions), and only Compose service attributes', () => {
    expect(Object.keys(compose).filter((key) => !key.startsWith('x-') && !TOP_LEVEL_KEYS.includes(key))).toEqual([]);
    for (const [name, entry] of Object.entries(services)) {
      expect(name).toMatch(/^[a-zA-Z0-9._-]+$/);
      expect(
        Object.keys(entry).filter((key) => !key.startsWith('x-') && !SERVICE_KEYS.includes(key)),
        name,
      ).toEqual([]);
      expect(entry.image ?? entry.build, `${name} needs an image or a build`).toBeDefined();
      if (entry.healthcheck)
        expect(
          Object.keys(entry.healthcheck).filter((key) => !HEALTHCHECK_KEYS.includes(key)),
          name,
        ).toEqual([]);
      for (const [dependency, condition] of Object.entries(dependsOn(entry))) {
        expect(services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
        expect(DEPENDS_ON_CONDITIONS, `${name} -> ${dependency}`).toContain(condition);
      }
      if (entry.restart !== undefined) expect(entry.restart, name).toMatch(RESTART_POLICIES);
      for (const key of ['stop_grace_period'] as const)
        if (entry[key] !== undefined) expect(durationSeconds(entry[key]), `${name}.${key}`).toBeDefined();
      for (const key of ['interval', 'timeout', 'start_period'] as const) {
        const value = entry.healthcheck?.[key];
        if (value !== undefined) expect(durationSeconds(value), `${name}.healthcheck.${key}`).toBeDefined();
      }
    }
  });

  it('declares every named volume a service mounts, and mounts every one it declares', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = new Set(
      Object.values(services).flatMap((entry) =>
        mounts(entry)
          .map((mount) => mount.source)
          .filter((source): source is string => source !== undefined && !/^[./~]/.test(source)),
      ),
    );
    expect([...used].sort()).toEqual([...declared].sort());
  });
});

describe('the services of a production deployment', () => {
  it('postgres 16 and redis 7 keep their data in named volumes and report health', () => {
    const postgres = service('postgres');
    expect(postgres.image).toMatch(/^postgres:16(\.|-|$)/);
    expect(mounts(postgres)).toContainEqual({ source: 'postgres', target: '/var/lib/postgresql/data' });
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    expect(postgres.restart).toBe('unless-stopped');

    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7(\.|-|$)/);
    expect(mounts(redis)).toContainEqual({ source: 'redis', target: '/data' });
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(commandOf(redis).join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('migrate is a one-shot deploy of the compiled migrate tool after postgres is healthy, from the app image', () => {
    const migrate = service('migrate');
    expect(commandOf(migrate)).toEqual(['node', 'dist/prisma/migrate/cli.js', 'deploy']);
    expect(packageJson.scripts['db:migrate']).toBe('tsx prisma/migrate/cli.ts deploy');
    expect(dependsOn(migrate)).toEqual({ postgres: 'service_healthy' });
    expect(migrate.restart).toBe('no');
    expect(migrate.ports).toBeUndefined();
  });

  it('web, worker, telegram and discord run the one image, wait for the migration, restart, read .env and share media', () => {
    const migrate = service('migrate');
    for (const name of APP_SERVICES) {
      const entry = service(name);
      expect([entry.image, entry.build], name).toEqual([migrate.image, migrate.build]);
      expect(entry.command, `${name} runs the image's CMD`).toBeUndefined();
      expect(dependsOn(entry), name).toEqual({
        migrate: 'service_completed_successfully',
        postgres: 'service_healthy',
        redis: 'service_healthy',
      });
      expect(entry.restart, name).toBe('unless-stopped');
      expect(envFiles(entry), name).toEqual(['.env']);
      expect(entry.init, `${name}: an init process reaps zombies and forwards signals`).toBe(true);
      const dataDir = containerEnv(name, { ...envExample.values, ...OPERATOR_ENV }).DATA_DIR;
      expect(mounts(entry), name).toContainEqual({ source: 'media', target: dataDir });
    }
    expect(service('telegram').profiles).toEqual(['telegram']);
    expect(service('discord').profiles).toEqual(['discord']);
  });

  it('web publishes port 3000 (= PORT) and is healthy only when /readyz answers; worker can be scaled', () => {
    const web = service('web');
    const port = containerEnv('web', { ...envExample.values, ...OPERATOR_ENV }).PORT;
    expect(port).toBe('3000');
    expect(web.ports).toEqual([`127.0.0.1:3000:${port}`]);
    expect(web.healthcheck?.disable).toBeUndefined();
    expect(JSON.stringify(web.healthcheck?.test)).toContain(`http://127.0.0.1:${port}/readyz`);

    const worker = service('worker');
    expect(worker.ports).toBeUndefined();
    expect(worker.container_name).toBeUndefined();
    for (const name of ['worker', 'telegram', 'discord']) {
      expect(service(name).ports, name).toBeUndefined();
      expect(service(name).healthcheck, `${name} has no HTTP server: the image's /readyz check must be off`).toEqual({
        disable: true,
      });
    }
  });

  it("gives each role an environment the app accepts in production: that role only, compose's postgres and redis, no start-up migration", () => {
    const dotEnv = { ...envExample.values, ...OPERATOR_ENV };
    for (const name of [...APP_SERVICES, 'migrate']) {
      const config = loadConfig(containerEnv(name, dotEnv));
      expect(config.isProduction, name).toBe(true);
      expect(config.database, name).toEqual({
        kind: 'postgres',
        url: `postgresql://imagine:${OPERATOR_ENV.POSTGRES_PASSWORD}@postgres:5432/imagine`,
      });
      expect(config.redisUrl, name).toBe('redis://redis:6379');
      expect(config.autoMigrate, name).toBe(false);
      expect(config.dataDir, name).toBe('/data');
      if (name !== 'migrate') expect(config.roles, name).toEqual([APP_ROLES[name as keyof typeof APP_ROLES]]);
    }
    const postgres = environmentOf(interpolateAll(service('postgres'), dotEnv));
    expect(postgres).toMatchObject({
      POSTGRES_USER: 'imagine',
      POSTGRES_DB: 'imagine',
      POSTGRES_PASSWORD: OPERATOR_ENV.POSTGRES_PASSWORD,
    });
    expect(() => interpolateAll(compose, { ...envExample.values, POSTGRES_PASSWORD: '' })).toThrow(
      /POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/,
    );
  });

  it('lets every app process drain before Docker kills it: stop_grace_period > SHUTDOWN_TIMEOUT_SECONDS + the queue interrupt grace', () => {
    for (const name of APP_SERVICES) {
      const shutdownSeconds = Number(
        containerEnv(name, { ...envExample.values, ...OPERATOR_ENV }).SHUTDOWN_TIMEOUT_SECONDS,
      );
      const grace = durationSeconds(service(name).stop_grace_period ?? '10s') ?? 0;
      expect(grace, name).toBeGreaterThanOrEqual(shutdownSeconds + JOB_QUEUE_DEFAULTS.interruptGraceMs / 1000 + 5);
      expect(grace, `${name}: not so long that a stuck process holds a deploy`).toBeLessThanOrEqual(
        shutdownSeconds + 30,
      );
    }
  });

  it('documents in .env.example every variable the app reads and every ${VAR} the compose file uses', () => {
    const interpolated = new Set<string>();
    interpolateAll(compose, { ...envExample.values, ...OPERATOR_ENV }, interpolated);
    const needed = [...Object.keys(EnvSchema.shape), ...interpolated];
    expect(needed.filter((name) => !envExample.documented.has(name))).toEqual([]);
    expect(interpolated).toContain('POSTGRES_PASSWORD');
  });
});

describe('Dockerfile', () => {
  const runtime = stages.at(-1);
  const build = stages.find((stage) => stage.name === 'build');
  const runs = (stage: typeof runtime) =>
    (stage?.instructions ?? [])
      .filter((step) => step.keyword === 'RUN')
      .map((step) => step.args)
      .join('\n');

  it('has a build stage and a runtime stage, both from node:20-slim', () => {
    expect(stages.map((stage) => [stage.from, stage.name])).toEqual([
      ['node:20-slim', 'build'],
      ['node:20-slim', 'runtime'],
    ]);
  });

  it('generates the Prisma client and compiles the code in the build stage, and copies the build into a runtime with production dependencies only', () => {
    expect(runs(build)).toMatch(/npm ci\b/);
    expect(runs(build)).toMatch(/npm run db:generate|prisma generate/);
    expect(packageJson.scripts['db:generate']).toBe('prisma generate');
    const runtimeInstall = runs(runtime);
    expect(runtimeInstall).toMatch(/npm ci\b[^\n]*--omit=dev/);
    if (packageJson.scripts.postinstall) {
      expect(runtimeInstall, 'the postinstall needs the Prisma CLI, which a production install may not have').toMatch(
        /npm ci\b[^\n]*--ignore-scripts/,
      );
    }
    expect(runtime?.instructions).toContainEqual({ keyword: 'COPY', args: '--from=build /app/dist ./dist' });
    expect(build?.instructions).toContainEqual({ keyword: 'RUN', args: 'npm run build' });
  });

  it('runs as a non-root user with a HEALTHCHECK on /readyz and an exec-form CMD that is node itself', () => {
    const user = runtime?.instructions.filter((step) => step.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const health = healthcheckCommand(runtime?.instructions.find((step) => step.keyword === 'HEALTHCHECK')?.args ?? '');
    expect(health.argv?.[0]).toBe('node');
    expect(health.argv?.join(' ')).toContain('/readyz');
    const cmd = execForm(runtime?.instructions.find((step) => step.keyword === 'CMD')?.args ?? '');
    expect(cmd, 'exec form, so SIGTERM reaches the process').toBeDefined();
    expect(cmd?.[0], 'no npm or tsx wrapper process between Docker and node').toBe('node');
    expect(cmd?.at(-1), 'the compiled build, not TypeScript transpiled at run time').toBe('dist/main.js');
    expect(cmd).not.toContain('tsx');
    expect(runtime?.instructions.some((step) => step.keyword === 'ENTRYPOINT')).toBe(false);
  });

  it('ships in dependencies (not devDependencies) every package the running app and the migrate tool import', () => {
    const sources: string[] = ['main.ts'];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const relative = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(relative);
        else if (entry.name.endsWith('.ts')) sources.push(relative);
      }
    };
    for (const dir of ['core', 'web', 'bots', 'prisma']) walk(dir);
    const packages = new Set<string>(['tsx']);
    for (const file of sources) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const match of text.matchAll(
        /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
      )) {
        const specifier = (match[1] ?? match[2]) as string;
        if (specifier.startsWith('.') || specifier.startsWith('#') || specifier.startsWith('node:')) continue;
        packages.add(
          specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string),
        );
      }
    }
    expect(packages.size).toBeGreaterThan(10);
    expect([...packages].filter((name) => !(name in packageJson.dependencies)).sort()).toEqual([]);
  });

  it('.dockerignore keeps secrets, local state and installs out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['.env', '.git', 'node_modules', '.data', 'core/infra/db/generated', 'dist'])
      expect(ignored, entry).toContain(entry);
    expect(ignored).toContain('!.env.example');
  });
});

describe('the test helpers for Compose', () => {
  it('interpolate like Compose: defaults, required values, $$ escapes', () => {
    expect(interpolate('a-${X:-d}-${Y-e}-$$Z-$X', { X: '', Y: '' })).toBe('a-d--$Z-');
    expect(interpolate('${X:+set}${Y:+set}', { X: '1' })).toBe('set');
    expect(() => interpolate('${X:?give X}', { X: '' })).toThrow('X: give X');
  });

  it('read .env files with trailing comments, commented-out settings and quotes', () => {
    const parsed = readEnvFile('A=1   # one\nB=\n# C=3\nD="x # y"\nE=a#b\n#plain comment\n');
    expect(parsed.values).toEqual({ A: '1', B: '', D: 'x # y', E: 'a#b' });
    expect([...parsed.documented].sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('parse Compose durations', () => {
    expect([durationSeconds('45s'), durationSeconds('1m30s'), durationSeconds('500ms'), durationSeconds('45')]).toEqual(
      [45, 90, 0.5, undefined],
    );
  });
});
