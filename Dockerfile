# Graft server and worker image (one artifact; the command picks the role).
# Built without the lab (-Pno-lab, server/pom.xml): no stand-ins, no mock API server and no
# `graft lab` command in the image; run the lab from a checkout (docs/architecture.md).
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY workflows/pom.xml workflows/
COPY activities/pom.xml activities/
# The lab module is still built in this stage, because the activities' tests compile against it
# (test scope); it does not reach the jar.
COPY lab/pom.xml lab/
COPY server/pom.xml server/
RUN mvn -B -q -Pno-lab -pl server -am dependency:go-offline || true
COPY workflows workflows
COPY activities activities
COPY lab lab
COPY server server
RUN mvn -B -q -DskipTests -Pno-lab -pl server -am package

FROM eclipse-temurin:17.0.13_11-jre
RUN useradd --system --uid 10001 --home /opt/graft graft \
    && mkdir -p /var/lib/graft/audit && chown 10001 /var/lib/graft/audit
# A new named volume mounted here starts with this directory's owner: the worker can write it.
COPY --from=build /src/server/target/graft.jar /opt/graft/graft.jar
COPY config /opt/graft/config
USER 10001
WORKDIR /opt/graft
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/graft/graft.jar"]
CMD ["server", "/opt/graft/config/graft.yml"]
