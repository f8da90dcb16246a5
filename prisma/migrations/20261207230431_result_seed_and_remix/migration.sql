-- AlterTable
ALTER TABLE "chat_pending_inputs" ADD COLUMN     "generationId" UUID;

-- AlterTable
ALTER TABLE "media_assets" ADD COLUMN     "seed" BIGINT;
