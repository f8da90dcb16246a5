// The bench's baseline bot (`npm run bench -- --only lean`): grammY with the product's runner
// options and its throttler and auto-retry plugins (Telegram's flood limits are not optional),
// one Prisma query per update (the user behind the sender, through the product's generated client
// in dist/ and @prisma/adapter-pg) and one reply. Plain JavaScript, so it runs with the same node
// flags as the compiled product (`node dist/main.js`). Env: BOT_TOKEN, TELEGRAM_API_ROOT, DATABASE_URL.
import { autoRetry } from '@grammyjs/auto-retry';
import { run } from '@grammyjs/runner';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { PrismaPg } from '@prisma/adapter-pg';
import { Bot } from 'grammy';
import { PrismaClient } from '../../../dist/core/infra/db/generated/client.js';

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL, max: 10 }) });
const bot = new Bot(process.env.BOT_TOKEN, { client: { apiRoot: process.env.TELEGRAM_API_ROOT } });
bot.api.config.use(apiThrottler());
bot.api.config.use(
  autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true, rethrowInternalServerErrors: false }),
);

bot.on('message:text', async (ctx) => {
  const subject = String(ctx.from.id);
  const user = await prisma.user.findFirst({
    where: { identities: { some: { provider: 'telegram', subject } } },
    select: { id: true, locale: true },
  });
  await ctx.reply(user ? `${ctx.message.text.split(' ')[0]}: ${user.id}` : 'Welcome!');
});

await bot.init();
const runner = run(bot, {
  runner: {
    silent: true,
    fetch: { allowed_updates: ['message', 'callback_query', 'pre_checkout_query'], timeout: 30 },
  },
});
process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: 'ready' })}\n`);

const stop = async () => {
  if (runner.isRunning()) await runner.stop();
  await prisma.$disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
