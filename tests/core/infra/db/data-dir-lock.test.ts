import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, readLockHolder, type LockHolder } from '#core/infra/db/data-dir-lock';

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(run.stdout.toString());
}

function holderLine(fields: Partial<LockHolder>): string {
  return JSON.stringify({
    pid: 1,
    hostname: os.hostname(),
    startedAt: '2026-01-01T00:00:00.000Z',
    command: 'node main.ts',
    startTicks: null,
    nonce: 'n-1',
    ...fields,
  });
}

async function refusal(lockPath: string): Promise<DataDirLockedError> {
  const error = await acquireDataDirLock(lockPath).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataDirLockedError);
  return error as DataDirLockedError;
}

describe('the embedded database lock (core/infra/db/data-dir-lock.ts)', () => {
  let dir: string;
  let sleeper: ReturnType<typeof spawn>;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-lock-'));
    sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    await new Promise((resolve) => sleeper.once('spawn', resolve));
  });
  afterAll(async () => {
    sleeper.kill();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is taken and released; the lock file names this process and only its owner can read it', async () => {
    const lockPath = path.join(dir, 'plain.lock');
    const lock = await acquireDataDirLock(lockPath);
    const written = await readLockHolder(lockPath);
    expect(written).toMatchObject({ pid: process.pid, hostname: os.hostname(), nonce: lock.holder.nonce });
    expect((await fs.stat(lockPath)).mode & 0o777).toBe(0o600);
    expect((await refusal(lockPath)).message).toContain(`pid ${process.pid} on host ${os.hostname()}`);
    await lock.release();
    await expect(fs.stat(lockPath)).rejects.toThrow(/ENOENT/);
    await (await acquireDataDirLock(lockPath)).release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('refuses while a live process holds it, naming pid, start time and command', async () => {
    const lockPath = path.join(dir, 'live.lock');
    const ticks =
      (await fs.readFile(`/proc/${sleeper.pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ')[19] ?? null;
    await fs.writeFile(
      lockPath,
      holderLine({ pid: sleeper.pid, startTicks: ticks, command: 'node --import tsx main.ts' }),
    );
    const error = await refusal(lockPath);
    expect(error.message).toContain(
      `The embedded database is in use by pid ${sleeper.pid} on host ${os.hostname()} (started 2026-01-01T00:00:00.000Z, command: node --import tsx main.ts)`,
    );
    expect(error.holder?.pid).toBe(sleeper.pid);
    expect(await readLockHolder(lockPath)).toMatchObject({ pid: sleeper.pid });
  });

  it('takes over a lock whose holder is dead, or whose pid now belongs to a process started later', async () => {
    const dead = path.join(dir, 'dead.lock');
    await fs.writeFile(dead, holderLine({ pid: deadPid() }));
    const first = await acquireDataDirLock(dead);
    expect(await readLockHolder(dead)).toMatchObject({ pid: process.pid, nonce: first.holder.nonce });
    await first.release();

    if (process.platform === 'linux') {
      const reused = path.join(dir, 'reused.lock');
      await fs.writeFile(reused, holderLine({ pid: sleeper.pid, startTicks: '1' }));
      const second = await acquireDataDirLock(reused);
      expect(await readLockHolder(reused)).toMatchObject({ pid: process.pid });
      await second.release();
    }
  });

  it('refuses a holder on another host and a lock file it did not write, and leaves both alone', async () => {
    const elsewhere = path.join(dir, 'elsewhere.lock');
    await fs.writeFile(elsewhere, holderLine({ pid: deadPid(), hostname: 'another-host' }));
    expect((await refusal(elsewhere)).message).toMatch(/another host, which cannot be checked from here/);
    const garbage = path.join(dir, 'garbage.lock');
    await fs.writeFile(garbage, 'not json');
    expect((await refusal(garbage)).message).toMatch(/a lock file this program did not write/);
    expect(await fs.readFile(garbage, 'utf8')).toBe('not json');
  });

  it('when many race for a stale lock, exactly one wins and the others are told who', async () => {
    const lockPath = path.join(dir, 'race.lock');
    await fs.writeFile(lockPath, holderLine({ pid: deadPid() }));
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireDataDirLock(lockPath)));
    const winners = results.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireDataDirLock>>>).value;
    for (const result of results.filter((item) => item.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DataDirLockedError);
    }
    expect(await readLockHolder(lockPath)).toMatchObject({ nonce: winner.holder.nonce });
    await winner.release();
    expect((await fs.readdir(dir)).filter((name) => name.startsWith('race'))).toEqual([]);
  });
});
