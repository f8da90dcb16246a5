// `npm run build`: compiles the service to plain JavaScript in dist/ so production runs
// `node dist/main.js` with no TypeScript loader. After tsc it copies the files the compiled code
// reads at run time and writes a package.json whose subpath imports (#core/…) name .js files.
// It also writes the migrated PGlite baseline a fresh embedded database starts from.
// `--no-check` skips type checking, for `npm test`, which has just type-checked the whole tree.
import { spawnSync } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist/`;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

await rm(dist, { recursive: true, force: true });
const args = [
  tsc,
  '-p',
  `${root}.config/tsconfig.build.json`,
  ...(process.argv.includes('--no-check') ? ['--noCheck'] : []),
];
const compiled = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8'));
const imports = Object.fromEntries(
  Object.entries(pkg.imports)
    .filter(([name]) => name !== '#tests/*')
    .map(([name, target]) => [name, target.replace(/\.ts$/, '.js')]),
);
await writeFile(`${dist}package.json`, `${JSON.stringify({ type: 'module', private: true, imports }, null, 2)}\n`);

await cp(`${root}web/legal`, `${dist}web/legal`, { recursive: true });
await cp(`${root}core/i18n/messages`, `${dist}core/i18n/messages`, { recursive: true });
await cp(`${root}core/providers/comfyui/workflows`, `${dist}core/providers/comfyui/workflows`, { recursive: true });
await cp(`${root}prisma/migrations`, `${dist}prisma/migrations`, { recursive: true });
await cp(`${root}prisma/functions`, `${dist}prisma/functions`, { recursive: true });
await cp(`${root}prisma/schema.prisma`, `${dist}prisma/schema.prisma`);
await cp(`${root}core/models/models.default.json`, `${dist}core/models/models.default.json`);

// A migrated PGlite data directory that a fresh embedded database starts from (prisma/migrate/pglite-baseline.ts).
const { writePgliteBaseline } = await import(`${dist}prisma/migrate/pglite-baseline.js`);
process.stdout.write(`PGlite baseline: ${await writePgliteBaseline()}\n`);
