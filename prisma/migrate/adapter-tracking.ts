// The wasm engine disposes of shadow-database connections itself but keeps its main connection
// until it is freed, and freeing it does not call back into JavaScript. Tracking every connection
// handed out lets a command close all of them (pools, shadow databases) when it ends.
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { withScriptRunner } from '#prisma/migrate/script-adapter';

/** A factory whose connections can all be closed at once, each at most once. */
export type TrackedFactory = {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll: () => Promise<void>;
};

/** Wraps `factory` so that `disposeAll` disposes of every connection it made and the engine left open. */
export function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory): TrackedFactory {
  const open = new Set<() => Promise<void>>();
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    let disposing: Promise<void> | undefined;
    const dispose = () => {
      disposing ??= adapter.dispose().finally(() => open.delete(dispose));
      return disposing;
    };
    open.add(dispose);
    return withScriptRunner(adapter, (script) => adapter.executeScript(script), dispose);
  };
  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => track(await factory.connect()),
      connectToShadowDb: async () => track(await factory.connectToShadowDb()),
    },
    disposeAll: async () => {
      await Promise.all([...open].map((dispose) => dispose()));
    },
  };
}
