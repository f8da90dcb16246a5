import type { PrismaClient } from '#core/infra/db/create-database';
import { TEMPLATE_CATALOG, type TemplateDefinition } from '#core/templates/template-catalog';

/**
 * Writes the template catalog into the database (upsert by id; sort order follows the file).
 * Only the templates that differ from the file are written: every process runs this at start-up,
 * and processes starting together would otherwise queue on the same rows' locks.
 */
export async function seedTemplates(
  prisma: PrismaClient,
  catalog: readonly TemplateDefinition[] = TEMPLATE_CATALOG,
): Promise<void> {
  const stored = new Map(
    (await prisma.template.findMany({ where: { id: { in: catalog.map((template) => template.id) } } })).map((row) => [
      row.id,
      row,
    ]),
  );
  const writes = catalog.flatMap((template, index) => {
    const data = {
      kind: template.kind,
      name: template.name,
      description: template.description,
      promptPattern: template.promptPattern,
      defaultAspect: template.defaultAspect,
      defaultModel: template.defaultModel ?? null,
      sortOrder: index,
      isActive: true,
    };
    const row = stored.get(template.id);
    if (
      row &&
      row.kind === data.kind &&
      sameTexts(row.name, data.name) &&
      sameTexts(row.description, data.description) &&
      row.promptPattern === data.promptPattern &&
      row.defaultAspect === data.defaultAspect &&
      row.defaultModel === data.defaultModel &&
      row.sortOrder === data.sortOrder &&
      row.isActive
    )
      return [];
    return [prisma.template.upsert({ where: { id: template.id }, create: { id: template.id, ...data }, update: data })];
  });
  if (writes.length > 0) await prisma.$transaction(writes);
}

/** Whether a stored JSON column holds exactly these texts by locale (the database may order the keys its own way). */
function sameTexts(stored: unknown, texts: Record<string, string>): boolean {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return false;
  const entries = Object.entries(stored);
  return entries.length === Object.keys(texts).length && entries.every(([key, value]) => texts[key] === value);
}
