-- CreateTable
CREATE TABLE "chat_pending_inputs" (
    "platform" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "platformUserId" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT,
    "mediaKind" TEXT,
    "templateId" TEXT,
    "attachment" JSONB,
    "eventId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_pending_inputs_pkey" PRIMARY KEY ("platform","chatId","platformUserId")
);

-- CreateIndex
CREATE INDEX "chat_pending_inputs_expiresAt_idx" ON "chat_pending_inputs"("expiresAt");

-- CreateIndex
CREATE INDEX "chat_pending_inputs_userId_idx" ON "chat_pending_inputs"("userId");

-- AddForeignKey
ALTER TABLE "chat_pending_inputs" ADD CONSTRAINT "chat_pending_inputs_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
