import type { PrismaClient } from '#core/infra/db/create-database';
import { TEMPLATE_CATALOG, type TemplateDefinition } from '#core/templates/template-catalog';

/** Writes the template catalog into the database (upsert by id; sort order follows the file). */
export async function seedTemplates(
  prisma: PrismaClient,
  catalog: readonly TemplateDefinition[] = TEMPLATE_CATALOG,
): Promise<void> {
  await prisma.$transaction(
    catalog.map((template, index) => {
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
      return prisma.template.upsert({ where: { id: template.id }, create: { id: template.id, ...data }, update: data });
    }),
  );
}
