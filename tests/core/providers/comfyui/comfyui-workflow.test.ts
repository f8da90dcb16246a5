import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMG2IMG_WORKFLOW,
  DEFAULT_TXT2IMG_WORKFLOW,
  fillComfyWorkflow,
  loadComfyWorkflow,
} from '#core/providers/comfyui/comfyui-workflow';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comfyui-workflow-'));
function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}
function problemsOf(file: string, forEdits = false): string {
  try {
    loadComfyWorkflow(file, { forEdits });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the workflow to be refused');
}

describe('ComfyUI workflows', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the repository workflows with their placeholders', () => {
    const txt2img = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { forEdits: false });
    expect([...txt2img.placeholders].sort()).toEqual(
      ['batch_size', 'height', 'negative_prompt', 'prompt', 'seed', 'width'].sort(),
    );
    const img2img = loadComfyWorkflow(DEFAULT_IMG2IMG_WORKFLOW, { forEdits: true });
    expect(img2img.placeholders.has('input_image')).toBe(true);
  });

  it('fills placeholders, numbers as numbers, without touching the loaded graph', () => {
    const workflow = loadComfyWorkflow(DEFAULT_TXT2IMG_WORKFLOW, { forEdits: false });
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
    const message = problemsOf(file, true);
    expect(message).toContain(file);
    for (const expected of [
      'node "1" input "seed" holds "{{sede}}"',
      'node "1" input "model" links to node "9"',
      'node "1" input "note" holds "x {{prompt}}"',
      'node "2" has no class_type',
      'node "3" (PreviewImage) has no inputs object',
      'has no {{prompt}} placeholder',
      'has no output node',
      'has no {{input_image}} placeholder',
    ]) {
      expect(message).toContain(expected);
    }
  });
});
