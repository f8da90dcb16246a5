import type { ChatContext } from '#core/chat/chat-context';
import type { Reply, Text } from '#core/chat/reply';
import { listOfferedModels, type OfferedModel } from '#core/models/list-offered-models';
import { measureModelTimes } from '#core/models/measure-model-times';

/**
 * /models: every model the user can pick, images then video, each with its `--model` id, its
 * price (and what enlarging a picture costs where it can) and the median time of its generations in the last 24 hours ("no data yet" without any).
 */
export async function runModels(context: ChatContext): Promise<Reply[]> {
  const times = await measureModelTimes(context.deps);
  const text: Text[] = [{ key: 'models.header' }];
  for (const kind of ['image', 'video'] as const) {
    const models = listOfferedModels(context.deps, kind);
    if (models.length === 0) continue;
    text.push({ key: kind === 'image' ? 'models.images' : 'models.videos' });
    for (const model of models) text.push(...linesOf(model, times.get(`${kind}/${model.id}`)));
  }
  return [{ type: 'message', text }];
}

function linesOf(model: OfferedModel, medianSeconds: number | undefined): Text[] {
  const { price } = model;
  const hd = price.hdMultiplier;
  const priceLine: Text =
    model.kind === 'image'
      ? hd === null
        ? { key: 'models.price_image', vars: { price: price.perImage ?? 0 } }
        : { key: 'models.price_image_hd', vars: { price: price.perImage ?? 0, hd } }
      : hd === null
        ? { key: 'models.price_video', vars: { price: price.perSecond ?? 0 } }
        : { key: 'models.price_video_hd', vars: { price: price.perSecond ?? 0, hd } };
  return [
    { key: model.isDefault ? 'models.line_default' : 'models.line', vars: { name: model.name, id: model.id } },
    priceLine,
    ...(price.upscale === undefined ? [] : [{ key: 'models.price_upscale' as const, vars: { price: price.upscale } }]),
    medianSeconds === undefined
      ? { key: 'models.median_none' }
      : { key: 'models.median', vars: { seconds: formatSeconds(medianSeconds) } },
  ];
}

function formatSeconds(seconds: number): string {
  return seconds < 10 ? seconds.toFixed(1) : String(Math.round(seconds));
}
