# syntax=docker/dockerfile:1
# Multi-stage build of the Chorus node image: node bundles the web client, Maven builds the shaded
# production jar (verticles/target/chorus.jar), a JRE runs it.
#   docker build -t chorus:latest .
# The image has no embedded services: a node needs REDIS_ADDR, DB_HOST, KAFKA_BOOTSTRAP_SERVERS and
# S3_ENDPOINT (see docker-compose.yml) and exits naming any that is unset. The development services
# (module devservices/) are compiled here only because the verticles' tests declare them; the jar
# leaves them out.

# the browser client's generated files (the bundled official event-bus bridge client, a test tone)
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
COPY web/scripts scripts
COPY web/src src
RUN node scripts/ensure-deps.mjs && node scripts/build.mjs /webroot

FROM maven:3.8.8-eclipse-temurin-17 AS build
WORKDIR /src
# poms first: the dependency layer is rebuilt only when a pom changes
COPY pom.xml ./
COPY proto/pom.xml proto/
COPY codecs/pom.xml codecs/
COPY opensearch-node/pom.xml opensearch-node/
COPY devservices/pom.xml devservices/
COPY verticles/pom.xml verticles/
COPY dev/pom.xml dev/
COPY proto/src proto/src
COPY codecs/src/main codecs/src/main
COPY opensearch-node/src/main opensearch-node/src/main
COPY devservices/src/main devservices/src/main
COPY verticles/src/main verticles/src/main
COPY conf conf
# the web stage already built the webroot: Maven packs it without running node
COPY --from=web /webroot verticles/target/classes/webroot
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -Dmaven.test.skip=true -Dchorus.web.skip=true -pl verticles -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --create-home --home-dir /app chorus \
    && mkdir -p /app/data && chown -R chorus /app
WORKDIR /app
COPY --from=build /src/verticles/target/chorus.jar /app/chorus.jar
USER chorus
ENV CHORUS_DATA_DIR=/app/data \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+UseG1GC -XX:-UsePerfData"
# HTTP (REST, WebSocket, SockJS bridge, /health /ready /metrics), gRPC, Hazelcast member port
EXPOSE 8099 8083 5701
# /ready checks Redis, PostgreSQL, Kafka, S3 and the cluster; bash's /dev/tcp needs no curl in the image
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT:-8099} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200'"]
# Hazelcast's module flags for JDK 17; "run" is the default command (also: migrate, seed)
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED -jar /app/chorus.jar \"$@\"", "chorus"]
CMD ["run"]
