#!/bin/sh
echo "Prisma's native schema engine is not used by this project: run 'npm run db:migrate', 'npm run db:new -- <name>' or 'npm run db:check'." >&2
exit 1
