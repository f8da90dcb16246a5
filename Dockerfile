# One image for every role (web, worker, telegram, discord) and for the one-shot migration.
# Build: docker compose build   (or: docker build -t imagine .)

# ── build: all dependencies, the Prisma client generated from the schema, and the code
#    compiled to plain JavaScript in dist/ (npm run build) ──
FROM node:20-slim AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
# prisma generate reads .config/prisma.ts, the schema, and the engine stub it names.
COPY .config ./.config
COPY prisma ./prisma
# --ignore-scripts: no install script downloads anything; the one this needs runs explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run db:generate
COPY tsconfig.json main.ts ./
COPY core ./core
COPY bots ./bots
COPY web ./web
RUN npm run build

# ── runtime: production dependencies only, run as the unprivileged `node` user ──
FROM node:20-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall (prisma generate) needs the Prisma CLI; the client comes
# from the build stage instead.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
# Code and dependencies stay owned by root: the app cannot rewrite itself. Only the compiled
# build ships: no TypeScript sources, no loader that transpiles at run time.
COPY --from=build /app/dist ./dist
# DATA_DIR: media files and the mail outbox. A named volume mounted here starts with this
# owner, so the `node` user can write to it.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# Only meaningful for the web role; compose turns it off for the others.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1's child under `init: true` and receives SIGTERM directly (no npm or tsx
# wrapper process in between), so `docker stop` drains: main stops taking work and exits.
CMD ["node", "dist/main.js"]
