// Loads Prisma's schema engine compiled to WebAssembly. The package's own entry does
// `import * as wasm from "./schema_engine_bg.wasm"` (WebAssembly ESM integration), which Node 20
// only loads behind --experimental-wasm-modules, so we compile the .wasm ourselves and hand the
// instance to the wasm-bindgen glue.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

const GLUE_MODULE = '@prisma/schema-engine-wasm/schema_engine_bg';

/** The engine's class; `SchemaEngine.new(...)` opens one engine. */
export type SchemaEngineClass = typeof SchemaEngine;

type WasmBindgenExports = Record<string, unknown> & { __wbindgen_start: () => void };

// The project builds without the DOM lib and @types/node 20 does not declare the WebAssembly
// global, so the two calls used here are typed locally.
type WebAssemblyApi = {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, object>): Promise<{ exports: Record<string, unknown> }>;
};
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

// The glue keeps the instance in a module-level variable, so the wasm must be instantiated once
// per process; a second instance would silently replace the memory of engines already running.
let loading: Promise<SchemaEngineClass> | undefined;

/**
 * Returns the wasm `SchemaEngine` class, compiling and instantiating the module on first use
 * (about 25 ms) and reusing it afterwards.
 */
export function loadSchemaEngine(): Promise<SchemaEngineClass> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<SchemaEngineClass> {
  const gluePath = createRequire(import.meta.url).resolve(GLUE_MODULE);
  const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
  const module = await webAssembly.compile(bytes);
  const instance = await webAssembly.instantiate(module, { './schema_engine_bg.js': withUnrefTimers(bindings) });
  const exports = instance.exports as WasmBindgenExports;
  bindings.__wbg_set_wasm(exports);
  exports.__wbindgen_start();
  return bindings.SchemaEngine;
}

// The engine arms timeouts (10 s and more) through the glue's setTimeout and never clears them,
// which kept every CLI run alive for up to a minute after its work was done. Its timers are
// unref'd here; withSchemaEngine keeps the process alive while a command runs.
function withUnrefTimers(glue: typeof bindings): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return imports;
}
