// Prisma CLI configuration. Prisma's CLI wants a native schema engine it cannot download here;
// pointing PRISMA_SCHEMA_ENGINE_BINARY at a script that explains our own migrate tool keeps
// `npx prisma generate` working offline. Migrations run through `npm run db:migrate`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(
  new URL('../prisma/migrate/schema-engine-stub.sh', import.meta.url),
);

export default defineConfig({
  schema: '../prisma/schema.prisma',
  migrations: { path: '../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/imagine' },
});
