-- AlterEnum
ALTER TYPE "TokenKind" ADD VALUE 'account_link_confirm';
