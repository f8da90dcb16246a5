import type { PrismaClient } from '#core/infra/db/create-database';
import type { Locale } from '#core/i18n/locales';

/** A template as shown to a user, in their language. */
export type TemplateView = {
  id: string;
  kind: 'image' | 'video';
  name: string;
  description: string;
  promptPattern: string;
  defaultAspect: string;
  defaultModel: string | null;
  uses: number;
};

type Row = {
  id: string;
  kind: 'image' | 'video';
  name: unknown;
  description: unknown;
  promptPattern: string;
  defaultAspect: string;
  defaultModel: string | null;
};

/** A template's text in the reader's language; Traditional Chinese readers get Simplified before English. */
function localized(value: unknown, locale: Locale): string {
  const map = (value ?? {}) as Record<string, string>;
  const order = locale === 'zh-TW' ? [locale, 'zh-CN', 'en'] : [locale, 'en'];
  return map[order.find((candidate) => Object.hasOwn(map, candidate)) ?? ''] ?? '';
}

function toView(row: Row, locale: Locale, uses = 0): TemplateView {
  return {
    id: row.id,
    kind: row.kind,
    name: localized(row.name, locale),
    description: localized(row.description, locale),
    promptPattern: row.promptPattern,
    defaultAspect: row.defaultAspect,
    defaultModel: row.defaultModel,
    uses,
  };
}

/** One active template by id, or undefined. */
export async function findTemplate(
  prisma: PrismaClient,
  id: string,
  locale: Locale,
): Promise<TemplateView | undefined> {
  const row = await prisma.template.findFirst({ where: { id, isActive: true } });
  return row ? toView(row, locale) : undefined;
}

/**
 * Active templates, most used first (uses in the last 30 days), then catalog order. With
 * `prefix`, only those whose id or name (in any language) starts with it, for autocomplete.
 */
export async function listTemplates(
  prisma: PrismaClient,
  options: { locale: Locale; prefix?: string; limit?: number; now: Date },
): Promise<TemplateView[]> {
  const since = new Date(options.now.getTime() - 30 * 24 * 3600 * 1000);
  const [rows, counts] = await Promise.all([
    prisma.template.findMany({ where: { isActive: true }, orderBy: { sortOrder: 'asc' } }),
    prisma.templateEvent.groupBy({
      by: ['templateId'],
      where: { kind: 'use', createdAt: { gte: since } },
      _count: { _all: true },
    }),
  ]);
  const usesById = new Map(counts.map((count) => [count.templateId, count._count._all]));
  const prefix = options.prefix?.trim().toLowerCase();
  const matches = (row: Row) =>
    !prefix ||
    row.id.startsWith(prefix) ||
    Object.values((row.name ?? {}) as Record<string, string>).some((name) => name.toLowerCase().startsWith(prefix));
  return rows
    .filter(matches)
    .map((row) => toView(row, options.locale, usesById.get(row.id) ?? 0))
    .sort((a, b) => b.uses - a.uses)
    .slice(0, options.limit ?? 50);
}

/** Records that a user saw or used a template (usage data the privacy policy names). */
export async function recordTemplateEvent(
  prisma: PrismaClient,
  input: { templateId: string; userId: string | undefined; kind: 'view' | 'use'; hasObjectedToAnalytics?: boolean },
): Promise<void> {
  if (input.kind === 'view' && input.hasObjectedToAnalytics) return;
  await prisma.templateEvent.create({
    data: { templateId: input.templateId, userId: input.userId ?? null, kind: input.kind },
  });
}

/** The prompt a template makes from the user's subject. */
export function applyTemplate(template: Pick<TemplateView, 'promptPattern'>, subject: string): string {
  return template.promptPattern.includes('{subject}')
    ? template.promptPattern.replaceAll('{subject}', subject)
    : `${template.promptPattern}, ${subject}`;
}
