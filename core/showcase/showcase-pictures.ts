import type { MediaFile } from '#core/providers/ports';
import { renderDemoImage } from '#core/providers/demo/render-demo-image';

/** A picture the home page shows, with the prompt that made it as its caption. */
export type FeaturedPicture = { imageUrl: string; prompt: string };

/** The example prompts of the home page's demo pictures, by the name in their address. */
const EXAMPLES: readonly { slug: string; prompt: string }[] = [
  { slug: 'fox', prompt: 'a red fox in the snow at dawn' },
  { slug: 'lighthouse', prompt: 'a lighthouse on a cliff under a starry sky' },
  { slug: 'valley', prompt: 'a green valley with a river, watercolour' },
  { slug: 'city', prompt: 'a quiet city street at dusk, film photo' },
];

const SHOWCASE_LONG_EDGE = 512;

/** The home page's pictures: for now the demo provider's pictures of the example prompts. */
export type ShowcasePictures = {
  /** What the home page shows; the one place to switch to people's published creations. */
  listFeatured(): Promise<FeaturedPicture[]>;
  /** The PNG of an example (`fox`), drawn on first use and kept for the life of the process. */
  open(slug: string): MediaFile | undefined;
};

/**
 * The pictures the home page shows, drawn by the offline demo provider from fixed example
 * prompts. None is drawn at start-up (start-up time and memory are measured): each is drawn the
 * first time it is asked for, then kept, so a process draws each at most once.
 */
export function createShowcasePictures(
  draw: (input: { prompt: string }) => MediaFile = (input) =>
    renderDemoImage({ prompt: input.prompt, aspectRatio: '1:1', longEdge: SHOWCASE_LONG_EDGE }),
): ShowcasePictures {
  const drawn = new Map<string, MediaFile>();
  return {
    listFeatured: async () =>
      EXAMPLES.map((example) => ({ imageUrl: `/showcase/${example.slug}.png`, prompt: example.prompt })),
    open(slug) {
      const example = EXAMPLES.find((candidate) => candidate.slug === slug);
      if (!example) return undefined;
      let picture = drawn.get(slug);
      if (!picture) {
        picture = draw({ prompt: example.prompt });
        drawn.set(slug, picture);
      }
      return picture;
    },
  };
}
