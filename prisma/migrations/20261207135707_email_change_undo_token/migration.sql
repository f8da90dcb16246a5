-- AlterEnum
ALTER TYPE "TokenKind" ADD VALUE 'email_change_undo';
