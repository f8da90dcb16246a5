import type { MediaFile } from '#core/providers/ports';
import { createShowcasePictures, type FeaturedPicture } from '#core/showcase/showcase-pictures';
import { quoteImagePrice, type ImagePrice } from '#core/showcase/quote-image-price';
import type { CoreDeps } from '#core/core-deps';
import { adapterSettingsOf, type AdapterSettings } from '#core/adapter-settings';
import type { Platform } from '#core/accounts/account';
import type { Notifier } from '#core/chat/notifier';
import type { CommandRequest } from '#core/chat/command-request';
import type { Reply } from '#core/chat/reply';
import { errorReply, runChatCommand } from '#core/chat/run-chat-command';
import { isAppError } from '#core/errors/app-error';
import { rememberStatusMessage } from '#core/generation/remember-status-message';
import { claimChatUpdate } from '#core/chat/claim-chat-update';
import { createHeldRequestDrain } from '#core/chat/drain-held-requests';
import { createMemoryChatHold } from '#core/infra/chat-hold/memory-chat-hold';
import { startGenerationWorker } from '#core/generation/start-generation-worker';
import { openSignedMedia, type OpenedMedia } from '#core/generation/open-signed-media';
import { checkReadiness, type Readiness } from '#core/health/check-readiness';
import { applyStarsPayment, checkStarsPreCheckout } from '#core/payments/stars-payment';
import { refundStarsPayment, type StarsRefunds } from '#core/payments/refund-stars-payment';
import { listTemplates } from '#core/templates/find-templates';
import { listOfferedModels, type OfferedModel } from '#core/models/list-offered-models';
import { normalizeLocale, type Locale } from '#core/i18n/locales';
import { createWebGeneration, quoteWebGeneration, type WebCreateInput } from '#core/generation/create-web-generation';
import { readWebJob, type WebJob } from '#core/generation/read-web-job';
import { findCreationPrefill, type CreationPrefill } from '#core/generation/find-creation-prefill';
import type { ImageFormFields } from '#core/generation/parse-generation-options';
import type Stripe from 'stripe';
import { createStripeClient, stripeHostedOrigins } from '#core/infra/stripe-client';
import { acceptTerms } from '#core/accounts/accept-terms';
import { createWebSession } from '#core/accounts/create-web-session';
import { endAllWebSessions } from '#core/accounts/end-all-web-sessions';
import { endWebSession } from '#core/accounts/end-web-session';
import { findWebSession, type FoundWebSession } from '#core/accounts/find-web-session';
import { getAccountOverview, type AccountOverview } from '#core/accounts/get-account-overview';
import { applyReferralCode, type ReferralCodeOutcome } from '#core/referrals/apply-referral-code';
import { createGoogleSignIn, type GoogleSignIn } from '#core/accounts/google-sign-in';
import {
  confirmLinkOnWeb,
  describeLinkToken,
  type LinkRequest,
  type WebLinkOutcome,
} from '#core/accounts/link-chat-account';
import { removeIdentity, type RemoveIdentityOutcome } from '#core/accounts/remove-identity';
import { openOwnMedia } from '#core/accounts/open-own-media';
import type { RequestOrigin } from '#core/accounts/record-security-event';
import { registerAccount, type RegisterInput } from '#core/accounts/register-account';
import { requestPasswordReset } from '#core/accounts/request-password-reset';
import { resendEmailVerification } from '#core/accounts/resend-email-verification';
import { isPasswordResetUsable, resetPassword } from '#core/accounts/reset-password';
import { saveWebSessionData } from '#core/accounts/save-web-session-data';
import { signInWithPassword } from '#core/accounts/sign-in-with-password';
import { requestEmailChange, updateProfile } from '#core/accounts/update-profile';
import { describeEmailChangeUndo, undoEmailChange } from '#core/accounts/undo-email-change';
import { verifyEmail } from '#core/accounts/verify-email';
import type { WebSessionData } from '#core/accounts/web-session';
import { createBillingPortalUrl } from '#core/payments/stripe-billing-portal';
import { createStripeCheckout, type CheckoutProduct } from '#core/payments/stripe-checkout';
import { createPricingUrl, verifyPricingToken } from '#core/payments/stripe-pricing-link';
import { listPricing, type Pricing } from '#core/payments/stripe-pricing';
import { handleStripeWebhook, type WebhookOutcome } from '#core/payments/stripe-webhook';
import type { ExportArchive } from '#core/privacy/build-export-archive';
import { eraseOwnAccount } from '#core/privacy/erase-own-account';
import { fileDataRequest } from '#core/privacy/file-data-request';
import { describeDataRequest, fulfilDataRequest, type DataRequestResult } from '#core/privacy/fulfil-data-request';
import { listDataRequests, type DataRequestLine } from '#core/privacy/list-data-requests';
import { setProcessingChoice, type ProcessingChoice } from '#core/privacy/set-processing-choices';
import { openDataExport, requestDataExport } from '#core/privacy/web-data-export';
import { runRetention, type RetentionReport } from '#core/retention/run-retention';
import type { AdminActor } from '#core/admin/admin-deps';
import { createBotApiStarsRefunds } from '#core/admin/bot-api-stars-refunds';
import { createBotApiStarTransactions } from '#core/admin/bot-api-star-transactions';
import { createAdmin, type Admin } from '#core/admin/create-admin';
import type { AdminUser, UserRef } from '#core/admin/find-user';
import { listAuditLog, type AuditLogLine } from '#core/admin/list-audit-log';
import { viewPayments, type AdminPaymentLine } from '#core/admin/view-payments';
import { decideAppeal, type AppealDecision } from '#core/moderation/decide-appeal';
import { fileAppeal } from '#core/moderation/file-appeal';
import { getSuspensionStatus, type SuspensionStatus } from '#core/moderation/get-suspension-status';
import { listOpenAppeals, type OpenAppealLine } from '#core/moderation/list-open-appeals';
import type { SessionUser } from '#core/accounts/web-session';
import { deleteCreation } from '#core/gallery/delete-creation';
import { getCreation, type CreationDetail } from '#core/gallery/get-creation';
import { listCreations, type GalleryPage, type GalleryQuery } from '#core/gallery/list-creations';
import { openThumbnail } from '#core/gallery/open-thumbnail';
import {
  findRemixableCreation,
  findSharedCreation,
  type RemixableCreation,
  type SharedCreation,
} from '#core/sharing/find-shared-creation';
import { openSharedMedia } from '#core/sharing/open-shared-media';
import { reportSharedCreation } from '#core/sharing/report-shared-creation';
import {
  decideShareReport,
  describeShareReport,
  listShareReports,
  type ShareReportDecision,
  type ShareReportLine,
} from '#core/sharing/review-share-reports';
import { setCreationSharing } from '#core/sharing/set-creation-sharing';
import { REMIX_START_PREFIX } from '#core/sharing/share-slug';
import type { PaymentProvider } from '#core/infra/db/generated/enums';

