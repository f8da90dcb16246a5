import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeComfyUiApi } from '#tests/fakes/comfyui-api';
import { colorForText, makePng, readPng } from '#tests/fakes/test-png';

type Message = { type: string; data: Record<string, unknown> };
type History = Record<
  string,
  {
    status: { status_str: string; completed: boolean };
    outputs: Record<string, { images: Array<Record<string, string>> }>;
  }
>;
type Queue = { queue_running: unknown[][]; queue_pending: unknown[][] };

function graph(overrides: { text?: string; width?: unknown; height?: unknown; batch?: unknown } = {}) {
  return {
    '3': {
      class_type: 'KSampler',
      inputs: { seed: 5, steps: 20, cfg: 7, denoise: 1, model: ['4', 0], positive: ['6', 0], latent_image: ['5', 0] },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl.safetensors' } },
    '5': {
      class_type: 'EmptyLatentImage',
      inputs: { width: overrides.width ?? 320, height: overrides.height ?? 192, batch_size: overrides.batch ?? 1 },
    },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: overrides.text ?? 'a fox', clip: ['4', 1] } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'test', images: ['8', 0] } },
  };
}

/** A WebSocket client of the fake that keeps every JSON message. */
async function connect(fake: FakeComfyUiApi, clientId: string): Promise<{ socket: WebSocket; messages: Message[] }> {
  const socket = new WebSocket(`${fake.url.replace('http', 'ws')}/ws?clientId=${clientId}`);
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Message));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, messages };
}

