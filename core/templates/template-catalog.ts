import type { AspectRatio } from '#core/providers/ports';

/** A prompt template as shipped; `{subject}` is replaced with what the user writes. */
export type TemplateDefinition = {
  id: string;
  kind: 'image' | 'video';
  name: { en: string; 'zh-CN': string };
  description: { en: string; 'zh-CN': string };
  promptPattern: string;
  defaultAspect: AspectRatio;
  defaultModel?: string;
};

/** The seeded template catalog. Seeding is an upsert by id, so edits here reach the database at start-up. */
export const TEMPLATE_CATALOG: readonly TemplateDefinition[] = [
  {
    id: 'product',
    kind: 'image',
    name: { en: 'Product photo', 'zh-CN': '产品照' },
    description: { en: 'Clean studio shot on a seamless background', 'zh-CN': '无缝背景的干净棚拍' },
    promptPattern:
      'professional studio product photo of {subject}, seamless light background, soft box lighting, sharp focus, high detail',
    defaultAspect: '1:1',
  },
  {
    id: 'anime',
    kind: 'image',
    name: { en: 'Anime portrait', 'zh-CN': '动漫头像' },
    description: { en: 'Expressive anime character portrait', 'zh-CN': '富有表现力的动漫人物头像' },
    promptPattern: 'anime style portrait of {subject}, expressive eyes, clean line art, vibrant cel shading',
    defaultAspect: '3:4',
  },
  {
    id: 'watercolor',
    kind: 'image',
    name: { en: 'Watercolor', 'zh-CN': '水彩画' },
    description: { en: 'Soft watercolor painting on textured paper', 'zh-CN': '纹理纸上的柔和水彩' },
    promptPattern: 'delicate watercolor painting of {subject}, soft washes, textured paper, gentle colors',
    defaultAspect: '4:3',
  },
  {
    id: 'logo',
    kind: 'image',
    name: { en: 'Logo', 'zh-CN': '标志设计' },
    description: { en: 'Minimal flat vector logo', 'zh-CN': '简约扁平矢量标志' },
    promptPattern: 'minimal flat vector logo of {subject}, simple shapes, two colors, centered, white background',
    defaultAspect: '1:1',
  },
  {
    id: 'pixel',
    kind: 'image',
    name: { en: 'Pixel art', 'zh-CN': '像素画' },
    description: { en: '16-bit retro game pixel art', 'zh-CN': '16 位复古游戏像素风' },
    promptPattern: '16-bit pixel art of {subject}, retro game style, limited palette, crisp pixels',
    defaultAspect: '1:1',
  },
  {
    id: 'cinematic',
    kind: 'image',
    name: { en: 'Cinematic still', 'zh-CN': '电影剧照' },
    description: { en: 'Wide film still with dramatic light', 'zh-CN': '戏剧光影的宽幅电影画面' },
    promptPattern:
      'cinematic film still of {subject}, anamorphic lens, dramatic lighting, shallow depth of field, film grain',
    defaultAspect: '16:9',
  },
  {
    id: 'oil',
    kind: 'image',
    name: { en: 'Oil painting', 'zh-CN': '油画' },
    description: { en: 'Classical oil painting with visible brushwork', 'zh-CN': '笔触明显的古典油画' },
    promptPattern: 'classical oil painting of {subject}, rich impasto brushwork, warm chiaroscuro lighting',
    defaultAspect: '4:3',
  },
  {
    id: 'sticker',
    kind: 'image',
    name: { en: 'Sticker', 'zh-CN': '贴纸' },
    description: { en: 'Die-cut cartoon sticker', 'zh-CN': '模切卡通贴纸' },
    promptPattern: 'cute die-cut sticker of {subject}, bold outline, flat colors, white border, plain background',
    defaultAspect: '1:1',
  },
  {
    id: 'isometric',
    kind: 'image',
    name: { en: 'Isometric 3D', 'zh-CN': '等距 3D' },
    description: { en: 'Tiny isometric 3D diorama', 'zh-CN': '小巧的等距 3D 微缩场景' },
    promptPattern: 'isometric 3D diorama of {subject}, soft clay render, pastel colors, tiny details',
    defaultAspect: '1:1',
  },
  {
    id: 'ink',
    kind: 'image',
    name: { en: 'Ink wash', 'zh-CN': '水墨画' },
    description: { en: 'Chinese ink wash painting', 'zh-CN': '中国水墨画风格' },
    promptPattern:
      'traditional Chinese ink wash painting of {subject}, flowing brush strokes, rice paper, generous empty space',
    defaultAspect: '3:4',
  },
  {
    id: 'poster',
    kind: 'image',
    name: { en: 'Travel poster', 'zh-CN': '旅行海报' },
    description: { en: 'Vintage travel poster', 'zh-CN': '复古旅行海报' },
    promptPattern: 'vintage travel poster of {subject}, bold flat shapes, art deco typography space, limited palette',
    defaultAspect: '2:3',
  },
  {
    id: 'neon',
    kind: 'image',
    name: { en: 'Neon cyberpunk', 'zh-CN': '霓虹赛博朋克' },
    description: { en: 'Rainy neon-lit cyberpunk scene', 'zh-CN': '雨夜霓虹赛博朋克' },
    promptPattern: '{subject} in a rainy cyberpunk city at night, neon reflections, volumetric haze, high contrast',
    defaultAspect: '16:9',
  },
  {
    id: 'portrait',
    kind: 'image',
    name: { en: 'Studio portrait', 'zh-CN': '影棚人像' },
    description: { en: 'Flattering studio portrait', 'zh-CN': '好看的影棚人像' },
    promptPattern: 'studio portrait photo of {subject}, 85mm lens, soft rim light, natural skin tones',
    defaultAspect: '3:4',
  },
  {
    id: 'timelapse',
    kind: 'video',
    name: { en: 'Time-lapse', 'zh-CN': '延时摄影' },
    description: { en: 'Smooth time-lapse video', 'zh-CN': '流畅的延时视频' },
    promptPattern: 'smooth time-lapse video of {subject}, steady camera, natural light changing',
    defaultAspect: '16:9',
  },
];
