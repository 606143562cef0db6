# The bot's own image: Debian 12 with every tool the local executor uses, the bot built in
# release mode, and `serve` as the entry point. Build from the repository root:
#   docker build -f docker/bot.Dockerfile -t calico-release-bot .
FROM debian:12 AS build
COPY . /src
WORKDIR /src
RUN scripts/install-deps && scripts/build --release

FROM debian:12
COPY --from=build /src/scripts/install-deps /usr/local/sbin/calico-release-bot-install-deps
RUN /usr/local/sbin/calico-release-bot-install-deps && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build-release/bot/calico-release-bot /usr/local/bin/calico-release-bot
COPY --from=build /src/config/bot.example.toml /etc/calico-release-bot/bot.example.toml
RUN useradd --system --home-dir /var/lib/calico-release-bot --create-home calico-release-bot
USER calico-release-bot
WORKDIR /var/lib/calico-release-bot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/calico-release-bot"]
CMD ["serve", "--config", "/etc/calico-release-bot/bot.toml"]
