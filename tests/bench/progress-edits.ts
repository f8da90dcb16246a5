import { translate } from '#core';
import type { TelegramCall } from '#tests/fakes/telegram-bot-api';
import { chatOf } from '#tests/ops/scale-out/chat-users';

/** The budget a chat's progress edits must keep: at most one per 3 s. */
export const EDIT_WINDOW_MS = 3_000;
/** Telegram's per-chat spacing: a call refused this soon after an edit in its chat is the edit's doing. */
const CHAT_SECOND_MS = 1_000;

/** What the fake Bot API saw of the status edits under load. */
export type ProgressEditFigures = {
  /** Status edits accepted (editMessageText), all of them. */
  edits: number;
  /** Of those, progress edits: a percentage, a time left or a place in line. */
  progressEdits: number;
  /** Most progress edits one chat got within any 3 s. */
  maxProgressEditsPerWindow: number;
  /** Most status edits of any kind (progress and state changes) one chat got within any 3 s. */
  maxEditsPerWindow: number;
  /** Progress edits Telegram refused with 429. */
  editsRefused: number;
  /** Of {@link editsRefused}, those with no other call of their chat in the second before: Telegram's overall limit, not the chat's. */
  editsRefusedOverall: number;
  /** State-change edits ("Creating…", "sending…") Telegram refused with 429: no progress edits, reported apart. */
  stateEditsRefused: number;
  /** Other calls refused with 429 within a second after an accepted progress edit in their chat. */
  refusedAfterEdit: number;
  /** Every 429 by method, e.g. `sendMessage 3, editMessageText 1`. */
  refusedByMethod: string;
};

/** State changes that are no progress: "Creating…" with nothing known yet, "sending…", "busy". */
const STATE_TEXTS = new Set(
  (['job.running', 'job.uploading', 'job.provider_busy'] as const).map((key) => translate('en', key)),
);

/** Reads {@link ProgressEditFigures} off the fake Bot API's record of calls. */
export function measureProgressEdits(calls: readonly TelegramCall[]): ProgressEditFigures {
  const edits = calls.filter((call) => call.method === 'editMessageText');
  const accepted = edits.filter((call) => call.status === 200);
  const isProgress = (call: TelegramCall) => !STATE_TEXTS.has(String(call.params.text ?? ''));
  const byChat = (list: readonly TelegramCall[]) => {
    const map = new Map<number, number[]>();
    for (const call of list) {
      const chat = chatOf(call);
      if (chat === undefined) continue;
      map.set(chat, [...(map.get(chat) ?? []), call.at]);
    }
    return map;
  };
  const acceptedAt = byChat(accepted);
  const progressAt = byChat(accepted.filter(isProgress));
  const refusedAfterEdit = calls.filter((call) => {
    if (call.status !== 429 || call.method === 'editMessageText') return false;
    const chat = chatOf(call);
    return (progressAt.get(chat ?? Number.NaN) ?? []).some((at) => at <= call.at && call.at - at < CHAT_SECOND_MS);
  }).length;
  const countedAt = byChat(
    calls.filter((call) => call.status === 200 && /^(send(?!ChatAction)|copy|forward|edit)/.test(call.method)),
  );
  const refusedProgress = edits.filter((call) => call.status === 429 && isProgress(call));
  const editsRefusedOverall = refusedProgress.filter((call) => {
    const chat = chatOf(call);
    return !(countedAt.get(chat ?? Number.NaN) ?? []).some((at) => at <= call.at && call.at - at < CHAT_SECOND_MS);
  }).length;
  return {
    edits: accepted.length,
    progressEdits: accepted.filter(isProgress).length,
    maxProgressEditsPerWindow: maxInWindow(byChat(accepted.filter(isProgress))),
    maxEditsPerWindow: maxInWindow(acceptedAt),
    editsRefused: refusedProgress.length,
    editsRefusedOverall,
    stateEditsRefused: edits.filter((call) => call.status === 429 && !isProgress(call)).length,
    refusedAfterEdit,
    refusedByMethod: countByMethod(calls.filter((call) => call.status === 429)),
  };
}

/** The most timestamps of one chat within any {@link EDIT_WINDOW_MS}. */
function maxInWindow(byChat: ReadonlyMap<number, number[]>): number {
  let most = 0;
  for (const times of byChat.values()) {
    const sorted = [...times].sort((a, b) => a - b);
    let from = 0;
    for (let to = 0; to < sorted.length; to++) {
      while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= EDIT_WINDOW_MS) from++;
      most = Math.max(most, to - from + 1);
    }
  }
  return most;
}

function countByMethod(calls: readonly TelegramCall[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
  return [...counts].map(([method, count]) => `${method} ${count}`).join(', ') || 'none';
}
