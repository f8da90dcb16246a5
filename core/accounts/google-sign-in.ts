import type * as Oidc from 'openid-client';
import type { CoreDeps } from '#core/core-deps';
import { AppError } from '#core/errors/app-error';
import { normalizeLocale } from '#core/i18n/locales';
import { inheritedSuspensionData } from '#core/moderation/inherit-suspension';
import { isUniqueViolation } from '#core/accounts/find-or-create-account';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/** What the web keeps in the (server-side) session between the redirect and the callback. */
export type PendingGoogleSignIn = { state: string; nonce: string; verifier: string };

/** Google sign-in (OpenID Connect, authorization code with PKCE, state and nonce). */
export type GoogleSignIn = {
  /** The address to send the browser to, and what to keep in the session for the callback. */
  start(): Promise<{ url: string; pending: PendingGoogleSignIn }>;
  /**
   * Completes the sign-in from the callback address: checks state, nonce and PKCE, reads the ID
   * token, and finds, links or creates the account. With `signedInUserId` the Google account is
   * linked to that account. Throws `token_invalid` for any failed check, `conflict` when the
   * Google account already belongs to another account.
   */
  finish(input: {
    callbackUrl: string;
    pending: PendingGoogleSignIn;
    signedInUserId: string | undefined;
    locale: string;
    origin: RequestOrigin;
  }): Promise<{ userId: string; isNew: boolean }>;
};

/** The callback path registered with Google. */
export const GOOGLE_CALLBACK_PATH = '/auth/google/callback';

/**
 * Builds the Google sign-in from `GOOGLE_OAUTH_CLIENT_ID/SECRET` and `GOOGLE_OIDC_ISSUER`, or
 * undefined when not configured. The issuer's discovery document is fetched on first use and
 * kept for this core (plain http is allowed only for a local issuer in development and tests).
 * openid-client is imported then too, so processes that never sign anyone in do not load it.
 */
export function createGoogleSignIn(deps: CoreDeps): GoogleSignIn | undefined {
  const settings = deps.config.googleOAuth;
  if (!settings) return undefined;
  let configuration: Promise<{ oidc: typeof Oidc; config: Oidc.Configuration }> | undefined;
  const redirectUri = `${deps.config.publicUrl}${GOOGLE_CALLBACK_PATH}`;
  const load = (): Promise<{ oidc: typeof Oidc; config: Oidc.Configuration }> => {
    configuration ??= import('openid-client')
      .then(async (oidc) => ({
        oidc,
        config: await oidc.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
          ...(new URL(settings.issuer).protocol === 'http:' && !deps.config.isProduction
            ? { execute: [oidc.allowInsecureRequests] }
            : {}),
          timeout: 10,
        }),
      }))
      .catch((error: unknown) => {
        configuration = undefined;
        throw new AppError('provider_unavailable', { cause: error, message: 'OpenID discovery failed' });
      });
    return configuration;
  };

  return {
    async start() {
      const { oidc, config } = await load();
      const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    async finish(input) {
      const { oidc, config } = await load();
      let claims: Oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, new URL(input.callbackUrl), {
          pkceCodeVerifier: input.pending.verifier,
          expectedState: input.pending.state,
          expectedNonce: input.pending.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        deps.logger.warn({ err: error }, 'google sign-in rejected');
        throw new AppError('token_invalid', { cause: error });
      }
      if (!claims?.sub) throw new AppError('token_invalid');
      try {
        return await applyGoogleClaims(deps, {
          subject: claims.sub,
          email: typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : undefined,
          isEmailVerified: claims.email_verified === true,
          name: typeof claims.name === 'string' ? claims.name.slice(0, 60) : undefined,
          signedInUserId: input.signedInUserId,
          locale: input.locale,
          origin: input.origin,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('conflict', { cause: error });
        throw error;
      }
    },
  };
}

type GoogleClaims = {
  subject: string;
  email: string | undefined;
  isEmailVerified: boolean;
  name: string | undefined;
  signedInUserId: string | undefined;
  locale: string;
  origin: RequestOrigin;
};

/**
 * Finds, links or creates the account for verified Google claims. A verified Google email that
 * matches an account joins it; if that account's own address was never verified, its password
 * is removed and its sessions end, because whoever set that password never proved the address
 * (an attacker could have registered it first). A new account on a Google subject or email whose
 * earlier account was suspended starts suspended until that suspension ends.
 */
async function applyGoogleClaims(deps: CoreDeps, claims: GoogleClaims): Promise<{ userId: string; isNew: boolean }> {
  const now = deps.clock.now();
  return deps.prisma.$transaction(async (tx) => {
    const identity = await tx.identity.findUnique({
      where: { provider_subject: { provider: 'google', subject: claims.subject } },
      select: { userId: true },
    });
    if (identity) {
      if (claims.signedInUserId && claims.signedInUserId !== identity.userId) throw new AppError('conflict');
      await recordSecurityEvent(tx, { userId: identity.userId, kind: 'login.google', origin: claims.origin });
      return { userId: identity.userId, isNew: false };
    }
    const hasVerifiedEmail = claims.isEmailVerified && claims.email !== undefined;
    const target = claims.signedInUserId
      ? await tx.user.findUnique({
          where: { id: claims.signedInUserId },
          select: { id: true, emailVerifiedAt: true, email: true },
        })
      : hasVerifiedEmail
        ? await tx.user.findUnique({
            where: { email: claims.email },
            select: { id: true, emailVerifiedAt: true, email: true },
          })
        : null;
    if (target) {
      await tx.identity.create({ data: { userId: target.id, provider: 'google', subject: claims.subject } });
      if (!claims.signedInUserId && target.emailVerifiedAt === null) {
        await tx.user.update({ where: { id: target.id }, data: { passwordHash: null, emailVerifiedAt: now } });
        await tx.webSession.deleteMany({ where: { userId: target.id } });
        await recordSecurityEvent(tx, {
          userId: target.id,
          kind: 'password.cleared',
          origin: claims.origin,
          details: { reason: 'unverified_email_claimed_by_google' },
        });
      }
      await recordSecurityEvent(tx, {
        userId: target.id,
        kind: 'identity.linked',
        origin: claims.origin,
        details: { provider: 'google' },
      });
      await recordSecurityEvent(tx, { userId: target.id, kind: 'login.google', origin: claims.origin });
      return { userId: target.id, isNew: false };
    }
    const markedIdentities = [
      { provider: 'google' as const, subject: claims.subject },
      ...(claims.email ? [{ provider: 'email' as const, subject: claims.email }] : []),
    ];
    const user = await tx.user.create({
      data: {
        ...(await inheritedSuspensionData(tx, deps.config.sessionSecret, markedIdentities, now)),
        email: hasVerifiedEmail ? claims.email : null,
        emailVerifiedAt: hasVerifiedEmail ? now : null,
        displayName: claims.name ?? null,
        locale: normalizeLocale(claims.locale),
        identities: { create: { provider: 'google', subject: claims.subject } },
      },
      select: { id: true },
    });
    await recordSecurityEvent(tx, {
      userId: user.id,
      kind: 'register',
      origin: claims.origin,
      details: { method: 'google' },
    });
    await recordSecurityEvent(tx, { userId: user.id, kind: 'login.google', origin: claims.origin });
    return { userId: user.id, isNew: true };
  });
}
