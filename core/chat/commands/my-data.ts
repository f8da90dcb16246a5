import type { ChatContext } from '#core/chat/chat-context';
import { textReply, type Reply } from '#core/chat/reply';
import { eraseAccount } from '#core/privacy/erase-account';
import { cancelStripeSubscriptions } from '#core/privacy/cancel-stripe-subscriptions';
import { exportUserData } from '#core/privacy/export-user-data';
import { hasWebSignIn } from '#core/accounts/has-web-sign-in';

/** The answer for an account that signs in on the website: erase it there, where the password is asked. */
function eraseOnWeb(context: ChatContext): Reply[] {
  return [
    textReply('deleteme.use_web', { url: `${context.deps.config.publicUrl}/account/privacy` }, { ephemeral: true }),
  ];
}

/** /mydata: the JSON export as a file, and where to get the full archive with images. */
export async function runMyData(context: ChatContext): Promise<Reply[]> {
  const data = await exportUserData(context.deps, context.account.id, context.request.actor.platform);
  const bytes = Buffer.from(JSON.stringify(data, null, 2));
  return [
    {
      type: 'document',
      filename: `my-data-${context.now.toISOString().slice(0, 10)}.json`,
      mime: 'application/json',
      bytes,
      caption: { key: 'mydata.caption' },
      ephemeral: true,
    },
    textReply('mydata.web', { url: `${context.deps.config.publicUrl}/account/privacy` }, { ephemeral: true }),
  ];
}

/** /deleteme: asks for confirmation first; an account with a password or Google sign-in is sent to the website. */
export async function runDeleteMe(context: ChatContext): Promise<Reply[]> {
  if (await hasWebSignIn(context.deps, context.account.id)) return eraseOnWeb(context);
  return [
    textReply('deleteme.confirm', undefined, {
      ephemeral: true,
      buttons: [
        [
          { label: { key: 'deleteme.confirm_button' }, action: { name: 'confirm_delete', arg: '' } },
          { label: { key: 'deleteme.abort_button' }, action: { name: 'abort_delete', arg: '' } },
        ],
      ],
    }),
  ];
}

/**
 * Confirmed: live plans are cancelled at Stripe, then the account and its data are erased
 * (payments kept anonymized). A button shown before the account got a website sign-in (it was
 * linked since) erases nothing and sends to the website instead.
 */
export async function runConfirmDelete(context: ChatContext): Promise<Reply[]> {
  if (await hasWebSignIn(context.deps, context.account.id)) return eraseOnWeb(context);
  await cancelStripeSubscriptions(context.deps, context.deps.stripe, context.account.id);
  await eraseAccount(context.deps, context.account.id, {
    actor: `user:${context.request.actor.platform}`,
    channel: context.request.actor.platform,
  });
  return [textReply('deleteme.done')];
}