async function post(fake: FakeComfyUiApi, path: string, body: unknown): Promise<Response> {
  return fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('FakeComfyUiApi', () => {
  let fake: FakeComfyUiApi;

  beforeEach(async () => {
    fake = await FakeComfyUiApi.start({ steps: 3, stepMs: 15 });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('runs an API-format prompt: socket events in order, history and a real PNG of the latent size through /view', async () => {
    const { socket, messages } = await connect(fake, 'client-1');
    const response = await post(fake, '/prompt', { prompt: graph({ text: 'a fox' }), client_id: 'client-1' });
    expect(response.status).toBe(200);
    const { prompt_id: id, node_errors: nodeErrors } = (await response.json()) as {
      prompt_id: string;
      node_errors: object;
    };
    expect(nodeErrors).toEqual({});
    await fake.waitForEnd(id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.close();

    const types = messages.map((message) => message.type);
    expect(types[0]).toBe('status');
    expect(types).toContain('execution_start');
    expect(messages.filter((m) => m.type === 'progress').map((m) => [m.data.value, m.data.max])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const done = messages.findIndex((m) => m.type === 'executing' && m.data.node === null);
    const executed = messages.findIndex((m) => m.type === 'executed');
    expect(executed).toBeGreaterThan(0);
    expect(done).toBeGreaterThan(executed);
    expect(messages[done]?.data.prompt_id).toBe(id);

    const history = (await (await fetch(`${fake.url}/history/${id}`)).json()) as History;
    expect(history[id]?.status).toMatchObject({ status_str: 'success', completed: true });
    const [image] = history[id]?.outputs['9']?.images ?? [];
    expect(image).toMatchObject({ subfolder: '', type: 'output' });
    const view = await fetch(`${fake.url}/view?${new URLSearchParams(image)}`);
    expect(view.headers.get('content-type')).toBe('image/png');
    const png = readPng(Buffer.from(await view.arrayBuffer()));
    expect(png).toEqual({ width: 320, height: 192, topLeft: colorForText('a fox') });
  });

  it('makes batch_size images', async () => {
    const response = await post(fake, '/prompt', { prompt: graph({ batch: 3 }) });
    const { prompt_id: id } = (await response.json()) as { prompt_id: string };
    const prompt = await fake.waitForEnd(id);
    expect(prompt.outputs['9']?.images).toHaveLength(3);
  });

  it('refuses what ComfyUI refuses: no outputs, not API format, unfilled placeholders, strings for numbers, unknown uploads', async () => {
    const noOutput = graph();
    delete (noOutput as Record<string, unknown>)['9'];
    const cases: Array<[unknown, string]> = [
      [noOutput, 'prompt_no_outputs'],
      [{ nodes: [], links: [] }, 'invalid_prompt'],
      [graph({ text: '{{prompt}}' }), 'prompt_outputs_failed_validation'],
      [graph({ width: '{{width}}' }), 'prompt_outputs_failed_validation'],
      [
        { ...graph(), '10': { class_type: 'LoadImage', inputs: { image: 'missing.png' } } },
        'prompt_outputs_failed_validation',
      ],
    ];
    for (const [prompt, type] of cases) {
      const response = await post(fake, '/prompt', { prompt });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { type: string }; node_errors: Record<string, unknown> };
      expect(body.error.type).toBe(type);
      if (type === 'prompt_outputs_failed_validation') expect(Object.keys(body.node_errors).length).toBeGreaterThan(0);
    }
    expect(fake.prompts.size).toBe(0);
  });

  it('runs one prompt at a time: the second waits in /queue and can be deleted; /interrupt stops the running one', async () => {
    fake.stepMs = 200;
    const first = ((await (await post(fake, '/prompt', { prompt: graph() })).json()) as { prompt_id: string })
      .prompt_id;
    const second = ((await (await post(fake, '/prompt', { prompt: graph() })).json()) as { prompt_id: string })
      .prompt_id;
    const queue = (await (await fetch(`${fake.url}/queue`)).json()) as Queue;
    expect(queue.queue_running.map((entry) => entry[1])).toEqual([first]);
    expect(queue.queue_pending.map((entry) => entry[1])).toEqual([second]);
    expect((await post(fake, '/queue', { delete: [second] })).status).toBe(200);
    expect(fake.deleted).toEqual([second]);
    expect((await post(fake, '/interrupt', {})).status).toBe(200);
    const ended = await fake.waitForEnd(first);
    expect(ended.state).toBe('interrupted');
    const history = (await (await fetch(`${fake.url}/history/${first}`)).json()) as History;
    expect(history[first]?.status.status_str).toBe('error');
    expect(fake.peakQueued).toBe(2);
  });

  it('takes uploads for LoadImage and makes an image of the loaded size', async () => {
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(makePng(64, 48))], { type: 'image/png' }), 'in.png');
    form.set('overwrite', 'true');
    form.set('type', 'input');
    const uploaded = (await (await fetch(`${fake.url}/upload/image`, { method: 'POST', body: form })).json()) as {
      name: string;
    };
    expect(uploaded).toEqual({ name: 'in.png', subfolder: '', type: 'input' });
    const edit = {
      '3': { class_type: 'KSampler', inputs: { seed: 1, positive: ['6', 0], latent_image: ['11', 0] } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'edit' } },
      '10': { class_type: 'LoadImage', inputs: { image: uploaded.name } },
      '11': { class_type: 'VAEEncode', inputs: { pixels: ['10', 0] } },
      '9': { class_type: 'SaveImage', inputs: { images: ['3', 0] } },
    };
    const { prompt_id: id } = (await (await post(fake, '/prompt', { prompt: edit })).json()) as { prompt_id: string };
    const prompt = await fake.waitForEnd(id);
    const ref = prompt.outputs['9']?.images[0];
    const view = await fetch(`${fake.url}/view?${new URLSearchParams(ref)}`);
    expect(readPng(Buffer.from(await view.arrayBuffer()))).toMatchObject({ width: 64, height: 48 });
  });

  it('runs upscale graphs as ComfyUI would: the model factor, scale_by, a set size, keeping the picture', async () => {
    const picture = makePng(64, 48, [9, 99, 199, 255]);
    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(picture)], { type: 'image/png' }), 'small.png');
    await fetch(`${fake.url}/upload/image`, { method: 'POST', body: form });
    const run = async (nodes: Record<string, unknown>) => {
      const response = await post(fake, '/prompt', { prompt: nodes });
      const body = (await response.json()) as { prompt_id?: string; node_errors?: Record<string, unknown> };
      if (!body.prompt_id) return { status: response.status, errors: Object.keys(body.node_errors ?? {}) };
      const prompt = await fake.waitForEnd(body.prompt_id);
      const ref = prompt.outputs['9']?.images[0];
      const view = await fetch(`${fake.url}/view?${new URLSearchParams(ref)}`);
      return readPng(Buffer.from(await view.arrayBuffer()));
    };
    const load = { class_type: 'LoadImage', inputs: { image: 'small.png' } };
    const save = { class_type: 'SaveImage', inputs: { filename_prefix: 'up', images: ['4', 0] } };
    const withModel = (model: string, scale: Record<string, unknown>) => ({
      '1': load,
      '2': { class_type: 'UpscaleModelLoader', inputs: { model_name: model } },
      '3': { class_type: 'ImageUpscaleWithModel', inputs: { upscale_model: ['2', 0], image: ['1', 0] } },
      '4': { ...scale, inputs: { ...(scale.inputs as object), image: ['3', 0] } },
      '9': save,
    });
    const by = (scale: number) => ({
      class_type: 'ImageScaleBy',
      inputs: { upscale_method: 'lanczos', scale_by: scale },
    });
    expect(await run(withModel('RealESRGAN_x4plus.pth', by(0.5)))).toEqual({
      width: 128,
      height: 96,
      topLeft: [9, 99, 199, 255],
    });
    expect(await run(withModel('RealESRGAN_x2plus.pth', by(1)))).toMatchObject({ width: 128, height: 96 });
    const size = (width: number, height: number) => ({
      class_type: 'ImageScale',
      inputs: { upscale_method: 'bicubic', width, height, crop: 'disabled' },
    });
    expect(await run(withModel('RealESRGAN_x4plus.pth', size(200, 0)))).toMatchObject({ width: 200, height: 150 });
    expect(
      await run({
        '1': load,
        '4': { ...size(100, 80), inputs: { ...size(100, 80).inputs, image: ['1', 0] } },
        '9': save,
      }),
    ).toMatchObject({
      width: 100,
      height: 80,
    });
    // A model file the instance does not have, a method it does not know: refused before running.
    expect(await run(withModel('4x-UltraSharp.pth', by(0.5)))).toEqual({ status: 400, errors: ['2'] });
    expect(
      await run(withModel('RealESRGAN_x4plus.pth', { ...by(0.5), inputs: { upscale_method: 'magic', scale_by: 0.5 } })),
    ).toEqual({ status: 400, errors: ['4'] });
  });

  it('reports an execution error, and goes unhealthy on request', async () => {
    const { messages, socket } = await connect(fake, 'c2');
    fake.failNextRun('CUDA out of memory');
    const { prompt_id: id } = (await (await post(fake, '/prompt', { prompt: graph(), client_id: 'c2' })).json()) as {
      prompt_id: string;
    };
    expect((await fake.waitForEnd(id)).state).toBe('error');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(messages.find((m) => m.type === 'execution_error')?.data).toMatchObject({
      prompt_id: id,
      exception_message: 'CUDA out of memory',
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    fake.setHealthy(false);
    await closed;
    expect((await fetch(`${fake.url}/system_stats`)).status).toBe(503);
    fake.setHealthy(true);
    expect((await fetch(`${fake.url}/system_stats`)).status).toBe(200);
  });
});
