import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTemplates } from '#core/templates/seed-templates';
import { TEMPLATE_CATALOG } from '#core/templates/template-catalog';
import { createTestDatabase, type TestDatabase } from '#tests/support/test-database';

describe('seedTemplates', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const stamps = async () =>
    new Map(
      (await database.prisma.template.findMany({ select: { id: true, updatedAt: true } })).map((row) => [
        row.id,
        row.updatedAt.getTime(),
      ]),
    );

  it('writes nothing when the database already holds the catalog, so processes starting together do not wait on each other', async () => {
    await seedTemplates(database.prisma);
    const before = await stamps();
    await Promise.all([seedTemplates(database.prisma), seedTemplates(database.prisma)]);
    expect(await stamps()).toEqual(before);
    expect(before.size).toBeGreaterThanOrEqual(TEMPLATE_CATALOG.length);
  });

  it('puts back a template edited or removed in the database, and leaves the others alone', async () => {
    const [first, second, third] = TEMPLATE_CATALOG;
    if (!first || !second || !third) throw new Error('the catalog has fewer than three templates');
    await database.prisma.template.update({
      where: { id: first.id },
      data: { name: { ...first.name, en: 'Renamed' }, isActive: false },
    });
    await database.prisma.template.delete({ where: { id: second.id } });
    const before = await stamps();
    await seedTemplates(database.prisma);
    const restored = await database.prisma.template.findUniqueOrThrow({ where: { id: first.id } });
    expect(restored.name).toEqual(first.name);
    expect(restored.isActive).toBe(true);
    expect(await database.prisma.template.findUnique({ where: { id: second.id } })).not.toBeNull();
    expect((await stamps()).get(third.id)).toBe(before.get(third.id));
  });
});
