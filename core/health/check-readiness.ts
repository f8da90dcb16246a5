import type { CoreDeps } from '#core/core-deps';

/** What `/readyz` reports. */
export type Readiness = { isReady: boolean; database: boolean; redis: boolean | undefined };

/** Asks the database (and Redis, when used) to answer, each within two seconds. */
export async function checkReadiness(deps: Pick<CoreDeps, 'prisma' | 'pingRedis'>): Promise<Readiness> {
  const within = <T>(promise: Promise<T>) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
    ]);
  const database = await within(deps.prisma.$queryRaw`SELECT 1`).then(
    () => true,
    () => false,
  );
  const redis = deps.pingRedis
    ? await within(deps.pingRedis()).then(
        () => true,
        () => false,
      )
    : undefined;
  return { isReady: database && redis !== false, database, redis };
}
