import type { Button, Text } from '#core/chat/reply';
import type { ProgressReply } from '#core/generation/notify-progress';

/** What is known about an open job; every field is optional because none is ever made up. */
export type JobProgress =
  | { phase: 'queued'; cost: number; position?: number | undefined; etaSeconds?: number | undefined }
  | { phase: 'running'; fraction?: number | undefined; etaSeconds?: number | undefined };

/** The Cancel button of an open job. */
export function cancelButtons(generationId: string): Button[][] {
  return [[{ label: { key: 'job.cancel_button' }, action: { name: 'cancel_job', arg: generationId } }]];
}

/**
 * The status message of an open job: its place in line (1 = next) while queued, the backend's own
 * percentage while running when it reports one, and the time left when it can be estimated, with
 * the Cancel button. A number that is not known is left out, never shown as 0.
 */
export function buildProgressStatus(generationId: string, progress: JobProgress): ProgressReply {
  return { type: 'status', generationId, text: progressText(progress), buttons: cancelButtons(generationId) };
}

function progressText(progress: JobProgress): Text {
  const minutes = progress.etaSeconds === undefined ? undefined : Math.max(0, Math.round(progress.etaSeconds / 60));
  if (progress.phase === 'queued') {
    const { cost, position } = progress;
    if (position === undefined || position <= 1) {
      return minutes === undefined
        ? { key: 'job.queued_next', vars: { cost } }
        : { key: 'job.queued_next_eta', vars: { cost, minutes } };
    }
    return minutes === undefined
      ? { key: 'job.queued', vars: { cost, position } }
      : { key: 'job.queued_eta', vars: { cost, position, minutes } };
  }
  const percent = progress.fraction === undefined ? undefined : Math.min(99, Math.floor(progress.fraction * 100));
  if (percent === undefined)
    return minutes === undefined ? { key: 'job.running' } : { key: 'job.running_eta', vars: { minutes } };
  return minutes === undefined
    ? { key: 'job.running_progress', vars: { progress: percent } }
    : { key: 'job.running_progress_eta', vars: { progress: percent, minutes } };
}
