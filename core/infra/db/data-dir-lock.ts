import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Who holds an embedded database: written into the lock file, shown to whoever is refused. */
export type LockHolder = {
  pid: number;
  hostname: string;
  /** When the holding process started (ISO 8601). */
  startedAt: string;
  /** Its command line, for the operator who has to find it. */
  command: string;
  /** Linux: the process start time in clock ticks since boot (`/proc/<pid>/stat`), to tell a reused pid apart. */
  startTicks: string | null;
  /** Unique per acquisition: release and stale-lock removal only ever remove the lock they read. */
  nonce: string;
};

/** The single-writer lock file of an embedded database kept in `dataDir`: `<dataDir>.lock`, beside it. */
export function embeddedLockPath(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

/** The embedded database is held by another live process (or one this host cannot check). */
export class DataDirLockedError extends Error {
  readonly holder: LockHolder | undefined;
  readonly lockPath: string;

  constructor(lockPath: string, holder: LockHolder | undefined, reason: string) {
    super(`${reason}\n  lock file: ${lockPath}`);
    this.name = 'DataDirLockedError';
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** A held lock: release it after the database is closed. */
export type DataDirLock = { path: string; holder: LockHolder; release(): Promise<void> };

/** A breaker that holds `<lock>.break` longer than this crashed mid-removal; it only ever holds it for one rename. */
const BREAKER_STALE_MS = 10_000;

/** Locks this process holds (the pid check cannot tell two openers inside one process apart). */
const heldHere = new Map<string, LockHolder>();
let isExitHookInstalled = false;

/**
 * Takes the single-writer lock of an embedded database: `lockPath` is created atomically (a
 * fully written temporary file hard-linked into place, which fails when the name exists), so
 * two processes never both hold it and nobody reads a half-written holder. A lock whose holder
 * is gone (its pid is not alive on this host, or now belongs to a process started at another
 * time) is removed, under a short breaker lock so two newcomers cannot both remove it and
 * then both win. Throws `DataDirLockedError` naming the live holder otherwise.
 */
export async function acquireDataDirLock(lockPath: string): Promise<DataDirLock> {
  const absolute = path.resolve(lockPath);
  const mine = await describeThisProcess();
  const here = heldHere.get(absolute);
  if (here)
    throw new DataDirLockedError(
      absolute,
      here,
      `${describeHolder(here)} already has this embedded database open (this same process).`,
    );
  await fs.mkdir(path.dirname(absolute), { recursive: true });
  const temporary = `${absolute}.${mine.nonce}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(mine)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      try {
        await fs.link(temporary, absolute);
        heldHere.set(absolute, mine);
        installExitHook();
        return { path: absolute, holder: mine, release: () => releaseLock(absolute, mine) };
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw error;
      }
      const holder = await readLockHolder(absolute);
      if (holder === 'missing') continue;
      const verdict = holder === 'unreadable' ? 'alive' : await judgeHolder(holder);
      if (verdict !== 'dead')
        throw new DataDirLockedError(absolute, holder === 'unreadable' ? undefined : holder, refusal(holder, verdict));
      await removeStaleLock(absolute, holder as LockHolder);
    }
    throw new DataDirLockedError(
      absolute,
      undefined,
      'Could not take the embedded database lock: other processes keep taking it.',
    );
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** The holder written in a lock file; `missing` when there is none, `unreadable` when it is not ours. */
export async function readLockHolder(lockPath: string): Promise<LockHolder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(lockPath, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.nonce !== 'string' || typeof parsed.hostname !== 'string')
      return 'unreadable';
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      startedAt: String(parsed.startedAt ?? '?'),
      command: String(parsed.command ?? '?'),
      startTicks: parsed.startTicks ?? null,
      nonce: parsed.nonce,
    };
  } catch {
    return 'unreadable';
  }
}

/** "pid 123 on host h (started …, command: …)". */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.hostname} (started ${holder.startedAt}, command: ${holder.command})`;
}

function refusal(holder: LockHolder | 'unreadable', verdict: 'alive' | 'elsewhere'): string {
  if (holder === 'unreadable')
    return 'The embedded database is locked by a lock file this program did not write. Remove it only if no process uses this DATA_DIR.';
  if (verdict === 'elsewhere') {
    return `The embedded database is in use by ${describeHolder(holder)}, another host, which cannot be checked from here. Remove the lock file only if that process is gone.`;
  }
  return `The embedded database is in use by ${describeHolder(holder)}. One process at a time may open it: stop that process first (admin commands reach a running server by themselves).`;
}

async function judgeHolder(holder: LockHolder): Promise<'alive' | 'dead' | 'elsewhere'> {
  if (holder.hostname !== os.hostname()) return 'elsewhere';
  if (holder.pid === process.pid)
    return [...heldHere.values()].some((held) => held.nonce === holder.nonce) ? 'alive' : 'dead';
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if (isCode(error, 'ESRCH')) return 'dead';
    if (!isCode(error, 'EPERM')) throw error;
  }
  const ticks = await readStartTicks(holder.pid);
  if (holder.startTicks !== null && ticks !== null && ticks !== holder.startTicks) return 'dead';
  return 'alive';
}

/**
 * Removes a lock whose holder is dead. Under `<lock>.break` (created exclusively, held for one
 * read and one rename), it re-reads the lock and removes it only if it is still the one judged
 * stale: a newcomer that took the lock meanwhile keeps it.
 */
async function removeStaleLock(lockPath: string, stale: LockHolder): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    await fs.writeFile(breaker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (!isCode(error, 'EEXIST')) throw error;
    const stat = await fs.stat(breaker).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > BREAKER_STALE_MS) await fs.rm(breaker, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  try {
    const current = await readLockHolder(lockPath);
    if (current !== 'missing' && current !== 'unreadable' && current.nonce === stale.nonce) {
      const aside = `${lockPath}.${randomUUID()}.stale`;
      await fs.rename(lockPath, aside);
      await fs.rm(aside, { force: true });
    }
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function releaseLock(lockPath: string, mine: LockHolder): Promise<void> {
  if (heldHere.get(lockPath)?.nonce !== mine.nonce) return;
  heldHere.delete(lockPath);
  const current = await readLockHolder(lockPath);
  if (current !== 'missing' && current !== 'unreadable' && current.nonce === mine.nonce)
    await fs.rm(lockPath, { force: true });
}

/** A process that exits without closing (a drain timeout, a crash) still leaves no lock behind. */
function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.once('exit', () => {
    for (const [lockPath, mine] of heldHere) {
      try {
        const current = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockHolder>;
        if (current.nonce === mine.nonce) unlinkSync(lockPath);
      } catch {
        // Nothing to release: the next opener judges the lock by its pid anyway.
      }
    }
  });
}

async function describeThisProcess(): Promise<LockHolder> {
  const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ');
  return {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString(),
    command: command.length > 300 ? `${command.slice(0, 297)}...` : command,
    startTicks: await readStartTicks(process.pid),
    nonce: randomUUID(),
  };
}

/** Field 22 of `/proc/<pid>/stat` (start time since boot); null where there is no procfs. */
async function readStartTicks(pid: number): Promise<string | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
