// `npm run build`: compiles the service to plain JavaScript in dist/ so production runs
// `node dist/main.js` with no TypeScript loader. After tsc it copies the files the compiled code
// reads at run time and writes a package.json whose subpath imports (#core/…) name .js files.
// Then esbuild bundles dist/main.js, the packages it imports included, into dist/main.js and
// chunks beside it (the lazily imported parts stay lazy): loading ~1,500 modules one by one was
// half of a start's CPU. The other entry points (admin CLI, migrate CLI, sharding) stay as tsc
// wrote them. It also writes the migrated PGlite baseline a fresh embedded database starts from.
// `--no-check` skips type checking, for `npm test`, which has just type-checked the whole tree.
import { spawnSync } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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

// Packages that find files of their own beside their code (wasm, native addons, data files),
// grammY (bundled, the telegram role never got past its start), and those the code imports
// lazily, which a start does not load anyway, stay in node_modules.
const EXTERNAL = [
  'nodemailer',
  'openid-client',
  'opencc-js',
  'opencc-js/*',
  'yazl',
  'stripe',
  '@electric-sql/pglite',
  'pglite-prisma-adapter',
  '@prisma/schema-engine-wasm',
  'sharp',
  'msgpackr-extract',
  'grammy',
  '@grammyjs/*',
  'discord.js',
  '@discordjs/*',
  'zlib-sync',
  'bufferutil',
  'utf-8-validate',
  '@aws-sdk/*',
];
// Every output file sits in dist/ itself, so a `new URL('<relative>', import.meta.url)` of a
// compiled module (its messages, legal texts, workflows, migrations) is rewritten relative to dist/.
const relativeUrls = {
  name: 'relative-urls',
  setup(bundler) {
    const ownModules = new RegExp(`^${dist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.js$`);
    bundler.onLoad({ filter: ownModules }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const contents = source.replace(
        /new URL\((['"])(\.{1,2}\/[^'"]*)\1, import\.meta\.url\)/g,
        (_, quote, target) => {
          const fromDist = relative(dist, resolve(dirname(path), target)) + (target.endsWith('/') ? '/' : '');
          return `new URL(${quote}./${fromDist}${quote}, import.meta.url)`;
        },
      );
      return { contents, loader: 'js' };
    });
  },
};
await build({
  entryPoints: [`${dist}main.js`],
  outdir: dist,
  allowOverwrite: true,
  chunkNames: 'main-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [relativeUrls],
  // Bundled CommonJS packages call require() for node's own modules.
  banner: {
    js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);",
  },
  logLevel: 'warning',
});

// A migrated PGlite data directory that a fresh embedded database starts from (prisma/migrate/pglite-baseline.ts).
const { writePgliteBaseline } = await import(`${dist}prisma/migrate/pglite-baseline.js`);
process.stdout.write(`PGlite baseline: ${await writePgliteBaseline()}\n`);
