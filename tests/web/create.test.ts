import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMS_VERSION } from '#core';
import { cancelGeneration } from '#core/generation/cancel-generation';
import { deliverFinalMessage } from '#core/generation/deliver-final-message';
import { retryUndeliveredMessages } from '#core/generation/retry-undelivered-messages';
import { runGenerationJob } from '#core/generation/run-generation-job';
import { sweepOverdueGenerations } from '#core/generation/sweep-overdue-generations';
import { makePng, isPng } from '#tests/fakes/test-png';
import { findLedgerViolations } from '#tests/support/ledger-invariants';
import { pageText, type WebClient, type WebResponse } from '#tests/web/support/web-client';
import { startWebHarness, type WebHarness } from '#tests/web/support/web-harness';

const PASSWORD = 'a long enough password';

type LiveEvent = { name: string; data: Record<string, unknown> };

/** Reads a job's live stream to its end (the server closes it once the job ended). */
async function readEvents(client: WebClient, path: string): Promise<{ status: number; events: LiveEvent[] }> {
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await fetch(`${client.baseUrl}${path}`, {
    headers: { cookie, accept: 'text/event-stream', ...client.headers },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const events: LiveEvent[] = [];
  for (const block of text.split('\n\n')) {
    const name = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (name && data) events.push({ name, data: JSON.parse(data) as Record<string, unknown> });
  }
  return { status: response.status, events };
}

function requestIdOf(page: WebResponse): string {
  const id = /name="requestId" value="([^"]+)"/.exec(page.text)?.[1];
  expect(id, 'the form has no requestId').toBeDefined();
  return id ?? '';
}

function jobIdOf(response: WebResponse): string {
  expect(response.status, pageText(response.text)).toBe(303);
  const id = /^\/create\/jobs\/([0-9a-f-]{36})$/.exec(response.location ?? '')?.[1];
  expect(id, response.location).toBeDefined();
  return id ?? '';
}

