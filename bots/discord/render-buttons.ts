import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIButtonComponentWithCustomId,
} from 'discord.js';
import { encodeAction, translate, type ActionName, type Button, type Locale } from '#core';

/** Discord's component limits: 5 rows of 5 buttons, labels up to 80 characters, custom_id up to 100. https://discord.com/developers/docs/components/reference#button */
const MAX_ROWS = 5;
const MAX_PER_ROW = 5;
const MAX_LABEL = 80;
const MAX_CUSTOM_ID = 100;

/** Actions that stay out of Discord messages: Discord keeps attachments as uploaded, so "send as file" adds nothing. */
const HIDDEN_ACTIONS: ReadonlySet<ActionName> = new Set(['as_file']);

const STYLES: Partial<Record<ActionName, APIButtonComponentWithCustomId['style']>> = {
  accept_terms: ButtonStyle.Success,
  confirm_age: ButtonStyle.Success,
  cancel_job: ButtonStyle.Danger,
  confirm_delete: ButtonStyle.Danger,
  confirm_link: ButtonStyle.Success,
};

/**
 * Core's button rows as Discord action rows: an action becomes a button whose custom_id is
 * `encodeAction` output (decoded again when pressed), a URL a link button. Rows longer than
 * Discord allows wrap; anything beyond five rows is dropped.
 */
export function renderButtons(
  rows: Button[][] | undefined,
  locale: Locale,
): APIActionRowComponent<APIButtonComponent>[] {
  const buttons = (rows ?? []).map((row) => row.flatMap((button) => renderButton(button, locale)));
  const wrapped = buttons.flatMap((row) => chunk(row, MAX_PER_ROW));
  return wrapped.slice(0, MAX_ROWS).map((components) => ({ type: ComponentType.ActionRow, components }));
}

function renderButton(button: Button, locale: Locale): APIButtonComponent[] {
  const label = truncate(translate(locale, button.label.key, button.label.vars), MAX_LABEL);
  if (button.action) {
    if (HIDDEN_ACTIONS.has(button.action.name)) return [];
    const customId = encodeAction(button.action.name, button.action.arg);
    if (customId.length > MAX_CUSTOM_ID) return [];
    return [
      {
        type: ComponentType.Button,
        style: STYLES[button.action.name] ?? ButtonStyle.Secondary,
        label,
        custom_id: customId,
      },
    ];
  }
  if (button.url) return [{ type: ComponentType.Button, style: ButtonStyle.Link, label, url: button.url }];
  return [];
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Shortens text to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
