/**
 * The operator's command line: `npm run admin -- <command>` (see `ADMIN_USAGE`). In docker
 * compose (the compiled build): `docker compose exec web node dist/core/admin/admin-cli.js <command>`. Results go to stdout,
 * reasons for refusing to stderr (or stdout as JSON with --json); the exit code says which.
 */
import os from 'node:os';
import { runAdminCli } from '#core/admin/run-admin-cli';

/** The audit actor: `cli:<os user>` (the account that ran the command on the host or in the container). */
function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

process.exitCode = await runAdminCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  actor: cliActor(),
});
