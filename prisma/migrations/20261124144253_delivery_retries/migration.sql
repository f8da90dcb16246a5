-- AlterTable
ALTER TABLE "generations" ADD COLUMN     "deliveryAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "deliveryDueAt" TIMESTAMP(3),
ADD COLUMN     "deliveryError" TEXT;

-- CreateIndex
CREATE INDEX "generations_deliveredAt_finishedAt_idx" ON "generations"("deliveredAt", "finishedAt");

-- Generations that ended before this migration had their final message sent (or lost) already:
-- mark them delivered so the new retry loop does not send old results again.
UPDATE "generations" SET "deliveredAt" = COALESCE("finishedAt", CURRENT_TIMESTAMP)
WHERE "deliveredAt" IS NULL AND "status" IN ('succeeded', 'failed', 'cancelled', 'blocked');
