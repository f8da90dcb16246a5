-- CreateTable
CREATE TABLE "bonus_marks" (
    "identityHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bonus_marks_pkey" PRIMARY KEY ("identityHash")
);

-- CreateTable
CREATE TABLE "suspension_marks" (
    "identityHash" TEXT NOT NULL,
    "until" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "suspension_marks_pkey" PRIMARY KEY ("identityHash")
);

-- CreateTable
CREATE TABLE "stripe_customer_erasures" (
    "customerId" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "stripe_customer_erasures_pkey" PRIMARY KEY ("customerId")
);

-- CreateIndex
CREATE INDEX "bonus_marks_createdAt_idx" ON "bonus_marks"("createdAt");

-- CreateIndex
CREATE INDEX "suspension_marks_until_idx" ON "suspension_marks"("until");
