# syntax=docker/dockerfile:1
#
# One image for both services; the command picks the binary:
#   docker run IMAGE auth-service serve --bind 0.0.0.0:8000
#   docker run IMAGE protected-service serve --bind 0.0.0.0:8001
# (docker-compose.yml does exactly that.) Needs BuildKit (Docker 23+ default)
# for the cache mounts.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
# libpq and SQLite are bundled (built by cc); the vendored OpenSSL behind the
# postgres-tls feature also needs perl (its Configure) and make.
RUN apt-get update \
    && apt-get install -y --no-install-recommends perl make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The registry and target directory are cache mounts: a rebuild after a source
# change recompiles only the workspace crates. The binaries are copied out of
# the cache mount in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
        -p auth-service -p protected-service \
        --features auth-service/postgres-tls \
    && mkdir -p /out \
    && cp target/release/auth-service target/release/protected-service /out/

FROM debian:bookworm-slim AS runtime
# ca-certificates: for PostgreSQL over TLS. No curl: the healthchecks run the
# binaries' own `healthcheck` verb, and the image keeps only what it runs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# The vendored OpenSSL looks for CA certificates under its own build prefix;
# point it at Debian's (libpq's sslrootcert=system uses these).
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_DIR=/etc/ssl/certs
RUN groupadd --system --gid 10001 tokenpair \
    && useradd --system --uid 10001 --gid tokenpair --no-create-home \
        --home-dir /var/lib/tokenpair --shell /usr/sbin/nologin tokenpair \
    && install -d -o tokenpair -g tokenpair -m 0750 /var/lib/tokenpair
COPY --from=builder /out/auth-service /out/protected-service /usr/local/bin/
# Without DATABASE_URL auth-service uses ./db.sqlite3: keep that writable.
WORKDIR /var/lib/tokenpair
USER tokenpair:tokenpair
# The services' ports, then their internal endpoints' (TOKENPAIR__ADMIN_BIND in compose).
EXPOSE 8000 8001 9000 9001
CMD ["auth-service", "--help"]
