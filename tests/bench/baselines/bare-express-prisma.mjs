// The bench's baseline web app (`npm run bench -- --only lean`): Express that opens the product's
// Prisma client (generated, in dist/) on PostgreSQL with one query, then answers /healthz. Plain
// JavaScript, run like the compiled product. Env: DATABASE_URL, PORT, HOST.
import { PrismaPg } from '@prisma/adapter-pg';
import express from 'express';
import { PrismaClient } from '../../../dist/core/infra/db/generated/client.js';

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 10 }) });
await prisma.user.findFirst({ select: { id: true } });
const app = express();
app.get('/healthz', (_request, response) => {
  response.json({ status: 'ok' });
});
const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: 'ready' })}\n`);
});
process.on('SIGTERM', () => server.close(() => void prisma.$disconnect().then(() => process.exit(0))));
