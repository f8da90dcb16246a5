import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');

// A module loader hook that writes every URL node loads, one a line, to the file named by LOADED_LOG.
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  const result = await next(url, context);
  appendFileSync(process.env.LOADED_LOG, url + '\\n');
  return result;
}`;

/**
 * Runs `script` (an ES module body; `#core/…` imports resolve) in a fresh node with tsx, and
 * returns the npm packages it loaded (`@scope/name` or `name`), so a test can say which SDKs a
 * path of the code never pulls in.
 */
export async function packagesLoadedBy(script: string): Promise<Set<string>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-loaded-'));
  try {
    const hooks = path.join(dir, 'hooks.mjs');
    const register = path.join(dir, 'register.mjs');
    const log = path.join(dir, 'loaded.txt');
    await fs.writeFile(hooks, HOOKS);
    await fs.writeFile(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    await fs.writeFile(log, '');
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--import', register, '--input-type=module', '--eval', script],
      { cwd: ROOT, env: { ...process.env, LOADED_LOG: log }, timeout: 60_000 },
    );
    const urls = (await fs.readFile(log, 'utf8')).split('\n');
    const packages = urls.flatMap((url) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      return match?.[1] ? [match[1]] : [];
    });
    return new Set(packages);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
