import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Button, type Reply } from '#core/chat/reply';
import { AppError } from '#core/errors/app-error';
import { findTemplate, listTemplates, recordTemplateEvent } from '#core/templates/find-templates';
import { CANCEL_INPUT_BUTTON, PENDING_INPUT_MINUTES, pendingKeyOf } from '#core/chat/commands/chat-input';
import { rememberPendingInput } from '#core/chat/pending-input';

const PAGE_SIZE = 6;

/** /templates [prefix]: a page of templates as buttons, most used first. */
export async function runTemplates(context: ChatContext, prefix: string, page = 1): Promise<Reply[]> {
  const all = await listTemplates(context.deps.prisma, {
    locale: context.locale,
    prefix,
    now: context.now,
    limit: 100,
  });
  if (all.length === 0) return [textReply('templates.empty')];
  const pages = Math.ceil(all.length / PAGE_SIZE);
  const current = Math.min(Math.max(1, page), pages);
  const shown = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
  const buttons: Button[][] = [];
  for (let index = 0; index < shown.length; index += 2) {
    buttons.push(
      shown.slice(index, index + 2).map(
        (template): Button => ({
          label: { key: 'common.label', vars: { text: template.name } },
          action: { name: 'pick_template', arg: template.id },
        }),
      ),
    );
  }
  if (current < pages)
    buttons.push([
      {
        label: { key: 'templates.next_button' },
        action: { name: 'templates_page', arg: `${current + 1}:${prefix}`.slice(0, 60) },
      },
    ]);
  return [textReply('templates.header', { page: current, pages }, { buttons })];
}

/**
 * A template picked: its description, recorded as a view. In a private chat the next message is
 * its subject (for a while, with a Cancel button) when the adapter passes such messages on;
 * elsewhere, how to use it with /imagine.
 */
export async function runPickTemplate(context: ChatContext, templateId: string): Promise<Reply[]> {
  const template = await findTemplate(context.deps.prisma, templateId, context.locale);
  if (!template) throw new AppError('unknown_template', { vars: { template: templateId } });
  await recordTemplateEvent(context.deps.prisma, {
    templateId: template.id,
    userId: context.account.id,
    kind: 'view',
    hasObjectedToAnalytics: context.account.hasObjectedToAnalytics,
  });
  if (context.request.chat.type === 'private' && context.request.chat.takesPlainMessages === true) {
    await rememberPendingInput(context.deps, pendingKeyOf(context), {
      userId: context.account.id,
      now: context.now,
      kind: 'template_subject',
      eventId: context.request.eventId,
      templateId: template.id,
    });
    return [
      textReply(
        'input.template_subject',
        { name: template.name, description: template.description, minutes: PENDING_INPUT_MINUTES },
        { buttons: [[CANCEL_INPUT_BUTTON]] },
      ),
    ];
  }
  return [textReply('templates.picked', { name: template.name, description: template.description, id: template.id })];
}
