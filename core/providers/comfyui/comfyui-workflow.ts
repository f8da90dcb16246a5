import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * ComfyUI workflows in API format (the JSON that "Export (API)" writes, and what `POST /prompt`
 * takes: https://docs.comfy.org/development/comfyui-server/comms_routes): an object of nodes by id,
 * each `{ class_type, inputs }`, links written `[nodeId, outputIndex]`. Ours carry placeholders,
 * string values that are exactly `"{{name}}"`, filled per request; numeric ones become numbers.
 */

/** Placeholders a workflow may use, as the graph needs them (see {@link loadComfyWorkflow} for the required ones). */
export const WORKFLOW_PLACEHOLDERS = [
  'prompt',
  'negative_prompt',
  'seed',
  'width',
  'height',
  'input_image',
  'batch_size',
  'denoise',
] as const;
export type WorkflowPlaceholder = (typeof WORKFLOW_PLACEHOLDERS)[number];

/** Placeholders filled with numbers (ComfyUI refuses `"1024"` where an INT is wanted). */
const NUMERIC: ReadonlySet<WorkflowPlaceholder> = new Set(['seed', 'width', 'height', 'batch_size', 'denoise']);

/** What an upscale is filled with: the picture and the size to reach (no prompt, no seed). */
const UPSCALE_PLACEHOLDERS: ReadonlySet<string> = new Set(['input_image', 'width', 'height']);

/** Node classes that save images to ComfyUI's output folder, where `/history` and `/view` find them. */
const OUTPUT_NODE_CLASSES: ReadonlySet<string> = new Set(['SaveImage', 'Image Save', 'SaveImageWebsocket']);

/** One node of an API-format graph. */
export type WorkflowNode = { class_type: string; inputs: Record<string, unknown>; _meta?: unknown };
export type WorkflowGraph = Record<string, WorkflowNode>;

/** A validated workflow and the placeholders it uses. */
export type ComfyWorkflow = { file: string; graph: WorkflowGraph; placeholders: ReadonlySet<WorkflowPlaceholder> };

/** What a workflow is for: pictures from words, an edit of a given picture, or enlarging one. */
export type WorkflowPurpose = 'text' | 'edit' | 'upscale';

/**
 * The workflows in this repository, used unless COMFYUI_WORKFLOW / COMFYUI_EDIT_WORKFLOW /
 * COMFYUI_UPSCALE_WORKFLOW name others. The upscale one runs `RealESRGAN_x4plus.pth` (from
 * `models/upscale_models`) and scales its result to `{{width}}` x `{{height}}`; the plain one
 * resamples with Lanczos and needs no model file.
 */
export const DEFAULT_TXT2IMG_WORKFLOW = fileURLToPath(new URL('./workflows/sdxl-txt2img.json', import.meta.url));
export const DEFAULT_IMG2IMG_WORKFLOW = fileURLToPath(new URL('./workflows/sdxl-img2img.json', import.meta.url));
export const DEFAULT_UPSCALE_WORKFLOW = fileURLToPath(new URL('./workflows/esrgan-upscale.json', import.meta.url));
export const LANCZOS_UPSCALE_WORKFLOW = fileURLToPath(new URL('./workflows/lanczos-upscale.json', import.meta.url));

/**
 * Reads and checks a workflow file at start-up. Throws one error listing every problem: not JSON,
 * not API format (the UI's "Save" format has `nodes` and `links` arrays instead), an unknown
 * `{{placeholder}}`, no `SaveImage` node, no `{{prompt}}` (text and edit workflows), and no
 * `{{input_image}}` (edit and upscale workflows). In an upscale workflow `{{width}}` and
 * `{{height}}` are the size to reach.
 */
export function loadComfyWorkflow(file: string, options: { purpose: WorkflowPurpose }): ComfyWorkflow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`ComfyUI workflow ${file}: cannot be read as JSON (${(error as Error).message})`);
  }
  const checked = checkComfyWorkflow(parsed, options);
  if (checked.problems.length > 0) {
    throw new Error(`ComfyUI workflow ${file} is not usable:\n${checked.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return { file, graph: parsed as WorkflowGraph, placeholders: checked.placeholders };
}

/** Every problem of `value` as a workflow (empty when usable), and the placeholders it uses. */
export function checkComfyWorkflow(
  value: unknown,
  options: { purpose: WorkflowPurpose },
): { problems: string[]; placeholders: Set<WorkflowPlaceholder> } {
  const problems: string[] = [];
  const placeholders = new Set<WorkflowPlaceholder>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: ['must be a JSON object of nodes by id (API format)'], placeholders };
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.nodes) || Array.isArray(record.links)) {
    problems.push('is in the UI\'s "Save" format; export it with "Export (API)" instead');
    return { problems, placeholders };
  }
  if (Object.keys(record).length === 0) problems.push('has no nodes');
  let hasOutput = false;
  for (const [id, node] of Object.entries(record)) {
    const candidate = node as Partial<WorkflowNode> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.class_type !== 'string') {
      problems.push(`node "${id}" has no class_type`);
      continue;
    }
    if (typeof candidate.inputs !== 'object' || candidate.inputs === null || Array.isArray(candidate.inputs)) {
      problems.push(`node "${id}" (${candidate.class_type}) has no inputs object`);
      continue;
    }
    if (OUTPUT_NODE_CLASSES.has(candidate.class_type)) hasOutput = true;
    for (const [input, inputValue] of Object.entries(candidate.inputs)) {
      if (Array.isArray(inputValue) && typeof inputValue[0] === 'string' && !(inputValue[0] in record)) {
        problems.push(`node "${id}" input "${input}" links to node "${inputValue[0]}", which does not exist`);
      }
      if (typeof inputValue !== 'string' || !inputValue.includes('{{')) continue;
      const name = /^\{\{(\w+)\}\}$/.exec(inputValue)?.[1];
      if (name && options.purpose === 'upscale' && !UPSCALE_PLACEHOLDERS.has(name)) {
        problems.push(
          `node "${id}" input "${input}" holds ${JSON.stringify(inputValue)}; an upscale workflow is given {{input_image}}, {{width}} and {{height}} only`,
        );
      } else if (name && (WORKFLOW_PLACEHOLDERS as readonly string[]).includes(name)) {
        placeholders.add(name as WorkflowPlaceholder);
      } else {
        problems.push(
          `node "${id}" input "${input}" holds ${JSON.stringify(inputValue)}; a placeholder is the whole value, one of ${WORKFLOW_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        );
      }
    }
  }
  if (options.purpose !== 'upscale' && !placeholders.has('prompt')) problems.push('has no {{prompt}} placeholder');
  if (!hasOutput) problems.push(`has no output node (${[...OUTPUT_NODE_CLASSES].join(', ')})`);
  if (options.purpose !== 'text' && !placeholders.has('input_image')) {
    problems.push(`is the ${options.purpose} workflow but has no {{input_image}} placeholder (a LoadImage node)`);
  }
  return { problems, placeholders };
}

/** The values of one run. */
export type WorkflowValues = Partial<Record<WorkflowPlaceholder, string | number>>;

/** A copy of the graph with every placeholder replaced (numeric ones by numbers); unknown ones are left. */
export function fillComfyWorkflow(workflow: ComfyWorkflow, values: WorkflowValues): WorkflowGraph {
  const graph: WorkflowGraph = {};
  for (const [id, node] of Object.entries(workflow.graph)) {
    const inputs: Record<string, unknown> = {};
    for (const [input, value] of Object.entries(node.inputs)) {
      const name = typeof value === 'string' ? (/^\{\{(\w+)\}\}$/.exec(value)?.[1] as WorkflowPlaceholder) : undefined;
      const filled = name === undefined ? undefined : values[name];
      inputs[input] =
        filled === undefined
          ? structuredClone(value)
          : NUMERIC.has(name as WorkflowPlaceholder)
            ? Number(filled)
            : String(filled);
    }
    graph[id] = { ...structuredClone(node), inputs };
  }
  return graph;
}
