import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '#core/catalog/catalog';
import { createTestCore, type TestCore } from '#tests/support/test-core';

describe("the core's settings for the adapters", () => {
  let t: TestCore;

  beforeAll(async () => {
    t = await createTestCore({
      startWorker: false,
      env: {
        PUBLIC_URL: 'https://pictures.example/',
        SUPPORT_EMAIL: 'help@pictures.example',
        SIGNUP_CREDITS: '7',
        RETENTION_PROMPT_DAYS: '30',
        RETENTION_LOGIN_DAYS: '60',
        SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-characters',
        GOOGLE_OAUTH_CLIENT_ID: 'client',
        GOOGLE_OAUTH_CLIENT_SECRET: 'secret',
        GOOGLE_OIDC_ISSUER: 'https://accounts.google.example',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('carries what the web and the bots show, from the configuration and the catalog', () => {
    expect(t.core.settings).toEqual({
      publicUrl: 'https://pictures.example',
      supportEmail: 'help@pictures.example',
      isProduction: false,
      sessionSecret: 'a-session-secret-of-at-least-thirty-two-characters',
      googleIssuer: 'https://accounts.google.example',
      retention: { promptDays: 30, loginDays: 60 },
      signupCredits: 7,
      packValidDays: CATALOG.packCreditsValidDays,
      referral: CATALOG.referral,
    });
  });

  it("tells the time by the core's clock", () => {
    t.clock.advance(3_600_000);
    expect(t.core.now()).toEqual(t.clock.now());
  });
});
