-- AlterTable
ALTER TABLE "generations" ADD COLUMN     "providerAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "providerLastError" TEXT;
