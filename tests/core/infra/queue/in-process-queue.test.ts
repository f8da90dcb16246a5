import { createInProcessQueue } from '#core/infra/queue/in-process-queue';
import { describeJobQueueContract } from '#tests/core/infra/queue/job-queue-contract';
import { silentLogger } from '#tests/core/infra/test-kit';

describeJobQueueContract('in-process', (tuning) => createInProcessQueue({ logger: silentLogger(), ...tuning }));