describe('creating on the website', () => {
  let h: WebHarness;
  let counter = 0;

  beforeAll(async () => {
    h = await startWebHarness({ startWorker: true });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  async function signUp(
    email = `creator${(counter += 1)}@example.com`,
  ): Promise<{ client: WebClient; userId: string }> {
    const client = h.client();
    await client.get('/register');
    const response = await client.post('/register', {
      email,
      password: PASSWORD,
      displayName: 'Creator',
      age: 'yes',
      terms: 'yes',
    });
    expect(response.status).toBe(303);
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email } });
    return { client, userId: user.id };
  }

  async function create(
    client: WebClient,
    fields: Record<string, string>,
    options: { file?: { field: string; name: string; type: string; bytes: Buffer }; csrf?: boolean } = {},
  ): Promise<WebResponse> {
    // Each admission must be past the free plan's spacing from the previous one.
    h.t.clock.advance(5_000);
    const page = await client.get('/create');
    return client.postMultipart('/create', { requestId: requestIdOf(page), ...fields }, options);
  }

  async function ledgerOf(userId: string) {
    return h.t.database.prisma.creditLedgerEntry.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  it('shows the form with the price, creates, streams the status and the result in order, and charges the price shown', async () => {
    const { client, userId } = await signUp();
    const form = await client.get('/create');
    expect(form.status).toBe(200);
    const formText = pageText(form.text);
    expect(formText).toContain('Cost in credits: 1');
    expect(formText).toContain('Your balance in credits: 10');
    expect(form.text).toContain('<a href="/create">Create</a>');
    expect(form.text).toContain('<script src="/assets/create.js" defer></script>');

    const priced = await client.get('/create/cost?count=2&hd=yes&aspectRatio=16%3A9');
    expect(priced.status).toBe(200);
    expect(JSON.parse(priced.text)).toMatchObject({ cost: 4, balance: 10, costText: 'Cost in credits: 4' });

    const id = jobIdOf(
      await create(client, { prompt: 'a lighthouse at dusk', count: '2', hd: 'yes', aspectRatio: '16:9' }),
    );
    const { status, events } = await readEvents(client, `/create/jobs/${id}/events`);
    expect(status).toBe(200);
    const names = events.map((event) => event.name);
    expect(names.at(-1)).toBe('done');
    expect(names.slice(0, -1).every((name) => name === 'status')).toBe(true);
    const done = events.at(-1)?.data as { images: { url: string; alt: string }[]; balance: number; text: string };
    expect(done.text).toBe('Done.');
    expect(done.balance).toBe(6);
    expect(done.images).toHaveLength(2);
    for (const image of done.images) {
      expect(image.url).toMatch(new RegExp(`^${h.baseUrl}/media/[0-9a-f-]{36}\\?`));
      const bytes = Buffer.from(await (await fetch(image.url)).arrayBuffer());
      expect(isPng(bytes)).toBe(true);
    }

    const ledger = await ledgerOf(userId);
    const ofJob = ledger.filter((entry) => entry.generationId === id);
    expect(ofJob.map((entry) => [entry.kind, entry.delta])).toEqual([
      ['reserve', -4],
      ['capture', 0],
    ]);
    const generation = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'succeeded', cost: 4, deliveryAttempts: 0 });
    expect(generation.delivery).toMatchObject({ platform: 'web' });
    expect(generation.deliveredAt).not.toBeNull();
    expect(generation.options).toMatchObject({
      subject: 'a lighthouse at dusk',
      aspectRatio: '16:9',
      count: 2,
      quality: 'hd',
    });

    const page = await client.get(`/create/jobs/${id}`);
    const text = pageText(page.text);
    expect(text).toContain('Done.');
    expect(text).toContain('Cost in credits: 4');
    expect(text).toContain('Your balance in credits after this: 6');
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(page.text.match(/<img src="http[^"]+\/media\//g)).toHaveLength(2);
    expect(page.text).toContain(`href="/create?again=${id}"`);
    expect(page.text).toContain(`href="/create?vary=${id}&amp;image=2"`);

    // Deleted from the gallery: its job page and events are gone too.
    await h.t.core.gallery.delete({ userId, generationId: id });
    expect((await client.get(`/create/jobs/${id}`)).status).toBe(404);
    expect((await client.get(`/create/jobs/${id}/events`)).status).toBe(404);
  });

  it('prices a bad option with its message, and shows the form in Chinese', async () => {
    const { client } = await signUp();
    const bad = await client.get('/create/cost?count=9');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ error: 'Option count cannot be 9. Allowed: 1-4.' });
    await client.get('/lang/zh-CN?next=/create');
    const chinese = await client.get('/create');
    const text = pageText(chinese.text);
    expect(text).toContain('创作图片');
    expect(text).toContain('所需积分：1');
    expect(text).toContain('你的积分余额：10');
  });

  it('admits a form sent twice once', async () => {
    const { client, userId } = await signUp();
    h.t.clock.advance(5_000);
    const page = await client.get('/create');
    const fields = { requestId: requestIdOf(page), prompt: 'a paper boat' };
    const first = jobIdOf(await client.postMultipart('/create', fields));
    const second = jobIdOf(await client.postMultipart('/create', fields));
    expect(second).toBe(first);
    expect(await h.t.database.prisma.generation.count({ where: { userId } })).toBe(1);
  });

  it('refuses bad requests with a clear message on the form, charging nothing and starting nothing', async () => {
    const { client, userId } = await signUp();
    const before = await ledgerOf(userId);
    const cases: {
      fields: Record<string, string>;
      file?: { field: string; name: string; type: string; bytes: Buffer };
      status: number;
      message: string;
    }[] = [
      {
        fields: { prompt: 'a cat', count: 'lots' },
        status: 400,
        message: 'Option count cannot be lots. Allowed: 1-4.',
      },
      { fields: { prompt: '   ' }, status: 400, message: 'Please write a prompt: what should the picture show?' },
      { fields: { prompt: 'a cat', aspectRatio: '7:5' }, status: 400, message: 'Option aspect ratio cannot be 7:5.' },
      {
        fields: { prompt: 'a cat', model: 'nobody-offers-this' },
        status: 400,
        message: 'There is no model "nobody-offers-this" for this command.',
      },
      { fields: { prompt: 'a cat', template: 'no-such-template' }, status: 400, message: 'no-such-template' },
      {
        fields: { prompt: 'a cat', negative: 'text' },
        status: 400,
        message: 'cannot leave things out (--no)',
      },
      { fields: { prompt: 'blood and gore everywhere' }, status: 422, message: '' },
      {
        fields: { prompt: 'make it blue' },
        file: {
          field: 'image',
          name: 'photo.png',
          type: 'image/png',
          bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        },
        status: 400,
        message: 'This file is not a PNG, JPEG, WebP or GIF picture',
      },
      {
        fields: { prompt: 'make it blue' },
        file: { field: 'image', name: 'big.png', type: 'image/png', bytes: Buffer.alloc(10 * 1024 * 1024 + 1, 1) },
        status: 413,
        message: 'The picture is larger than 10 MB. Nothing was charged.',
      },
    ];
    for (const attempt of cases) {
      const response = await create(client, attempt.fields, attempt.file ? { file: attempt.file } : {});
      expect(response.status, JSON.stringify(attempt.fields)).toBe(attempt.status);
      const alert = /<p class="notice notice-error" role="alert">([^<]*)<\/p>/.exec(response.text)?.[1] ?? '';
      expect(alert, JSON.stringify(attempt.fields)).not.toBe('');
      expect(pageText(alert)).toContain(attempt.message);
      // The form comes back with what was typed.
      expect(response.text).toContain('name="requestId"');
    }
    expect(await h.t.database.prisma.generation.count({ where: { userId } })).toBe(0);
    expect(await ledgerOf(userId)).toEqual(before);
    expect(await h.t.database.prisma.moderationEvent.count({ where: { userId, verdict: 'blocked' } })).toBe(1);
  });

  it('refuses a request the balance cannot pay, naming the price and the balance', async () => {
    // The same person again (a Gmail address written another way): no second signup bonus, so no credits.
    await signUp('pat.creator@gmail.com');
    const { client, userId } = await signUp('patcreator+again@googlemail.com');
    const response = await create(client, { prompt: 'a lighthouse', count: '2' });
    expect(response.status).toBe(402);
    expect(pageText(response.text)).toContain('This costs 2 credits and you have 0. Nothing was charged.');
    expect(await h.t.database.prisma.generation.count({ where: { userId } })).toBe(0);
    expect((await ledgerOf(userId)).filter((entry) => entry.kind === 'reserve')).toEqual([]);
  });

  it('sends someone who has not accepted the current terms to accept them, and refuses a suspended account', async () => {
    const { client, userId } = await signUp();
    await h.t.database.prisma.user.update({ where: { id: userId }, data: { termsVersion: '2000-01-01' } });
    const form = await client.get('/create?again=x');
    expect(form.status).toBe(303);
    expect(form.location).toBe(`/welcome?next=${encodeURIComponent('/create?again=x')}`);

    await h.t.database.prisma.user.update({
      where: { id: userId },
      data: {
        termsVersion: TERMS_VERSION,
        status: 'suspended',
        suspendedUntil: new Date(h.t.clock.now().getTime() + 24 * 3600_000),
        suspendedReason: 'moderation',
      },
    });
    const before = await ledgerOf(userId);
    const response = await create(client, { prompt: 'a cat' });
    expect(response.status).toBe(403);
    expect(pageText(response.text)).toContain('Creating is paused on your account until');
    expect(await h.t.database.prisma.generation.count({ where: { userId } })).toBe(0);
    expect(await ledgerOf(userId)).toEqual(before);
  });

  it('refuses a form without the CSRF token', async () => {
    const { client, userId } = await signUp();
    const response = await create(client, { prompt: 'a cat' }, { csrf: false });
    expect(response.status).toBe(403);
    expect(await h.t.database.prisma.generation.count({ where: { userId } })).toBe(0);
  });

  it('shows a job and its events to its owner only', async () => {
    const owner = await signUp();
    const id = jobIdOf(await create(owner.client, { prompt: 'a quiet harbour' }));
    await readEvents(owner.client, `/create/jobs/${id}/events`);
    const other = await signUp();
    expect((await other.client.get(`/create/jobs/${id}`)).status).toBe(404);
    expect((await readEvents(other.client, `/create/jobs/${id}/events`)).status).toBe(404);
    expect((await other.client.get(`/create?again=${id}`)).text).toContain(
      'That creation is not one of yours (or is gone), so the form starts empty.',
    );
    const anonymous = h.client();
    const page = await anonymous.get(`/create/jobs/${id}`);
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(`/create/jobs/${id}`)}`);
  });

  it('fills the form from an earlier creation (again), edits one of its pictures (vary), and notes a remix it cannot open', async () => {
    const { client, userId } = await signUp();
    const id = jobIdOf(await create(client, { prompt: 'a red kite over hills', count: '2', aspectRatio: '3:2' }));
    await readEvents(client, `/create/jobs/${id}/events`);

    const again = await client.get(`/create?again=${id}`);
    expect(again.text).toContain('>a red kite over hills</textarea>');
    expect(again.text).toContain('<option value="2" selected>2</option>');
    expect(again.text).toContain('<option value="3:2" selected>3:2</option>');
    expect(pageText(again.text)).toContain('Filled in from your earlier creation.');

    const outputs = await h.t.database.prisma.mediaAsset.findMany({
      where: { generationId: id, role: 'output' },
      orderBy: { createdAt: 'asc' },
    });
    const vary = await client.get(`/create?vary=${id}&image=2`);
    expect(vary.text).toContain(`name="inputAsset" value="${outputs[1]?.id}"`);
    expect(vary.text).toContain(`<img src="/account/media/${outputs[1]?.id}"`);
    h.t.clock.advance(5_000);
    const edit = jobIdOf(
      await client.postMultipart('/create', {
        requestId: requestIdOf(vary),
        prompt: 'make it autumn',
        inputAsset: outputs[1]?.id ?? '',
      }),
    );
    const { events } = await readEvents(client, `/create/jobs/${edit}/events`);
    expect(events.at(-1)?.name).toBe('done');
    const edited = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id: edit } });
    expect(edited.parentId).toBe(id);
    expect(edited.inputMediaId).not.toBeNull();
    expect(edited.userId).toBe(userId);

    const remix = await client.get('/create?remix=someone-elses-fox');
    expect(remix.status).toBe(200);
    expect(pageText(remix.text)).toContain('That shared creation cannot be opened here, so the form starts empty.');

    // A page published with its prompt: anyone signed in starts from its prompt and options; hidden prompt: nothing.
    const { slug } = await h.t.core.sharing.set({ userId, generationId: id, isPublished: true, isPromptShared: true });
    const stranger = (await signUp()).client;
    const shared = await stranger.get(`/create?remix=${slug}`);
    expect(shared.text).toContain('>a red kite over hills</textarea>');
    expect(shared.text).toContain('<option value="3:2" selected>3:2</option>');
    await h.t.core.sharing.set({ userId, generationId: id, isPublished: true, isPromptShared: false });
    const hidden = await stranger.get(`/create?remix=${slug}`);
    expect(hidden.text).not.toContain('a red kite over hills');
    expect(pageText(hidden.text)).toContain('That shared creation cannot be opened here, so the form starts empty.');
  });

  it('edits an uploaded picture, checked by its content', async () => {
    const { client } = await signUp();
    const id = jobIdOf(
      await create(
        client,
        { prompt: 'add a hat' },
        { file: { field: 'image', name: 'not-a-png.txt', type: 'text/plain', bytes: makePng(64, 48) } },
      ),
    );
    const { events } = await readEvents(client, `/create/jobs/${id}/events`);
    expect(events.at(-1)?.name).toBe('done');
    const generation = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    const input = await h.t.database.prisma.mediaAsset.findUniqueOrThrow({
      where: { id: generation.inputMediaId ?? '' },
    });
    expect(input.mime).toBe('image/png');
  });
});

describe('a web job while it waits, and when it ends without a picture', () => {
  let h: WebHarness;

  beforeAll(async () => {
    h = await startWebHarness({ startWorker: false });
  });
  afterAll(async () => {
    expect(await findLedgerViolations(h.t.database.prisma)).toEqual([]);
    await h.close();
  });

  async function signUpAndCreate(email: string, prompt: string): Promise<{ client: WebClient; id: string }> {
    const client = h.client();
    await client.get('/register');
    await client.post('/register', { email, password: PASSWORD, displayName: 'Waiter', age: 'yes', terms: 'yes' });
    const page = await client.get('/create');
    return { client, id: jobIdOf(await client.postMultipart('/create', { requestId: requestIdOf(page), prompt })) };
  }

  it('holds at most four live streams per user, and frees one when its page goes away', async () => {
    const { client, id } = await signUpAndCreate('streams@example.com', 'a lantern in fog');
    const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const open = async () => {
      const controller = new AbortController();
      const response = await fetch(`${client.baseUrl}/create/jobs/${id}/events`, {
        headers: { cookie, ...client.headers },
        signal: controller.signal,
      });
      return { response, controller };
    };
    const held = [await open(), await open(), await open(), await open()];
    expect(held.map((stream) => stream.response.status)).toEqual([200, 200, 200, 200]);
    expect(held[0]?.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const refused = await open();
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get('retry-after')).toBe('5');
    held[0]?.controller.abort();
    await expect
      .poll(async () => {
        const next = await open();
        next.controller.abort();
        return next.response.status;
      })
      .toBe(200);
    for (const stream of held) stream.controller.abort();
    expect(await cancelGeneration(h.t.deps, id)).not.toBe('not_cancellable');
    const cancelled = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(cancelled).toMatchObject({ status: 'cancelled', deliveryAttempts: 0 });
    expect(cancelled.deliveredAt).not.toBeNull();
  });

  it('ends an overdue web job once, returns its credits once, and says so on its page', async () => {
    const { client, id } = await signUpAndCreate('overdue@example.com', 'a slow river');
    h.t.clock.advance(10 * 60_000);
    expect(await sweepOverdueGenerations(h.t.deps)).toBe(1);
    expect(await sweepOverdueGenerations(h.t.deps)).toBe(0);
    expect(await retryUndeliveredMessages(h.t.deps)).toBe(0);
    const generation = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(generation).toMatchObject({ status: 'failed', deliveryAttempts: 0 });
    expect(generation.deliveredAt).not.toBeNull();
    const ledger = await h.t.database.prisma.creditLedgerEntry.findMany({ where: { generationId: id } });
    expect(ledger.map((entry) => [entry.kind, entry.delta]).sort()).toEqual([
      ['release', 1],
      ['reserve', -1],
    ]);
    const { events } = await readEvents(client, `/create/jobs/${id}/events`);
    expect(events).toEqual([
      {
        name: 'failed',
        data: expect.objectContaining({
          text: 'That took too long and was stopped. Your 1 credit was returned.',
          balance: 10,
        }),
      },
    ]);
    const page = await client.get(`/create/jobs/${id}`);
    expect(page.text).not.toContain('http-equiv="refresh"');
    expect(pageText(page.text)).toContain('That took too long and was stopped.');
    expect(h.t.notifier.deliveries).toEqual([]);
  });
  it('refreshes itself without JavaScript, streams the queue then the result, and is never sent again', async () => {
    const first = await signUpAndCreate('waiting-1@example.com', 'an owl at night');
    const { client, id } = await signUpAndCreate('waiting-2@example.com', 'a fox at dawn');
    const page = await client.get(`/create/jobs/${id}`);
    expect(page.text).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
    const text = pageText(page.text);
    expect(text).toContain('Waiting in line…');
    expect(text).toContain('Jobs ahead of yours: 1');
    expect(text).toContain('Your balance in credits after this: 9');

    const stream = readEvents(client, `/create/jobs/${id}/events`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The last test of this block: the worker keeps consuming the in-process queue from here on.
    const stop = await h.t.core.startWorker({ concurrency: 1 });
    try {
      const { events } = await stream;
      expect(events[0]).toMatchObject({
        name: 'status',
        data: { status: 'queued', position: 1, positionText: 'Jobs ahead of yours: 1' },
      });
      expect(events.at(-1)?.name).toBe('done');
      const statuses = events.map((event) => event.data.status);
      // Never back to an earlier state.
      const order = ['queued', 'running', 'uploading', 'succeeded'];
      expect(statuses.map((status) => order.indexOf(String(status)))).toEqual(
        [...statuses.map((status) => order.indexOf(String(status)))].sort((a, b) => a - b),
      );
      await readEvents(first.client, `/create/jobs/${first.id}/events`);
    } finally {
      await stop();
    }

    const done = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(done.deliveredAt).not.toBeNull();
    expect(await retryUndeliveredMessages(h.t.deps)).toBe(0);
    expect(await deliverFinalMessage(h.t.deps, id)).toBe('not_due');
    const ledgerBefore = await h.t.database.prisma.creditLedgerEntry.count();
    await runGenerationJob(h.t.deps, { generationId: id, signal: new AbortController().signal });
    expect(await h.t.database.prisma.creditLedgerEntry.count()).toBe(ledgerBefore);
    const after = await h.t.database.prisma.generation.findUniqueOrThrow({ where: { id } });
    expect(after).toMatchObject({ status: 'succeeded', deliveryAttempts: 0 });
    expect(h.t.notifier.deliveries).toEqual([]);
  });
});
