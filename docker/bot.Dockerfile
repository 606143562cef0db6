# The bot's own image. Build from the repository root:
#   docker build -f docker/bot.Dockerfile -t calico-release-bot .
# Two stages: the first compiles the bot (the compiler and -dev packages stay there); the image
# is Debian 12 with the bot, the shared libraries it links and the packaging tools its local
# executor runs (scripts/install-deps --runtime). BASE: the Debian 12 image to start from (the
# tests use a local one made with mmdebstrap). See README "Running in a container".
ARG BASE=debian:12

FROM ${BASE} AS build
COPY scripts/install-deps /src/scripts/install-deps
RUN /src/scripts/install-deps --build
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCALICO_TESTS=OFF -DCALICO_BENCH=OFF -DCALICO_UNITY=ON \
 && ninja -C /build calico-release-bot \
 && strip /build/bot/calico-release-bot

FROM ${BASE}
COPY scripts/install-deps /usr/local/sbin/calico-release-bot-install-deps
RUN /usr/local/sbin/calico-release-bot-install-deps --runtime && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bot/calico-release-bot /usr/local/bin/calico-release-bot
COPY config/bot.example.toml /etc/calico-release-bot/bot.example.toml
# The store, the work and mirror directories live under /var/lib/calico-release-bot: mount a
# volume there so that they outlive the container.
RUN useradd --system --home-dir /var/lib/calico-release-bot --create-home calico-release-bot
USER calico-release-bot
WORKDIR /var/lib/calico-release-bot
VOLUME /var/lib/calico-release-bot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/calico-release-bot"]
CMD ["serve", "--config", "/etc/calico-release-bot/bot.toml"]
