import type { Server } from 'node:http';
import { OAuth2Server } from 'oauth2-mock-server';
import type { ProviderRegistry } from '#core/providers/route-model';
import { createWebApp } from '#web/create-web-app';
import { FakeStripeApi } from '#tests/fakes/stripe-api';
import { createTestCore, type TestCore } from '#tests/support/test-core';
import { WebClient } from '#tests/web/support/web-client';
import { freePort } from '#tests/support/free-port';

/** The site on a real port over a test core, with optional fake Stripe and a local OpenID issuer. */
export type WebHarness = {
  t: TestCore;
  baseUrl: string;
  stripe: FakeStripeApi | undefined;
  oidc: OAuth2Server | undefined;
  /** A fresh browser-like client, from an IP address of its own (`X-Forwarded-For`) unless the headers name one. */
  client(headers?: Record<string, string>): WebClient;
  close(): Promise<void>;
};

/** Client id and secret the local issuer accepts. */
export const OIDC_CLIENT = { id: 'imagine-test-client', secret: 'imagine-test-secret' };

/**
 * Starts the web app the way main.ts does, on a fresh test core. `stripe: true` points the real
 * Stripe SDK at the fake and its webhooks at `/stripe/webhook`; `google: true` starts
 * oauth2-mock-server as the OpenID issuer.
 */
export async function startWebHarness(
  options: {
    stripe?: boolean;
    google?: boolean;
    env?: Record<string, string>;
    startWorker?: boolean;
    legalDir?: string;
    /** Other providers than the instant demo ones (e.g. a slower demo, to watch a job run). */
    providers?: ProviderRegistry;
  } = {},
): Promise<WebHarness> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const stripe = options.stripe ? await FakeStripeApi.start() : undefined;
  let oidc: OAuth2Server | undefined;
  if (options.google) {
    oidc = new OAuth2Server();
    await oidc.issuer.keys.generate('RS256');
    await oidc.start(0, '127.0.0.1');
  }
  const t = await createTestCore({
    startWorker: options.startWorker ?? false,
    ...(options.providers ? { providers: options.providers } : {}),
    env: {
      PUBLIC_URL: baseUrl,
      SESSION_SECRET: 'a-test-session-secret-of-at-least-32-chars',
      ...(stripe
        ? { STRIPE_SECRET_KEY: stripe.apiKey, STRIPE_API_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret }
        : {}),
      ...(oidc
        ? {
            GOOGLE_OAUTH_CLIENT_ID: OIDC_CLIENT.id,
            GOOGLE_OAUTH_CLIENT_SECRET: OIDC_CLIENT.secret,
            GOOGLE_OIDC_ISSUER: oidc.issuer.url ?? '',
          }
        : {}),
      ...options.env,
    },
  });
  // Behind a (pretend) proxy, so each test client can come from an address of its own.
  const app = createWebApp(t.core, {
    logger: t.deps.logger,
    trustProxy: true,
    ...(options.legalDir ? { legalDir: options.legalDir } : {}),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  stripe?.configureWebhook(`${baseUrl}/stripe/webhook`);
  let clients = 0;
  return {
    t,
    baseUrl,
    stripe,
    oidc,
    client: (headers = {}) =>
      new WebClient(baseUrl, { 'x-forwarded-for': `203.0.113.${(clients += 1) % 250}`, ...headers }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await stripe?.close();
      await oidc?.stop();
      await t.close();
    },
  };
}
