-- CreateEnum
CREATE TYPE "PaymentReviewStatus" AS ENUM ('open', 'resolved');

-- AlterTable
ALTER TABLE "processed_webhook_events" ADD COLUMN     "note" TEXT,
ADD COLUMN     "outcome" TEXT NOT NULL DEFAULT 'applied';

-- CreateTable
CREATE TABLE "payment_reviews" (
    "id" UUID NOT NULL,
    "provider" "PaymentProvider" NOT NULL,
    "objectId" TEXT NOT NULL,
    "eventId" TEXT,
    "userId" UUID,
    "productKind" TEXT NOT NULL,
    "productId" TEXT,
    "expectedAmount" INTEGER,
    "expectedCurrency" TEXT,
    "paidAmount" INTEGER NOT NULL,
    "paidCurrency" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "PaymentReviewStatus" NOT NULL DEFAULT 'open',
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,
    "resolution" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_reviews_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_reviews_status_createdAt_idx" ON "payment_reviews"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "payment_reviews_provider_objectId_key" ON "payment_reviews"("provider", "objectId");
