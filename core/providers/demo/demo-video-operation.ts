import { z } from 'zod';
import { ASPECT_RATIOS } from '#core/providers/ports';

/**
 * The operation names of the demo video provider. The name carries the whole request, so any
 * process can finish an operation from its stored name alone, after a restart or on another
 * worker, exactly as the `VideoProvider` port asks: `demo-video:` then base64url of JSON.
 */

/** What a demo video operation renders. */
export const DemoVideoJobSchema = z.object({
  prompt: z.string(),
  aspectRatio: z.enum(ASPECT_RATIOS),
  durationSeconds: z.number().positive().finite(),
  /** CRC-32 of the input image, when there was one, so different inputs animate differently. */
  seed: z.number().int().nonnegative().optional(),
});
export type DemoVideoJob = z.infer<typeof DemoVideoJobSchema>;

const PREFIX = 'demo-video:';

/** The operation name for `job`. */
export function encodeDemoVideoOperation(job: DemoVideoJob): string {
  return PREFIX + Buffer.from(JSON.stringify(DemoVideoJobSchema.parse(job)), 'utf8').toString('base64url');
}

/** The job inside an operation name, or `undefined` if the name is not one of ours or is damaged. */
export function decodeDemoVideoOperation(operation: string): DemoVideoJob | undefined {
  if (!operation.startsWith(PREFIX)) return undefined;
  const payload = operation.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/u.test(payload)) return undefined;
  try {
    const parsed = DemoVideoJobSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
