import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '#core/infra/db/create-database';
import { seedTemplates } from '#core/templates/seed-templates';
import { TEMPLATE_CATALOG } from '#core/templates/template-catalog';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';

/**
 * Every process seeds the template catalog at start-up. A database that already holds it costs one
 * read: compiling a transaction of one upsert per template was ~0.6 s of every start's CPU.
 */
describe('seeding the template catalog', () => {
  let database: TestDatabase;
  let operations: string[] = [];
  let counted: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    counted = database.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          operations.push(`${model ?? ''}.${operation}`);
          return query(args);
        },
      },
    }) as unknown as PrismaClient;
    await seedTemplates(database.prisma);
  });

  afterAll(async () => {
    await database?.close();
  });

  const updatedAt = async () =>
    new Map(
      (await database.prisma.template.findMany({ select: { id: true, updatedAt: true } })).map((row) => [
        row.id,
        row.updatedAt.getTime(),
      ]),
    );

  it('reads once and writes nothing when the database holds the catalog', async () => {
    const before = await updatedAt();
    operations = [];
    await seedTemplates(counted);
    expect(operations).toEqual(['Template.findMany']);
    expect(await updatedAt()).toEqual(before);
  });

  it('writes back only the templates that differ from the catalog', async () => {
    const [first, second] = TEMPLATE_CATALOG;
    if (!first || !second) throw new Error('the catalog has at least two templates');
    await database.prisma.template.update({
      where: { id: first.id },
      data: { promptPattern: 'edited {subject}', isActive: false },
    });
    await database.prisma.template.update({
      where: { id: second.id },
      data: { name: { ...second.name, en: 'Renamed' } },
    });
    const before = await updatedAt();
    await seedTemplates(database.prisma);
    const after = await updatedAt();
    const restored = await database.prisma.template.findMany({ where: { id: { in: [first.id, second.id] } } });
    expect(restored.find((row) => row.id === first.id)).toMatchObject({
      promptPattern: first.promptPattern,
      isActive: true,
    });
    expect(restored.find((row) => row.id === second.id)?.name).toEqual(second.name);
    const changed = [...after].filter(([id, time]) => before.get(id) !== time).map(([id]) => id);
    expect(changed.sort()).toEqual([first.id, second.id].sort());
  });

  it('adds a template the database does not have, in the catalog order', async () => {
    const [first] = TEMPLATE_CATALOG;
    if (!first) throw new Error('the catalog has a template');
    const added = { ...first, id: 'seed-test-added' };
    await seedTemplates(database.prisma, [added, ...TEMPLATE_CATALOG]);
    const row = await database.prisma.template.findUniqueOrThrow({ where: { id: added.id } });
    expect(row).toMatchObject({ promptPattern: first.promptPattern, sortOrder: 0 });
    expect((await database.prisma.template.findUniqueOrThrow({ where: { id: first.id } })).sortOrder).toBe(1);
  });
});
