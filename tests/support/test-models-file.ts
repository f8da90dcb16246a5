import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * A models file for tests of model choice, served by the demo providers: `demo` (1 credit, HD ×2,
 * first in the default order), `demo-pro` (3 credits, no HD, 2 images at most, square or 16:9,
 * no editing, only when asked for), `gpt-image-1` of OpenAI (not configured in tests: hidden),
 * and the `demo` video (2 per second, 4 or 8 seconds).
 */
export const TEST_MODELS = {
  models: [
    {
      id: 'demo',
      name: 'Demo',
      provider: 'demo',
      providerModel: 'demo',
      kind: 'image',
      capabilities: { edit: true, seed: true, imagesPerRequest: 4 },
      cost: { perImage: 1, hdMultiplier: 2 },
      fallbackOrder: 1,
    },
    {
      id: 'demo-pro',
      name: 'Demo Pro',
      provider: 'demo',
      providerModel: 'demo-pro',
      kind: 'image',
      capabilities: { imagesPerRequest: 2, aspectRatios: ['1:1', '16:9'] },
      cost: { perImage: 3 },
    },
    {
      id: 'gpt-image-1',
      name: 'GPT Image 1',
      provider: 'openai',
      providerModel: 'gpt-image-1',
      kind: 'image',
      capabilities: { edit: true, imagesPerRequest: 4 },
      cost: { perImage: 1, hdMultiplier: 2 },
      fallbackOrder: 2,
    },
    {
      id: 'demo',
      name: 'Demo video',
      provider: 'demo',
      providerModel: 'demo',
      kind: 'video',
      capabilities: { durations: [4, 8] },
      cost: { perSecond: 2 },
      fallbackOrder: 1,
    },
  ],
};

/** Writes {@link TEST_MODELS} to a temporary file and returns its path (for `MODELS_FILE`). */
export async function writeTestModelsFile(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagine-models-'));
  const file = path.join(dir, 'models.json');
  await fs.writeFile(file, JSON.stringify(TEST_MODELS));
  return file;
}
