-- AlterTable
ALTER TABLE "suspension_marks" ADD COLUMN     "groupId" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateIndex
CREATE INDEX "suspension_marks_groupId_idx" ON "suspension_marks"("groupId");
