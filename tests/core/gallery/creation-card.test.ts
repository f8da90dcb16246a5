import { describe, expect, it } from 'vitest';
import { toCreationCard } from '#core/gallery/creation-card';

const row = {
  id: '0190f000-0000-7000-8000-000000000001',
  kind: 'image' as const,
  prompt: 'a fox',
  options: { subject: 'a fox' },
  model: 'demo',
  cost: 2,
  createdAt: new Date('2026-12-07T10:00:00Z'),
  delivery: { platform: 'web' },
  publishedAt: null,
  media: [],
};

describe('a gallery card', () => {
  it('names the model as the models file does, and keeps an id the file no longer has', () => {
    const models = [
      { id: 'demo', kind: 'image' as const, name: 'Demo pictures' },
      { id: 'demo', kind: 'video' as const, name: 'Demo video' },
    ];
    expect(toCreationCard(row, models)).toMatchObject({ model: 'Demo pictures', source: 'web', isExpired: true });
    expect(toCreationCard({ ...row, model: 'retired-model' }, models).model).toBe('retired-model');
  });
});
