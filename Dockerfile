# inferwatch (gateway, simulator, generators) as a container image: `docker build -t inferwatch:local .`
# The generated docker-compose.yml runs `inferwatch gateway` and `inferwatch sim` from this image.
# Not built in inferwatch's CI: no Docker engine or image registry is reachable there.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
# `npm ci` runs the prepare script, which compiles src/ into dist/.
RUN npm ci --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the prepare script (tsc) needs dev dependencies and already ran in the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY README.md ./
USER node
# gateway, simulated engine, simulated DCGM exporter
EXPOSE 4000 8000 9400
ENTRYPOINT ["node", "bin/inferwatch.js"]
CMD ["up", "--listen", "0.0.0.0:4000", "--sim-listen", "0.0.0.0:8000"]
