# Build image for Ubuntu Xenial (16.04): what the component jobs need to make source packages
# (dpkg-buildpackage -S -d) and run pre-build commands. bld_images builds it as
# <docker_image_prefix>xenial with BASE from the platform's docker_base (default: the real Ubuntu);
# the tests build it on a Debian 12 stand-in, which the same apt-get line serves.
ARG BASE=ubuntu:16.04
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates dpkg-dev debhelper devscripts fakeroot git gnupg tar gzip xz-utils \
 && rm -rf /var/lib/apt/lists/*

# The docker executor runs each command as the calling user, with HOME in the mounted work
# directory and no network.
WORKDIR /