/** The product as the adapters see it. Built once per process from its dependencies. */
export type Core = {
  chat: {
    /** The one path of a chat command: request in, replies out. Never throws. */
    run(request: CommandRequest): Promise<Reply[]>;
    /** Records the chat message that shows a job's status, so progress edits that message. */
    rememberStatusMessage(generationId: string, messageId: string): Promise<void>;
    /** Claims a platform update before handling it: false when it was delivered before (skip it). */
    claimUpdate(input: { platform: 'telegram'; updateId: string }): Promise<boolean>;
  };
  payments: {
    /** Validates a Telegram pre-checkout query: `ok`, or the localized reason to refuse. */
    checkStarsPreCheckout(input: {
      payload: string;
      currency: string;
      totalAmount: number;
      platformUserId: string;
    }): Promise<{ ok: true } | { ok: false; reply: Reply }>;
    /** Applies a successful Stars payment once per charge id; the reply tells the user. */
    applyStarsPayment(input: {
      payload: string;
      chargeId: string;
      currency: string;
      totalAmount: number;
      platformUserId: string;
    }): Promise<Reply>;
    /** Refunds a Stars payment through Telegram and claws the credits back (admin). */
    refundStarsPayment(
      refunds: StarsRefunds,
      input: { chargeId: string; actor: string },
    ): Promise<'refunded' | 'already_refunded'>;
  };
  templates: {
    /** Templates whose id or name starts with `prefix`, most used first (for autocomplete; at most 25). */
    suggest(
      prefix: string,
      locale: string | undefined,
      kind?: 'image' | 'video',
    ): Promise<{ id: string; name: string; description: string }[]>;
  };
  models: {
    /** The models of `kind` users can pick, with prices, in the models file's order (what /create offers). */
    list(kind: 'image' | 'video'): OfferedModel[];
    /** Offered models whose id or name starts with `prefix` (any case), for autocomplete; at most 25. */
    suggest(prefix: string, kind: 'image' | 'video'): OfferedModel[];
  };
  /** Creating on the website: the same admission as `/imagine`, delivered to the job's page. */
  create: {
    /** Admits an image request of a signed-in web user (moderation, limits, credits, queue); throws what was refused. */
    start(input: WebCreateInput): Promise<{ generationId: string; cost: number }>;
    /** The price of the form as it stands (the admission's own cost function) and the user's balance. */
    quote(input: {
      userId: string;
      locale: Locale;
      fields: ImageFormFields;
      hasInputImage: boolean;
    }): Promise<{ cost: number; balance: number }>;
    /** The user's own job as its page shows it; undefined for anyone else's. */
    readJob(input: { userId: string; generationId: string }): Promise<WebJob | undefined>;
    /** The form filled from one of the user's own creations (again, or vary one of its pictures). */
    prefill(input: {
      userId: string;
      generationId: string;
      mode: 'again' | 'vary';
      image?: number;
    }): Promise<CreationPrefill | undefined>;
  };
  media: {
    /** A stored file behind a signed, unexpired link; undefined otherwise (answer 404). */
    openSigned(input: { assetId: string; exp: string; sig: string }): Promise<OpenedMedia | undefined>;
  };
  /** What the home page shows: pictures the service made, and the price of one image. */
  showcase: {
    /** The featured pictures with their prompts. */
    listFeatured(): Promise<FeaturedPicture[]>;
    /** A demo picture of the home page by its name (`fox`), drawn once per process on first use; undefined when unknown. */
    openPicture(slug: string): MediaFile | undefined;
    /** One standard image in credits (what `/imagine` charges) and in money from the cheapest pack. */
    imagePrice(): ImagePrice;
  };
  /** Web accounts: registration, sign-in, email verification, password reset, Google, profile, linking chat accounts. */
  accounts: {
    /** Creates an email/password account with the terms and 13+ confirmation and its signup credits; emails a verification link. */
    register(input: RegisterInput): Promise<{ userId: string }>;
    /** Checks a password sign-in (throttled per account and IP: `login_throttled`); records the attempt. */
    signIn(input: { email: string; password: string; origin: RequestOrigin }): Promise<{ userId: string }>;
    /** Confirms an emailed verification link (the account's address, or a requested new one). */
    verifyEmail(input: { token: string; origin: RequestOrigin }): Promise<{ userId: string; isChange: boolean }>;
    /** Sends a new verification link to the account's unverified address. */
    resendVerification(userId: string): Promise<boolean>;
    /** Emails a 30-minute reset link when the address has an account (answer the same either way). */
    requestPasswordReset(input: { email: string; locale: string; origin: RequestOrigin }): Promise<void>;
    /** Whether a reset link can still be used. */
    isPasswordResetUsable(token: string): Promise<boolean>;
    /** Sets a new password with a reset link, once; ends every session of the account. */
    resetPassword(input: { token: string; password: string; origin: RequestOrigin }): Promise<{ userId: string }>;
    /** Records the current terms and the age confirmation; grants the signup credits once. */
    acceptTerms(input: {
      userId: string;
      isAgeConfirmed: boolean;
      hasAcceptedTerms: boolean;
      origin: RequestOrigin;
    }): Promise<{ granted: number }>;
    /** Rectification: display name and language. */
    updateProfile(input: { userId: string; displayName: string; locale: string }): Promise<void>;
    /** Rectification of the email: the new address takes effect when its emailed link is opened. */
    requestEmailChange(input: { userId: string; email: string; origin: RequestOrigin }): Promise<void>;
    /** The previous address an undo link (mailed to it after a change) would restore, while usable. */
    describeEmailChangeUndo(token: string): Promise<{ email: string } | undefined>;
    /** Restores the previous address from its undo link, once within 7 days; ends every other session. */
    undoEmailChange(input: {
      token: string;
      currentSid: string | undefined;
      origin: RequestOrigin;
    }): Promise<{ userId: string; email: string; isPasswordCleared: boolean }>;
    /** Balance, ledger, payments, plan, identities and recent creations. */
    overview(userId: string): Promise<AccountOverview>;
    /** A stored file of the account's own (undefined for anyone else's: answer 404). */
    openOwnMedia(input: { userId: string; assetId: string }): Promise<OpenedMedia | undefined>;
    /** The chat account a `/link/<token>` address names (platform, username, display name), or undefined when it is not usable. */
    describeLink(token: string): Promise<LinkRequest | undefined>;
    /** The website's confirmation of a `/link` token: sends the confirm button (naming this account) into that chat; nothing is joined yet. */
    confirmLinkOnWeb(input: { token: string; userId: string; origin: RequestOrigin }): Promise<WebLinkOutcome>;
    /** Removes a linked identity from the account (a chat identity becomes a separate, empty chat account); never the last web sign-in. */
    removeIdentity(input: {
      userId: string;
      identityId: string;
      origin: RequestOrigin;
    }): Promise<RemoveIdentityOutcome>;
    /** Google sign-in (OpenID Connect), or undefined when not configured. */
    google: GoogleSignIn | undefined;
    /** Records who invited the account from an invite link's code (once, before its first purchase); says what became of it. */
    applyReferralCode(input: { userId: string; code: string }): Promise<ReferralCodeOutcome>;
    /** The current suspension in words and the newest appeal, for the account page. */
    suspensionStatus(userId: string): Promise<SuspensionStatus>;
    /** Files an appeal against the current suspension (one per suspension). */
    fileAppeal(input: { userId: string; text: string }): Promise<{ appealId: string; until: string }>;
  };
  /** Server-side web sessions (the cookie holds only a random id). */
  sessions: {
    /** Starts a session (ending `replacesSid`), returning the new cookie id. */
    create(input: {
      userId: string | null;
      data?: WebSessionData;
      origin: RequestOrigin;
      replacesSid?: string | undefined;
    }): Promise<{ sid: string; expiresAt: Date }>;
    /** The live session and its user behind a cookie id. */
    find(sid: string): Promise<FoundWebSession | undefined>;
    /** Replaces a live session's data. */
    save(sid: string, data: WebSessionData): Promise<boolean>;
    /** Signs out (records `logout`). */
    end(sid: string, origin: RequestOrigin): Promise<void>;
    /** Signs out every session of the account and revokes its pending email-change links. */
    endAll(input: { userId: string; origin: RequestOrigin }): Promise<{ ended: number }>;
  };
  /** Card payments through Stripe: pricing, checkout, portal, webhooks. */
  billing: {
    /** Packs and plans with prices, before anyone pays. */
    pricing(currency?: string): Pricing;
    /** The signed 30-minute `/pricing?t=` address for a chat user's /buy (no web sign-in needed). */
    createPricingUrl(userId: string): string;
    /** The account a pricing link names, if valid. */
    verifyPricingToken(token: string): string | undefined;
    /** A Stripe Checkout address for a pack (payment) or plan (subscription); `pricingToken`: the chat /buy link it came through. */
    checkout(input: {
      userId: string;
      product: CheckoutProduct;
      currency?: string;
      locale: string;
      pricingToken?: string | undefined;
    }): Promise<string>;
    /** A Stripe Customer Portal address for the account. */
    portal(userId: string): Promise<string>;
    /** Verifies and applies one Stripe webhook delivery (raw body and `Stripe-Signature`). */
    handleWebhook(input: { rawBody: Buffer; signature: string | undefined }): Promise<WebhookOutcome>;
    /** Origins of Stripe's hosted pages (the web's CSP lets forms lead there). */
    hostedOrigins: string[];
  };
  /** Privacy self-service (GDPR). */
  privacy: {
    /** Records an export request; its archive is opened with `openExport` within an hour. */
    requestExport(input: { userId: string; origin: RequestOrigin }): Promise<string>;
    /** The ZIP of the account's own export request (`not_found` for anyone else's). */
    openExport(input: { userId: string; requestId: string }): Promise<ExportArchive>;
    /** Sets or lifts restriction of processing or the objection to analytics. */
    setChoice(input: { userId: string; choice: ProcessingChoice; isOn: boolean; origin: RequestOrigin }): Promise<void>;
    /** Erases the signed-in account, confirmed with its password or the typed phrase. */
    eraseOwnAccount(input: { userId: string; password: string; phrase: string }): Promise<'erased' | 'already_erased'>;
    /** The account's data requests with timestamps and outcomes. */
    listRequests(userId: string): Promise<DataRequestLine[]>;
    /** A request by email from someone who cannot sign in; acts only after its emailed link is opened. */
    fileRequest(input: {
      email: string;
      kind: string;
      message: string;
      locale: string;
      origin: RequestOrigin;
    }): Promise<void>;
    /** What an emailed request link is for, while it is usable. */
    describeRequest(token: string): Promise<{ kind: string } | undefined>;
    /** Acts on a verified emailed request. */
    fulfilRequest(input: { token: string; phrase: string; origin: RequestOrigin }): Promise<DataRequestResult>;
  };
  /** Retention jobs (the worker runs them periodically). */
  retention: {
    /** Deletes old prompts and media, login IP records, expired sessions and tokens, as the privacy policy says. */
    run(): Promise<RetentionReport>;
  };
  /**
   * The operator's use cases of the admin CLI (each audited with its actor), for the web admin
   * area, plus who may use it and the look-ups only the web needs.
   */
  admin: Admin & {
    /** Whether a signed-in person may use the admin area: a verified email listed in ADMIN_EMAILS. */
    isAdmin(user: SessionUser | undefined): boolean;
    /** The audit actor of a web admin: `web:<user id>` (never the email, which must stay out of logs). */
    actorOf(user: SessionUser): AdminActor;
    /** A user's recent payments (with ids, for refunds), audited. */
    viewPayments(input: {
      ref: UserRef;
      limit?: number;
      paymentId?: string;
      actor: AdminActor;
    }): Promise<{ user: AdminUser; payments: AdminPaymentLine[] }>;
    /** The latest audit rows, newest first (optionally without look-ups), audited. */
    listAuditLog(input: { limit?: number; isChangesOnly?: boolean; actor: AdminActor }): Promise<AuditLogLine[]>;
    /** Which providers' payments this process can refund (Stars need TELEGRAM_BOT_TOKEN, cards STRIPE_SECRET_KEY). */
    canRefund: Record<PaymentProvider, boolean>;
    /** Open appeals with the suspension and blocked prompts behind each, audited. */
    listOpenAppeals(input: { actor: AdminActor; limit?: number }): Promise<OpenAppealLine[]>;
    /** Open reports of published pages, audited. */
    listShareReports(input: { actor: AdminActor; limit?: number }): Promise<ShareReportLine[]>;
    /** An open report, for the confirmation page (undefined when decided or unknown). */
    describeShareReport(reportId: string): Promise<ShareReportLine | undefined>;
    /** Unpublishes the reported page or dismisses the report, once, audited. */
    decideShareReport(input: { reportId: string; decision: ShareReportDecision; actor: AdminActor }): Promise<void>;
    /** Lifts or keeps the suspension an open appeal contests, audited; the user is told. */
    decideAppeal(input: {
      appealId: string;
      decision: AppealDecision;
      actor: AdminActor;
    }): Promise<{ userId: string; status: 'lifted' | 'kept' }>;
  };
  /** The signed-in user's creations on the web: the gallery, thumbnails, deleting one. */
  gallery: {
    /** One page of the account's finished creations, newest first, optionally of one kind and source. */
    list(query: GalleryQuery): Promise<GalleryPage>;
    /** One creation of the account's own with its options and sharing (undefined for anyone else's). */
    get(input: { userId: string; generationId: string }): Promise<CreationDetail | undefined>;
    /** The thumbnail of an own result image, made on first view when missing (undefined: answer 404). */
    openThumbnail(input: { userId: string; assetId: string }): Promise<OpenedMedia | undefined>;
    /** Deletes an own creation's files and words, keeps its cost in the credit history, takes its page down. */
    delete(input: { userId: string; generationId: string }): Promise<void>;
  };
  /** Public pages of published creations (`/s/<slug>`), remixing them, and reports. */
  sharing: {
    /** Publishes or unpublishes an own creation, with or without its prompt; returns its slug. */
    set(input: {
      userId: string;
      generationId: string;
      isPublished: boolean;
      isPromptShared: boolean;
    }): Promise<{ slug: string | null }>;
    /** The creation published under `slug` while its page is shown; undefined otherwise (404). */
    find(slug: string): Promise<SharedCreation | undefined>;
    /** The prompt and options of a page published with its prompt shown; undefined otherwise (for `/create?remix=`). */
    findRemixableCreation(slug: string): Promise<RemixableCreation | undefined>;
    /** A picture (1-based) of a published page, for anyone, while the page is shown. */
    openMedia(input: { slug: string; index: number }): Promise<OpenedMedia | undefined>;
    /** Reports a published page to the admins (anyone, rate-limited per address). */
    report(input: { slug: string; reason: string; ip: string }): Promise<void>;
    /** The `t.me` link that opens the bot with this page's prompt (`/start r_<slug>`), when TELEGRAM_BOT_USERNAME is set. */
    telegramRemixLink(slug: string): string | undefined;
  };
  /** Starts consuming generation jobs in this process. Returns a stop function. */
  startWorker(options: { concurrency: number }): Promise<() => Promise<void>>;
  /** Whether the database (and Redis, when configured) answer. */
  checkReadiness(): Promise<Readiness>;
  /**
   * Makes `notifier` the way this process writes to `platform`'s chats outside a request (job
   * progress and results, announcements): the bot of that platform, or a sender without one in a
   * worker. Registered once the adapter exists, which is after the core; the last one wins.
   */
  registerNotifier(platform: Platform, notifier: Notifier): void;
  /** What the adapters show or need from the configuration and the catalog. */
  settings: AdapterSettings;
  /** The core's clock (a hand-moved one in tests): expiries the adapters compute agree with core's. */
  now(): Date;
};

