import type { ModelDefinition } from '#core/models/model-definition';

/**
 * The name users see for a generation's model: its display name in the models file, or the stored
 * id when the file no longer has that model (an operator removed it), so old creations still say something.
 */
export function modelDisplayName(
  models: readonly Pick<ModelDefinition, 'id' | 'kind' | 'name'>[],
  kind: 'image' | 'video',
  id: string | null,
): string | null {
  if (id === null) return null;
  return models.find((model) => model.id === id && model.kind === kind)?.name ?? id;
}
