import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSdApi } from '#tests/fakes/sdapi-api';
import { makePng, readPng } from '#tests/fakes/test-png';

describe('FakeSdApi speaks the AUTOMATIC1111 API', () => {
  let fake: FakeSdApi;

  beforeEach(async () => {
    fake = await FakeSdApi.start({ auth: { username: 'painter', password: 's3cret' } });
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.handlerErrors).toEqual([]);
  });

  const authorization = `Basic ${Buffer.from('painter:s3cret').toString('base64')}`;
  const post = (path: string, body: unknown) =>
    fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });

  it('txt2img answers batch_size × n_iter PNGs of the size asked, and the seeds in info', async () => {
    const response = await post('/sdapi/v1/txt2img', {
      prompt: 'a fox',
      width: 832,
      height: 1216,
      seed: 42,
      batch_size: 2,
      n_iter: 1,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { images: string[]; info: string };
    expect(body.images).toHaveLength(2);
    for (const image of body.images) {
      expect(readPng(Buffer.from(image, 'base64'))).toMatchObject({ width: 832, height: 1216 });
    }
    expect(JSON.parse(body.info)).toMatchObject({ seed: 42, all_seeds: [42, 43] });
    expect(fake.jobs[0]).toMatchObject({ kind: 'txt2img', checkpoint: 'sd_xl_base_1.0.safetensors [31e35c80fc]' });
  });

  it('img2img needs init_images', async () => {
    const missing = await post('/sdapi/v1/img2img', { prompt: 'x', width: 512, height: 512 });
    expect(missing.status).toBe(404);
    const ok = await post('/sdapi/v1/img2img', {
      prompt: 'x',
      width: 512,
      height: 512,
      init_images: [makePng(64, 64).toString('base64')],
    });
    expect(ok.status).toBe(200);
  });

  it('extra-single-image scales by upscaling_resize, and returns the picture unchanged for None', async () => {
    const image = makePng(100, 60).toString('base64');
    const scaled = (await (
      await post('/sdapi/v1/extra-single-image', { image, upscaling_resize: 2, upscaler_1: 'R-ESRGAN 4x+' })
    ).json()) as { image: string };
    expect(readPng(Buffer.from(scaled.image, 'base64'))).toMatchObject({ width: 200, height: 120 });
    const same = (await (
      await post('/sdapi/v1/extra-single-image', { image, upscaling_resize: 2, upscaler_1: 'None' })
    ).json()) as { image: string };
    expect(readPng(Buffer.from(same.image, 'base64'))).toMatchObject({ width: 100, height: 60 });
    const unknown = await post('/sdapi/v1/extra-single-image', { image, upscaler_1: 'Nope' });
    expect(unknown.status).toBe(500);
  });

  it('asks for basic auth', async () => {
    expect((await fetch(`${fake.url}/sdapi/v1/progress`)).status).toBe(401);
    const wrong = await fetch(`${fake.url}/sdapi/v1/progress`, {
      headers: { authorization: `Basic ${Buffer.from('painter:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('reports progress of the running job, stops it on interrupt, and counts overlapping jobs', async () => {
    fake.msPerImage = 400;
    const first = post('/sdapi/v1/txt2img', { prompt: 'a', width: 512, height: 512, batch_size: 2 });
    await fake.waitForRequest((request) => request.path === '/sdapi/v1/txt2img');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const progress = (await (await fetch(`${fake.url}/sdapi/v1/progress`, { headers: { authorization } })).json()) as {
      progress: number;
      state: { job_count: number };
    };
    expect(progress.state.job_count).toBe(2);
    expect(progress.progress).toBeGreaterThan(0);
    expect(progress.progress).toBeLessThan(1);
    expect(fake.overlaps).toBe(0);

    const second = post('/sdapi/v1/txt2img', { prompt: 'b', width: 512, height: 512 });
    await fake.waitForRequest((request) => request.path === '/sdapi/v1/txt2img' && request !== fake.requests[0]);
    expect((await post('/sdapi/v1/interrupt', {})).status).toBe(200);
    const interrupted = (await (await first).json()) as { images: string[] };
    expect(interrupted.images.length).toBeLessThan(2);
    expect(((await (await second).json()) as { images: string[] }).images).toHaveLength(1);
    expect(fake.overlaps).toBe(1);
    expect(fake.jobs[0]?.interrupted).toBe(true);
  });

  it('answers 503 while unhealthy', async () => {
    fake.healthy = false;
    expect((await fetch(`${fake.url}/sdapi/v1/progress`, { headers: { authorization } })).status).toBe(503);
    fake.healthy = true;
    expect((await fetch(`${fake.url}/sdapi/v1/sd-models`, { headers: { authorization } })).status).toBe(200);
  });
});