/**
 * Builds the core from explicit dependencies (no hidden clients, no module singletons). The
 * Stripe client is built from the configuration unless one is given.
 */
export function createCore(deps: CoreDeps, options: { stripe?: Stripe } = {}): Core {
  const stripe = options.stripe ?? deps.stripe ?? createStripeClient(deps.config.stripe);
  const chatDeps: CoreDeps = { ...deps, stripe };
  const chatHold = createHeldRequestDrain(chatDeps, deps.chatHold ?? createMemoryChatHold());
  const showcase = createShowcasePictures();
  // Requests another process held and could not finish (it stopped during the outage) are
  // admitted by whichever process starts next; an empty hold costs one read.
  chatHold.wake();
  // Stars are refunded through the Bot API with the bot's token (https://core.telegram.org/bots/api#refundstarpayment).
  const starsRefunds = deps.config.telegram
    ? createBotApiStarsRefunds({ token: deps.config.telegram.token, apiRoot: deps.config.telegram.apiRoot })
    : undefined;
  // Stars reconciliation reads https://core.telegram.org/bots/api#getstartransactions; the payer is told through this process's notifiers.
  const starsReconcile = deps.config.telegram
    ? {
        source: createBotApiStarTransactions({
          token: deps.config.telegram.token,
          apiRoot: deps.config.telegram.apiRoot,
        }),
        deps: {
          catalog: deps.catalog,
          config: deps.config,
          logger: deps.logger,
          mailer: deps.mailer,
          notifiers: deps.notifiers,
        },
      }
    : undefined;
  return {
    chat: {
      run: (request) => runChatCommand(chatDeps, request, { hold: chatHold }),
      rememberStatusMessage: async (generationId, messageId) => {
        // A held request's status message is kept with it until its generation exists.
        if (
          chatHold.awaitingStatusMessage.delete(generationId) &&
          (await chatHold.store.attachStatusMessage(generationId, messageId).catch(() => false))
        )
          return;
        await rememberStatusMessage(deps, generationId, messageId);
      },
      claimUpdate: (input) => claimChatUpdate(deps, input),
    },
    payments: {
      checkStarsPreCheckout: async (input) => {
        try {
          await checkStarsPreCheckout(deps, input);
          return { ok: true };
        } catch (error) {
          if (!isAppError(error)) throw error;
          return { ok: false, reply: errorReply(error, deps.logger, deps.config.supportEmail) };
        }
      },
      applyStarsPayment: (input) => applyStarsPayment(deps, input),
      refundStarsPayment: (refunds, input) => refundStarsPayment(deps, refunds, input),
    },
    models: {
      list: (kind) => listOfferedModels(deps, kind),
      suggest: (prefix, kind) => {
        const wanted = prefix.trim().toLowerCase();
        return listOfferedModels(deps, kind)
          .filter((model) => model.id.startsWith(wanted) || model.name.toLowerCase().startsWith(wanted))
          .slice(0, 25);
      },
    },
    templates: {
      suggest: async (prefix, locale, kind) =>
        (
          await listTemplates(deps.prisma, {
            locale: normalizeLocale(locale),
            prefix,
            limit: 100,
            now: deps.clock.now(),
          })
        )
          .filter((template) => !kind || template.kind === kind)
          .slice(0, 25)
          .map((template) => ({ id: template.id, name: template.name, description: template.description })),
    },
    create: {
      start: (input) => createWebGeneration(chatDeps, input),
      quote: (input) => quoteWebGeneration(deps, input),
      readJob: (input) => readWebJob(deps, input),
      prefill: (input) => findCreationPrefill(deps, input),
    },
    media: { openSigned: (input) => openSignedMedia(deps, input) },
    showcase: {
      listFeatured: () => showcase.listFeatured(),
      openPicture: (slug) => showcase.open(slug),
      imagePrice: () => quoteImagePrice(deps),
    },
    accounts: {
      register: (input) => registerAccount(deps, input),
      signIn: (input) => signInWithPassword(deps, input),
      verifyEmail: (input) => verifyEmail(deps, input),
      resendVerification: (userId) => resendEmailVerification(deps, userId),
      requestPasswordReset: (input) => requestPasswordReset(deps, input),
      isPasswordResetUsable: (token) => isPasswordResetUsable(deps, token),
      resetPassword: (input) => resetPassword(deps, input),
      acceptTerms: (input) => acceptTerms(deps, input),
      updateProfile: (input) => updateProfile(deps, input),
      requestEmailChange: (input) => requestEmailChange(deps, input),
      describeEmailChangeUndo: (token) => describeEmailChangeUndo(deps, token),
      undoEmailChange: (input) => undoEmailChange(deps, input),
      overview: (userId) => getAccountOverview(deps, userId),
      openOwnMedia: (input) => openOwnMedia(deps, input),
      describeLink: (token) => describeLinkToken(deps, token),
      confirmLinkOnWeb: (input) => confirmLinkOnWeb(deps, input),
      removeIdentity: (input) => removeIdentity(deps, input),
      google: createGoogleSignIn(deps),
      applyReferralCode: (input) => applyReferralCode(deps, input),
      suspensionStatus: (userId) => getSuspensionStatus(deps, userId),
      fileAppeal: (input) => fileAppeal(deps, input),
    },
    sessions: {
      create: (input) => createWebSession(deps, input),
      find: (sid) => findWebSession(deps, sid),
      save: (sid, data) => saveWebSessionData(deps, sid, data),
      end: (sid, origin) => endWebSession(deps, sid, origin),
      endAll: (input) => endAllWebSessions(deps, input),
    },
    billing: {
      pricing: (currency) => listPricing(deps, currency),
      createPricingUrl: (userId) => createPricingUrl(deps, userId),
      verifyPricingToken: (token) => verifyPricingToken(deps, token),
      checkout: (input) => createStripeCheckout(deps, stripe, input),
      portal: (userId) => createBillingPortalUrl(deps, stripe, userId),
      handleWebhook: (input) => handleStripeWebhook(deps, stripe, input),
      hostedOrigins: stripeHostedOrigins(deps.config.stripe),
    },
    privacy: {
      requestExport: (input) => requestDataExport(deps, input),
      openExport: (input) => openDataExport(deps, input),
      setChoice: (input) => setProcessingChoice(deps, { ...input, channel: 'web' }),
      eraseOwnAccount: (input) => eraseOwnAccount(deps, stripe, input),
      listRequests: (userId) => listDataRequests(deps, userId),
      fileRequest: (input) => fileDataRequest(deps, input),
      describeRequest: (token) => describeDataRequest(deps, token),
      fulfilRequest: (input) => fulfilDataRequest(deps, stripe, input),
    },
    retention: { run: () => runRetention(chatDeps) },
    admin: {
      ...createAdmin(
        { prisma: deps.prisma, clock: deps.clock, config: deps.config },
        { stars: starsRefunds, stripe, starsReconcile },
      ),
      isAdmin: (user) =>
        user?.isEmailVerified === true &&
        user.email !== null &&
        deps.config.adminEmails.includes(user.email.toLowerCase()),
      actorOf: (user) => `web:${user.id}`,
      viewPayments: (input) => viewPayments(deps, input),
      listAuditLog: (input) => listAuditLog(deps, input),
      canRefund: { telegram_stars: starsRefunds !== undefined, stripe: stripe !== undefined },
      listOpenAppeals: (input) => listOpenAppeals(deps, input),
      decideAppeal: (input) => decideAppeal(deps, input),
      listShareReports: (input) => listShareReports(deps, input),
      describeShareReport: (reportId) => describeShareReport(deps, reportId),
      decideShareReport: (input) => decideShareReport(deps, input),
    },
    gallery: {
      list: (query) => listCreations(deps, query),
      get: (input) => getCreation(deps, input),
      openThumbnail: (input) => openThumbnail(deps, input),
      delete: (input) => deleteCreation(deps, input),
    },
    sharing: {
      set: (input) => setCreationSharing(deps, input),
      find: (slug) => findSharedCreation(deps, slug),
      findRemixableCreation: (slug) => findRemixableCreation(deps, slug),
      openMedia: (input) => openSharedMedia(deps, input),
      report: (input) => reportSharedCreation(deps, input),
      telegramRemixLink: (slug) =>
        deps.config.telegramBotUsername
          ? `https://t.me/${deps.config.telegramBotUsername}?start=${REMIX_START_PREFIX}${slug}`
          : undefined,
    },
    startWorker: (options) => startGenerationWorker(deps, options),
    checkReadiness: () => checkReadiness(deps),
    registerNotifier: (platform, notifier) => {
      // The one registry every use case reads (the copies of `deps` above share it).
      deps.notifiers[platform] = notifier;
    },
    settings: adapterSettingsOf(deps.config, deps.catalog),
    now: () => deps.clock.now(),
  };
}
