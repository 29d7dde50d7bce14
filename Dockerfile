# hookd in a container: a Debian 12 build stage, and a final image with the
# binary, the example plugins and only the libraries they load at run time.
#
#   docker build -t hookd .
#   docker run --rm -p 8080:8080 -e HOOKD_ADMIN_TOKEN=... hookd
#
# The admin token is never in the image: pass HOOKD_ADMIN_TOKEN (an env file
# or a secret), or let hookd generate one into its data volume.

FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY . .
# Compilers, Boost, V8 (libnode, extracted into third_party/), clang for the
# wasm32-wasi example plugins: the build half of scripts/setup.sh.
# Tests and benchmarks are not configured (their toolchains are not installed
# in build-only mode).
RUN HOOKD_SETUP_BUILD_ONLY=1 scripts/setup.sh \
 && rm -rf build \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DHOOKD_BUILD_TESTS=OFF -DHOOKD_BUILD_BENCHMARKS=OFF \
 && cmake --build build -j 2 --target hookd hookd_plugins \
 && mkdir -p /out/plugins \
 && cp build/cli/hookd /out/ \
 && cp build/plugins/*.wasm /out/plugins/ \
 && strip --strip-debug /out/hookd

FROM debian:12-slim
# Runtime libraries only (no compilers, no headers). libnode108 installs
# normally here: only the build machines' own nodejs kept it from apt.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libnode108 libboost-json1.81.0 libboost-url1.81.0 libtomlplusplus3 libspdlog1.10 \
      liblmdb0 libhiredis0.14 libssl3 libsimdjson14 libfmt9 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/hookd --shell /usr/sbin/nologin hookd \
 && mkdir -p /var/lib/hookd /etc/hookd \
 && chown hookd:hookd /var/lib/hookd && chmod 700 /var/lib/hookd
COPY --from=build /out/hookd /usr/local/bin/hookd
COPY --from=build /out/plugins /usr/share/hookd/plugins
COPY deploy/hookd.toml /etc/hookd/hookd.toml
USER hookd
WORKDIR /var/lib/hookd
VOLUME /var/lib/hookd
# Public API and admin API (keep the admin port on a private network).
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=2s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
# SIGTERM drains (docs/deployment.md); give it drain_accept_max + drain_timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/hookd", "serve", "--plugin-dir", "/usr/share/hookd/plugins"]
CMD ["--config", "/etc/hookd/hookd.toml"]
