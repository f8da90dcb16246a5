import type { CoreDeps } from '#core/core-deps';
import { recordSecurityEvent, type RequestOrigin } from '#core/accounts/record-security-event';

/** The two reversible privacy choices: restriction stops generation; objection stops usage analytics. */
export type ProcessingChoice = 'restrict' | 'object';

/**
 * Sets or lifts a privacy choice (GDPR restriction of processing, objection) and records the
 * request with its outcome. Restriction makes core refuse every new generation
 * (`processing_restricted`); objection stops recording which templates the person views.
 */
export async function setProcessingChoice(
  deps: Pick<CoreDeps, 'prisma' | 'clock'>,
  input: { userId: string; choice: ProcessingChoice; isOn: boolean; channel: string; origin: RequestOrigin },
): Promise<void> {
  const now = deps.clock.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: input.userId },
      data:
        input.choice === 'restrict' ? { isProcessingRestricted: input.isOn } : { hasObjectedToAnalytics: input.isOn },
    });
    await tx.dataSubjectRequest.create({
      data: {
        userId: input.userId,
        kind: input.choice,
        status: 'completed',
        channel: input.channel,
        completedAt: now,
        outcome:
          input.choice === 'restrict'
            ? input.isOn
              ? 'restricted'
              : 'restriction_lifted'
            : input.isOn
              ? 'objected'
              : 'objection_withdrawn',
      },
    });
    await recordSecurityEvent(tx, {
      userId: input.userId,
      kind: input.choice === 'restrict' ? 'privacy.restriction' : 'privacy.objection',
      origin: input.origin,
      details: { isOn: input.isOn },
    });
  });
}
