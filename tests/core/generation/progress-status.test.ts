import { describe, expect, it } from 'vitest';
import { translate } from '#core';
import { buildProgressStatus } from '#core/generation/build-progress-status';
import { estimateQueuedSeconds, estimateRunningSeconds } from '#core/generation/estimate-seconds-left';

const shown = (reply: ReturnType<typeof buildProgressStatus>) => translate('en', reply.text.key, reply.text.vars);

/** The status message never shows a number nobody measured: no 0 % before the backend speaks, no ETA without a median. */
describe('the status message of an open job', () => {
  it('says only "Creating…" while nothing is known, with Cancel', () => {
    const reply = buildProgressStatus('g1', { phase: 'running' });
    expect(shown(reply)).toBe('Creating…');
    expect(reply.buttons?.flat()).toEqual([
      { label: { key: 'job.cancel_button' }, action: { name: 'cancel_job', arg: 'g1' } },
    ]);
  });

  it('shows the backend’s percentage and the time left when known', () => {
    expect(shown(buildProgressStatus('g', { phase: 'running', fraction: 0.42 }))).toBe('Creating… 42%');
    expect(shown(buildProgressStatus('g', { phase: 'running', fraction: 0.42, etaSeconds: 150 }))).toBe(
      'Creating… 42%, about 3 minutes left.',
    );
    expect(shown(buildProgressStatus('g', { phase: 'running', etaSeconds: 20 }))).toBe(
      'Creating… less than a minute left.',
    );
    // A finished backend is not "100 %" yet: the result still has to be stored and sent.
    expect(shown(buildProgressStatus('g', { phase: 'running', fraction: 1 }))).toBe('Creating… 99%');
  });

  it('shows the place in line, and the wait only when the model was measured', () => {
    expect(shown(buildProgressStatus('g', { phase: 'queued', cost: 2, position: 3 }))).toBe(
      'Queued (2 credits reserved). Position: 3.',
    );
    expect(shown(buildProgressStatus('g', { phase: 'queued', cost: 1, position: 1, etaSeconds: 70 }))).toBe(
      'Queued (1 credit reserved). You are next. Ready in about 1 minute.',
    );
  });

  it('estimates from the measured median and the jobs ahead, and gives up without one', () => {
    expect(estimateQueuedSeconds(undefined, 5, 2)).toBeUndefined();
    expect(estimateQueuedSeconds(10, 0, 4)).toBe(10);
    expect(estimateQueuedSeconds(10, 8, 4)).toBe(30);
    expect(estimateRunningSeconds({ medianSeconds: undefined, elapsedSeconds: 3 })).toBeUndefined();
    expect(estimateRunningSeconds({ medianSeconds: 10, elapsedSeconds: 3 })).toBe(7);
    expect(estimateRunningSeconds({ medianSeconds: 10, elapsedSeconds: 12 })).toBeUndefined();
    expect(estimateRunningSeconds({ medianSeconds: undefined, elapsedSeconds: 4, fraction: 0.5 })).toBe(4);
    expect(estimateRunningSeconds({ medianSeconds: 60, elapsedSeconds: 4, backendEtaSeconds: 9 })).toBe(9);
  });
});
