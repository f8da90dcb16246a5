import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '#tests/support/free-port';

const run = promisify(execFile);

/** A throw-away PostgreSQL cluster of the fault script, so restarting it disturbs nobody else. */
export type OwnPostgres = {
  port: number;
  /** The URL of `database` on this cluster (trust auth as `postgres`). */
  urlFor(database: string): string;
  /** `pg_ctl stop`: `fast` rolls back open transactions and closes connections; `immediate` is a crash. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster if it runs and deletes its directory. */
  destroy(): Promise<void>;
};

/**
 * Creates a cluster in a temp directory with `initdb` and starts it on a free port of 127.0.0.1,
 * as the `postgres` user (initdb refuses root). The binaries are Debian's newest under
 * /usr/lib/postgresql. fsync is off for speed: it only matters when the machine itself crashes,
 * and the faults here crash the server. Commits stay synchronous, so a commit the server
 * acknowledged survives its crash, as in production (`synchronous_commit=off` would lose the
 * last ones and make the service look as if it lost admitted jobs).
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = await findPostgresBin();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-fault-pg-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { timeout: 60_000 });
  await run('chown', ['postgres:postgres', dir]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  let isRunning = false;
  const cluster: OwnPostgres = {
    port,
    urlFor: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async stop(mode) {
      await asPostgres('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
      isRunning = false;
    },
    async start() {
      await asPostgres('pg_ctl', [
        '-D',
        dataDir,
        '-o',
        options,
        '-l',
        path.join(dir, 'server.log'),
        '-w',
        '-t',
        '30',
        'start',
      ]);
      isRunning = true;
    },
    async destroy() {
      if (isRunning) await cluster.stop('immediate').catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await asPostgres('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** Creates a database on `cluster`. */
export async function createDatabaseOn(cluster: OwnPostgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.urlFor('postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return cluster.urlFor(name);
}

async function findPostgresBin(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await fs.readdir(root).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  if (!version) throw new Error(`no PostgreSQL binaries under ${root}`);
  return path.join(root, version, 'bin');
}
