import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { reserveCredits } from '#core/credits/reserve-credits';
import { releaseReservation } from '#core/credits/settle-reservation';
import { renderText } from '#tests/support/chat-driver';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { chatUserWithImage, linkPathFrom } from '#tests/web/support/chat-helpers';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

describe('/link: a chat account joins the web account', () => {
  let h: WebHarness;
  let counter = 0;
  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  async function webUser(): Promise<{ client: WebClient; userId: string }> {
    counter += 1;
    const client = h.client();
    await client.get('/register');
    await client.post('/register', { email: `linker${counter}@example.com`, password: 'a long password', displayName: 'Linker', age: 'yes', terms: 'yes' });
    return { client, userId: (await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: `linker${counter}@example.com` } })).id };
  }

  it('asks a visitor to sign in first, then on confirmation moves credits, creations and identity, and deletes the chat account', async () => {
    const { chat, userId: chatUserId, generationId } = await chatUserWithImage(h.t, '8001');
    const path = await linkPathFrom(chat);
    const visitor = h.client();
    const signInFirst = await visitor.get(path);
    expect(pageText(signInFirst.text)).toContain('Sign in (or create an account) first');
    expect(signInFirst.text).toContain(`href="/login?next=${encodeURIComponent(path)}"`);

    const { client, userId } = await webUser();
    const confirm = await client.get(path);
    expect(pageText(confirm.text)).toContain('Join your Telegram account to this website account?');
    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(1);
    const linked = await client.post(path);
    expect(linked.status).toBe(200);
    // The chat account's credits are what is left of its signup bonus: bonuses never add up.
    expect(pageText(linked.text)).toContain('Linked. 0 credits moved into this account.');

    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(0);
    const identity = await h.t.database.prisma.identity.findUniqueOrThrow({ where: { provider_subject: { provider: 'telegram', subject: '8001' } } });
    expect(identity.userId).toBe(userId);
    expect((await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id: generationId } })).userId).toBe(userId);
    const media = await h.t.database.prisma.mediaAsset.findFirstOrThrow({ where: { generationId } });
    expect(media.userId).toBe(userId);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
    const mergeOut = await h.t.database.prisma.creditLedgerEntry.findMany({ where: { userId, kind: 'merge_out' } });
    expect(mergeOut.map((entry) => [entry.idempotencyKey, entry.delta, entry.reason])).toEqual([[expect.stringMatching(new RegExp(`^merge:${chatUserId}:[0-9a-f-]{36}:out$`)), -9, 'signup_bonus_not_combined']]);
    expect(await h.t.database.prisma.auditLog.count({ where: { action: 'account.merge', targetUserId: userId } })).toBe(1);

    const account = await client.get('/account');
    expect(pageText(account.text)).toContain('Telegram');
    expect(account.text).toContain(`/account/media/${media.id}`);
    const file = await client.get(`/account/media/${media.id}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(renderText((await chat.command('balance'))[0])).toContain('Balance: 10 credits.');

    expect((await client.get(path)).status).toBe(400);
    expect((await client.post(path)).status).toBe(400);
  });

  it('refuses with a conflict while the chat account has a job holding credits, and links once it is done', async () => {
    const { chat, userId: chatUserId } = await chatUserWithImage(h.t, '8002');
    const held = await reserveCredits(h.t.database.prisma, { userId: chatUserId, amount: 2, idempotencyKey: `hold:${chatUserId}`, expiresAt: new Date(h.t.clock.now().getTime() + 3_600_000), now: h.t.clock.now() });
    const path = await linkPathFrom(chat);
    const { client, userId } = await webUser();
    await client.get(path);
    const refused = await client.post(path);
    expect(refused.status).toBe(409);
    expect(pageText(refused.text)).toContain('a job of the chat account is still running');
    expect(await h.t.database.prisma.user.count({ where: { id: chatUserId } })).toBe(1);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);

    await releaseReservation(h.t.database.prisma, held.id, 'test', h.t.clock.now());
    expect((await client.post(path)).status).toBe(200);
    expect((await getBalance(h.t.database.prisma, userId, h.t.clock.now())).available).toBe(10);
  });

  it('says so when the chat account is already linked, and rejects made-up links', async () => {
    const { chat } = await chatUserWithImage(h.t, '8003');
    const { client } = await webUser();
    const first = await linkPathFrom(chat);
    await client.get(first);
    await client.post(first);
    const second = await linkPathFrom(chat);
    await client.get(second);
    const again = await client.post(second);
    expect(pageText(again.text)).toContain('already linked to this account');
    expect((await client.get('/link/not-a-real-token-at-all-000000')).status).toBe(400);
  });
});
