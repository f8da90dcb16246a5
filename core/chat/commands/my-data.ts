import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { eraseAccount } from '#core/privacy/erase-account';
import { cancelStripeSubscriptions } from '#core/privacy/cancel-stripe-subscriptions';
import { exportUserData } from '#core/privacy/export-user-data';

/** /mydata: the JSON export as a file, and where to get the full archive with images. */
export async function runMyData(context: ChatContext): Promise<Reply[]> {
  const data = await exportUserData(context.deps, context.account.id, context.request.actor.platform);
  const bytes = Buffer.from(JSON.stringify(data, null, 2));
  return [
    { type: 'document', filename: `my-data-${context.now.toISOString().slice(0, 10)}.json`, mime: 'application/json', bytes, caption: { key: 'mydata.caption' }, ephemeral: true },
    textReply('mydata.web', { url: `${context.deps.config.publicUrl}/account/privacy` }, { ephemeral: true }),
  ];
}

/** /deleteme: asks for confirmation first. */
export function runDeleteMe(): Reply[] {
  return [textReply('deleteme.confirm', undefined, {
    ephemeral: true,
    buttons: [[
      { label: { key: 'deleteme.confirm_button' }, action: { name: 'confirm_delete', arg: '' } },
      { label: { key: 'deleteme.abort_button' }, action: { name: 'abort_delete', arg: '' } },
    ]],
  })];
}

/** Confirmed: live plans are cancelled at Stripe, then the account and its data are erased (payments kept anonymized). */
export async function runConfirmDelete(context: ChatContext): Promise<Reply[]> {
  await cancelStripeSubscriptions(context.deps, context.deps.stripe, context.account.id);
  await eraseAccount(context.deps, context.account.id, { actor: `user:${context.request.actor.platform}`, channel: context.request.actor.platform });
  return [textReply('deleteme.done')];
}
