import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { fileAppeal } from '#core/moderation/file-appeal';

/** /appeal <text>: files an appeal against the account's current suspension (see `fileAppeal`). */
export async function runAppeal(context: ChatContext, args: string): Promise<Reply[]> {
  const { until } = await fileAppeal(context.deps, { userId: context.account.id, text: args });
  return [textReply('appeal.filed', { until }, { ephemeral: true })];
}
