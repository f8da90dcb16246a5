import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getBalance } from '#core/credits/get-balance';
import { suspendAccount } from '#core/moderation/suspend-account';
import { eraseAccount } from '#core/privacy/erase-account';
import { OIDC_CLIENT, startWebHarness, type WebHarness } from '#tests/web/support/web-harness';
import { pageText, type WebClient } from '#tests/web/support/web-client';

type Claims = { sub: string; email?: string; email_verified?: boolean; name?: string };

describe('Google sign-in (OpenID Connect against a local issuer)', () => {
  let h: WebHarness;
  let claims: Claims = { sub: 'google-1' };

  beforeAll(async () => {
    h = await startWebHarness({ google: true });
    h.oidc?.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
      Object.assign(token.payload, claims);
    });
  });
  afterEach(() => {
    claims = { sub: 'google-1' };
  });
  afterAll(async () => {
    await h.close();
  });

  /** Runs the browser's part: our redirect, the issuer's consent redirect, our callback. */
  async function signInWithGoogle(
    client: WebClient,
    next = '/account',
  ): Promise<{ callback: string; authorize: URL; final: Awaited<ReturnType<WebClient['get']>> }> {
    const start = await client.get(`/auth/google?next=${encodeURIComponent(next)}`);
    expect(start.status).toBe(303);
    const authorize = new URL(start.location ?? '');
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callback = consent.headers.get('location') ?? '';
    const final = await client.get(callback);
    return { callback, authorize, final };
  }

  it('creates an account from a first Google sign-in with PKCE, state and nonce, then asks for the terms and grants the credits', async () => {
    claims = { sub: 'google-new', email: 'New.Person@Gmail.com', email_verified: true, name: 'New Person' };
    const client = h.client();
    const { authorize, final } = await signInWithGoogle(client);
    expect(authorize.origin).toBe(new URL(h.oidc?.issuer.url ?? '').origin);
    expect(authorize.searchParams.get('client_id')).toBe(OIDC_CLIENT.id);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/auth/google/callback`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    expect(final.status).toBe(303);
    expect(final.location).toBe('/welcome?next=%2Faccount');

    const welcome = await client.get(final.location ?? '');
    expect(pageText(welcome.text)).toContain('One more step');
    const accepted = await client.post('/welcome', { next: '/account', age: 'yes', terms: 'yes' });
    expect(accepted.location).toBe('/account');
    const user = await h.t.database.prisma.user.findUniqueOrThrow({
      where: { email: 'new.person@gmail.com' },
      include: { identities: true },
    });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(user.passwordHash).toBeNull();
    expect(user.displayName).toBe('New Person');
    expect(user.identities.map((identity) => [identity.provider, identity.subject])).toEqual([
      ['google', 'google-new'],
    ]);
    expect((await getBalance(h.t.database.prisma, user.id, h.t.clock.now())).available).toBe(10);
    expect(pageText((await client.get('/account')).text)).toContain('Google');
    const kinds = (await h.t.database.prisma.securityEvent.findMany({ where: { userId: user.id } })).map(
      (event) => event.kind,
    );
    expect(kinds).toEqual(expect.arrayContaining(['register', 'login.google', 'terms.accepted']));

    const again = h.client();
    const second = await signInWithGoogle(again);
    expect(second.final.location).toBe('/account');
    expect(await h.t.database.prisma.user.count({ where: { email: 'new.person@gmail.com' } })).toBe(1);
    await again.get('/welcome');
    expect((await getBalance(h.t.database.prisma, user.id, h.t.clock.now())).available).toBe(10);
  });

  it('refuses a callback whose state was changed, or one that no sign-in started, without signing in', async () => {
    claims = { sub: 'google-evil', email: 'evil@gmail.com', email_verified: true };
    const client = h.client();
    const start = await client.get('/auth/google');
    const consent = await fetch(new URL(start.location ?? ''), { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location') ?? '');
    callback.searchParams.set('state', 'forged-state');
    const forged = await client.get(`${callback.pathname}${callback.search}`);
    expect(forged.status).toBe(400);
    expect(pageText(forged.text)).toContain('invalid or expired');
    expect((await client.get('/account')).status).toBe(303);
    const stranger = h.client();
    expect((await stranger.get(`/auth/google/callback?code=abc&state=xyz`)).status).toBe(400);
    expect(await h.t.database.prisma.identity.count({ where: { provider: 'google', subject: 'google-evil' } })).toBe(0);
  });

  it('joins a verified Google email to an account whose own email was never verified, removing its password', async () => {
    const squatter = h.client();
    await squatter.get('/register');
    await squatter.post('/register', {
      email: 'victim@gmail.com',
      password: 'squatter password',
      displayName: 'Squatter',
      age: 'yes',
      terms: 'yes',
    });
    claims = { sub: 'google-victim', email: 'victim@gmail.com', email_verified: true, name: 'Victim' };
    const victim = h.client();
    const { final } = await signInWithGoogle(victim);
    expect(final.location).toBe('/account');
    const user = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'victim@gmail.com' } });
    expect(user.passwordHash).toBeNull();
    expect(user.emailVerifiedAt).not.toBeNull();
    expect((await squatter.get('/account')).status).toBe(303);
    await squatter.get('/login');
    expect((await squatter.post('/login', { email: 'victim@gmail.com', password: 'squatter password' })).status).toBe(
      401,
    );
  });

  it('links Google to the signed-in account, and refuses a Google account that belongs to someone else', async () => {
    const client = h.client();
    await client.get('/register');
    await client.post('/register', {
      email: 'linker@example.com',
      password: 'linker password',
      displayName: 'Linker',
      age: 'yes',
      terms: 'yes',
    });
    claims = { sub: 'google-linker', email: 'other-address@gmail.com', email_verified: true };
    const { final } = await signInWithGoogle(client);
    expect(final.location).toBe('/account');
    const user = await h.t.database.prisma.user.findUniqueOrThrow({
      where: { email: 'linker@example.com' },
      include: { identities: true },
    });
    expect(user.identities.map((identity) => identity.subject)).toEqual(['google-linker']);
    expect(user.passwordHash).not.toBeNull();

    claims = { sub: 'google-new' };
    const clash = await signInWithGoogle(client);
    expect(clash.final.status).toBe(409);
  });

  it('keeps no session row for anonymous starts: 50 GET /auth/google store nothing, and the callback still signs in', async () => {
    const before = await h.t.database.prisma.webSession.count();
    const client = h.client();
    for (let start = 0; start < 50; start += 1) {
      const response = await h.client().get('/auth/google');
      expect(response.status).toBe(303);
    }
    expect(await h.t.database.prisma.webSession.count()).toBe(before);

    claims = { sub: 'google-cookie', email: 'cookie.person@gmail.com', email_verified: true };
    const start = await client.get('/auth/google?next=%2Faccount%2Fsettings');
    expect(await h.t.database.prisma.webSession.count()).toBe(before);
    const cookie = start.headers.getSetCookie().find((line) => line.startsWith('oidc='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(Number(/Max-Age=(\d+)/.exec(cookie ?? '')?.[1])).toBeLessThanOrEqual(600);
    const consent = await fetch(new URL(start.location ?? ''), { redirect: 'manual' });
    const final = await client.get(consent.headers.get('location') ?? '');
    expect(final.status).toBe(303);
    expect(final.location).toBe('/welcome?next=%2Faccount%2Fsettings');
    expect(client.cookies.has('oidc')).toBe(false);
    expect(await h.t.database.prisma.identity.count({ where: { provider: 'google', subject: 'google-cookie' } })).toBe(
      1,
    );
  });

  it('refuses a callback whose state cookie was tampered with, is missing or has expired, with a clear message', async () => {
    claims = { sub: 'google-tamper', email: 'tamper@gmail.com', email_verified: true };
    const attempt = async (change: (client: WebClient) => void) => {
      const client = h.client();
      const start = await client.get('/auth/google');
      const consent = await fetch(new URL(start.location ?? ''), { redirect: 'manual' });
      change(client);
      const callback = await client.get(consent.headers.get('location') ?? '');
      expect(callback.status).toBe(400);
      expect(pageText(callback.text)).toContain(
        'This Google sign-in expired or was started in another browser. Please start it again.',
      );
      expect((await client.get('/account')).status).toBe(303);
    };
    await attempt((client) => {
      const value = client.cookies.get('oidc') ?? '';
      const [payload = '', signature = ''] = value.split('.');
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      data.returnTo = '/admin';
      client.cookies.set('oidc', `${Buffer.from(JSON.stringify(data)).toString('base64url')}.${signature}`);
    });
    await attempt((client) => client.cookies.set('oidc', `${client.cookies.get('oidc') ?? ''}x`));
    await attempt((client) => client.cookies.set('oidc', 'constructor'));
    await attempt((client) => client.cookies.delete('oidc'));
    await attempt(() => h.t.clock.advance(11 * 60_000));
    expect(await h.t.database.prisma.identity.count({ where: { provider: 'google', subject: 'google-tamper' } })).toBe(
      0,
    );
  });

  it('a Google account whose earlier account was suspended, then erased, starts suspended until the same end, with no second bonus', async () => {
    claims = { sub: 'google-marked', email: 'g.marked@example.com', email_verified: true, name: 'Marked' };
    const first = h.client();
    await first.get((await signInWithGoogle(first)).final.location ?? '');
    await first.post('/welcome', { next: '/account', age: 'yes', terms: 'yes' });
    const erased = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'g.marked@example.com' } });
    expect((await getBalance(h.t.database.prisma, erased.id, h.t.clock.now())).available).toBe(10);
    const until = new Date(h.t.clock.now().getTime() + 48 * 3_600_000);
    await suspendAccount(h.t.deps, { userId: erased.id, reason: 'severe_content', until, actor: 'moderation' });
    await eraseAccount(h.t.deps, erased.id, { actor: 'test', channel: 'web' });

    const second = h.client();
    await second.get((await signInWithGoogle(second)).final.location ?? '');
    await second.post('/welcome', { next: '/account', age: 'yes', terms: 'yes' });
    const again = await h.t.database.prisma.user.findUniqueOrThrow({ where: { email: 'g.marked@example.com' } });
    expect(again.id).not.toBe(erased.id);
    expect(again).toMatchObject({ status: 'suspended', suspendedUntil: until });
    expect((await getBalance(h.t.database.prisma, again.id, h.t.clock.now())).available).toBe(0);
  });
});
