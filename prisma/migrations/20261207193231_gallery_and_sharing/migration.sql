-- The web gallery (deleting a creation, thumbnails beside their originals) and public share pages with reports.
-- CreateEnum
CREATE TYPE "ShareReportStatus" AS ENUM ('open', 'dismissed', 'unpublished');

-- AlterTable
ALTER TABLE "generations" ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "isPromptShared" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "publishedAt" TIMESTAMP(3),
ADD COLUMN     "shareSlug" TEXT;

-- AlterTable
ALTER TABLE "media_assets" ADD COLUMN     "thumbnailOfId" UUID;

-- CreateTable
CREATE TABLE "share_reports" (
    "id" UUID NOT NULL,
    "generationId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "ShareReportStatus" NOT NULL DEFAULT 'open',
    "resolvedAt" TIMESTAMP(3),
    "resolvedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "share_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "share_reports_status_createdAt_idx" ON "share_reports"("status", "createdAt");

-- CreateIndex
CREATE INDEX "share_reports_generationId_idx" ON "share_reports"("generationId");

-- CreateIndex
CREATE UNIQUE INDEX "generations_shareSlug_key" ON "generations"("shareSlug");

-- CreateIndex
CREATE UNIQUE INDEX "media_assets_thumbnailOfId_key" ON "media_assets"("thumbnailOfId");

-- AddForeignKey
ALTER TABLE "share_reports" ADD CONSTRAINT "share_reports_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "generations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
