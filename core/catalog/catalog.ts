import { z } from 'zod';

/** A one-off credit pack. Prices are in minor units per currency; `stars` is the Telegram Stars price. */
export const CreditPackSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]{1,32}$/),
  credits: z.number().int().positive(),
  prices: z.record(z.string().regex(/^[a-z]{3}$/), z.number().int().positive()),
  stars: z.number().int().positive(),
  stripePriceId: z.string().optional(),
});
export type CreditPack = z.infer<typeof CreditPackSchema>;

/** A monthly plan: credits that expire at period end, a concurrency cap and a queue priority. */
export const PlanSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]{1,32}$/),
  monthlyCredits: z.number().int().positive(),
  prices: z.record(z.string().regex(/^[a-z]{3}$/), z.number().int().positive()),
  stripePriceId: z.string().optional(),
  limits: z.object({
    concurrency: z.number().int().positive(),
    minSpacingMs: z.number().int().nonnegative(),
    priority: z.number().int().min(1).max(100),
  }),
});
export type Plan = z.infer<typeof PlanSchema>;

export const CatalogSchema = z.object({
  defaultCurrency: z.string().regex(/^[a-z]{3}$/),
  packs: z.array(CreditPackSchema).min(1),
  plans: z.array(PlanSchema),
  freeLimits: PlanSchema.shape.limits,
  /** How long pack credits last; null = no expiry. */
  packCreditsValidDays: z.number().int().positive().nullable(),
  /**
   * Credits for an invitation, given once when the invited person makes a first purchase: to the
   * inviter and to the invitee (0 turns that share off). They last as long as pack credits.
   */
  referral: z.object({
    inviterCredits: z.number().int().nonnegative(),
    inviteeCredits: z.number().int().nonnegative(),
  }),
});
export type Catalog = z.infer<typeof CatalogSchema>;

/**
 * What is sold. Operators edit this file; it is validated at start-up. What each model costs is
 * in the models file (`MODELS_FILE`, see `core/models/models.default.json`).
 */
export const CATALOG: Catalog = CatalogSchema.parse({
  defaultCurrency: 'usd',
  packs: [
    { id: 'starter', credits: 50, prices: { usd: 499, eur: 499 }, stars: 250 },
    { id: 'creator', credits: 150, prices: { usd: 1199, eur: 1199 }, stars: 600 },
    { id: 'studio', credits: 500, prices: { usd: 3499, eur: 3499 }, stars: 1750 },
  ],
  plans: [
    {
      id: 'plus',
      monthlyCredits: 300,
      prices: { usd: 999, eur: 999 },
      limits: { concurrency: 2, minSpacingMs: 1000, priority: 5 },
    },
    {
      id: 'pro',
      monthlyCredits: 1000,
      prices: { usd: 2499, eur: 2499 },
      limits: { concurrency: 4, minSpacingMs: 0, priority: 1 },
    },
  ],
  freeLimits: { concurrency: 1, minSpacingMs: 3000, priority: 10 },
  packCreditsValidDays: 365,
  referral: { inviterCredits: 25, inviteeCredits: 15 },
});

/** The pack with this id, or undefined. */
export function findPack(catalog: Catalog, id: string): CreditPack | undefined {
  return catalog.packs.find((pack) => pack.id === id);
}

/** The plan with this id, or undefined. */
export function findPlan(catalog: Catalog, id: string): Plan | undefined {
  return catalog.plans.find((plan) => plan.id === id);
}

/**
 * The value a catalog table holds under `key`, or undefined. Only the table's own keys count: a
 * key from a request such as `constructor` or `__proto__` names nothing, never a prototype member.
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Whether every pack is sold in `currency` (the currencies the pricing page offers). */
export function isOfferedCurrency(catalog: Catalog, currency: string): boolean {
  return catalog.packs.every((pack) => ownValue(pack.prices, currency) !== undefined);
}
