import { describe, expect, it } from 'vitest';
import { renderDemoImage } from '#core/providers/demo/render-demo-image';
import { createShowcasePictures } from '#core/showcase/showcase-pictures';

describe('createShowcasePictures', () => {
  it('draws nothing until a picture is asked for, then each picture once', async () => {
    const drawn: string[] = [];
    const showcase = createShowcasePictures((input) => {
      drawn.push(input.prompt);
      return renderDemoImage({ prompt: input.prompt, aspectRatio: '1:1', longEdge: 64 });
    });
    const featured = await showcase.listFeatured();
    expect(drawn).toEqual([]);
    const slugs = featured.map((picture) => /^\/showcase\/(\w+)\.png$/.exec(picture.imageUrl)?.[1] ?? '');
    const first = showcase.open(slugs[0] ?? '');
    expect(showcase.open(slugs[0] ?? '')).toBe(first);
    expect(drawn).toEqual([featured[0]?.prompt]);
    for (const slug of slugs) showcase.open(slug);
    expect(drawn).toEqual(featured.map((picture) => picture.prompt));
    expect(first?.mime).toBe('image/png');
  });

  it('knows only its own pictures', () => {
    const showcase = createShowcasePictures();
    expect(showcase.open('constructor')).toBeUndefined();
    expect(showcase.open('../fox')).toBeUndefined();
  });
});
