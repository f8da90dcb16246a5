-- CreateEnum
CREATE TYPE "AppealStatus" AS ENUM ('open', 'lifted', 'kept');

-- CreateTable
CREATE TABLE "appeals" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "suspensionId" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "status" "AppealStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    "decidedBy" TEXT,

    CONSTRAINT "appeals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "appeals_suspensionId_key" ON "appeals"("suspensionId");

-- CreateIndex
CREATE INDEX "appeals_status_createdAt_idx" ON "appeals"("status", "createdAt");

-- CreateIndex
CREATE INDEX "appeals_userId_idx" ON "appeals"("userId");

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeals" ADD CONSTRAINT "appeals_suspensionId_fkey" FOREIGN KEY ("suspensionId") REFERENCES "suspensions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
