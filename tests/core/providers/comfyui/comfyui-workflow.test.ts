import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMG2IMG_WORKFLOW,
  DEFAULT_TXT2IMG_WORKFLOW,
  DEFAULT_UPSCALE_WORKFLOW,
  fillComfyWorkflow,
  LANCZOS_UPSCALE_WORKFLOW,
  loadComfyWorkflow,
  type WorkflowPurpose,
} from '#core/providers/comfyui/comfyui-workflow';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comfyui-workflow-'));
function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}
function problemsOf(file: string, purpose: WorkflowPurpose = 'text'): string {
  try {
    loadComfyWorkflow(file, { purpose });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the workflow to be refused');
}

describe('ComfyUI workflows', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the repository workflows with their placeholders', () => {
    const txt2img = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' });
    expect([...txt2img.placeholders].sort()).toEqual(
      ['batch_size', 'height', 'negative_prompt', 'prompt', 'seed', 'width'].sort(),
    );
    const img2img = loadComfyWorkflow(DEFAULT_IMG2IMG_WORKFLOW, { purpose: 'edit' });
    expect(img2img.placeholders.has('input_image')).toBe(true);
    for (const file of [DEFAULT_UPSCALE_WORKFLOW, LANCZOS_UPSCALE_WORKFLOW]) {
      const upscale = loadComfyWorkflow(file, { purpose: 'upscale' });
      expect([...upscale.placeholders].sort()).toEqual(['height', 'input_image', 'width']);
    }
  });

  it('takes an upscale workflow without a prompt, but not without the picture to enlarge', () => {
    const save = { class_type: 'SaveImage', inputs: { filename_prefix: 'x', images: ['1', 0] } };
    const scale = { class_type: 'ImageScaleBy', inputs: { upscale_method: 'lanczos', scale_by: 2, image: ['2', 0] } };
    const fixed = write('fixed-input.json', {
      '1': scale,
      '2': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
      '3': save,
    });
    const message = problemsOf(fixed, 'upscale');
    expect(message).toContain('is the upscale workflow but has no {{input_image}} placeholder');
    expect(message).not.toContain('{{prompt}}');
    // The same graph with the placeholder is an upscale workflow, not a text one.
    const good = write('upscale.json', {
      '1': scale,
      '2': { class_type: 'LoadImage', inputs: { image: '{{input_image}}' } },
      '3': save,
    });
    expect(loadComfyWorkflow(good, { purpose: 'upscale' }).placeholders).toEqual(new Set(['input_image']));
    expect(problemsOf(good, 'text')).toContain('has no {{prompt}} placeholder');
    // An upscale is filled with the picture and its size only: a {{prompt}} there would never be filled.
    const prompted = write('prompted-upscale.json', {
      '1': scale,
      '2': { class_type: 'LoadImage', inputs: { image: '{{input_image}}' } },
      '3': save,
      '4': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}' } },
      '5': { class_type: 'KSampler', inputs: { seed: '{{seed}}' } },
    });
    expect(problemsOf(prompted, 'upscale')).toContain(
      'node "4" input "text" holds "{{prompt}}"; an upscale workflow is given {{input_image}}, {{width}} and {{height}} only',
    );
    expect(problemsOf(prompted, 'upscale')).toContain('node "5" input "seed" holds "{{seed}}"');
  });

  it('fills placeholders, numbers as numbers, without touching the loaded graph', () => {
    const workflow = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { purpose: 'text' });
    const graph = fillComfyWorkflow(workflow, {
      prompt: 'a "quoted" {{prompt}}',
      negative_prompt: '',
      seed: 12,
      width: 832,
      height: 1216,
      batch_size: 2,
    });
    expect(graph['3']?.inputs.seed).toBe(12);
    expect(graph['5']?.inputs).toEqual({ width: 832, height: 1216, batch_size: 2 });
    expect(graph['6']?.inputs.text).toBe('a "quoted" {{prompt}}');
    expect(graph['6']?.inputs.clip).toEqual(['4', 1]);
    expect(workflow.graph['3']?.inputs.seed).toBe('{{seed}}');
  });

  it('refuses a file that is not JSON, and the UI save format', () => {
    expect(problemsOf(write('broken.json', '{ nope'))).toContain('cannot be read as JSON');
    expect(problemsOf(write('ui.json', { nodes: [], links: [] }))).toContain('Export (API)');
  });

  it('lists every problem of a workflow at once', () => {
    const file = write('bad.json', {
      '1': { class_type: 'KSampler', inputs: { seed: '{{sede}}', model: ['9', 0], note: 'x {{prompt}}' } },
      '2': { inputs: {} },
      '3': { class_type: 'PreviewImage' },
    });
    const message = problemsOf(file, 'edit');
    expect(message).toContain(file);
    for (const expected of [
      'node "1" input "seed" holds "{{sede}}"',
      'node "1" input "model" links to node "9"',
      'node "1" input "note" holds "x {{prompt}}"',
      'node "2" has no class_type',
      'node "3" (PreviewImage) has no inputs object',
      'has no {{prompt}} placeholder',
      'has no output node',
      'is the edit workflow but has no {{input_image}} placeholder',
    ]) {
      expect(message).toContain(expected);
    }
  });
});
