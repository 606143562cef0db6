# Build image for Ubuntu Trusty (14.04): what the net_cal, felix, dnsmasq and nettle steps need
# to make source packages (dpkg-buildpackage -S -d). The bld_images step builds it as
# <docker_image_prefix>trusty; the docker executor runs each command in it as the calling user.
FROM ubuntu:14.04

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates dpkg-dev debhelper devscripts fakeroot git gnupg tar gzip xz-utils \
 && rm -rf /var/lib/apt/lists/*

# Commands run as the calling user with HOME set to the mounted workspace.
WORKDIR /
