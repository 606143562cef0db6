# Build image for CentOS 7 (el7): what the RPM jobs need (rpmbuild with %{dist} .el7, and the
# specs' build dependencies: rpmbuild checks them here). bld_images builds it as
# <docker_image_prefix>centos7 with BASE from the platform's docker_base (default: centos:7).
# CentOS 7 is end of life: its packages live on vault.centos.org. The tests build it on a Debian
# 12 stand-in, where the apt-get branch installs Debian's rpm and the same build tools; there
# the rpm database knows none of them, so that platform sets rpm_check_build_deps = false.
ARG BASE=centos:7
FROM ${BASE}

RUN if command -v yum >/dev/null; then \
      sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#baseurl=http://mirror.centos.org|baseurl=http://vault.centos.org|' \
          /etc/yum.repos.d/CentOS-*.repo \
      && yum install -y rpm-build rpm-sign createrepo git gnupg2 tar gzip make gcc \
             python-setuptools python3-setuptools libidn-devel dbus-devel systemd \
      && yum clean all; \
    else \
      export DEBIAN_FRONTEND=noninteractive \
      && apt-get update \
      && apt-get install -y --no-install-recommends rpm git gnupg tar gzip make gcc libc6-dev \
             python3 python3-setuptools python3-pbr libidn11-dev libdbus-1-dev pkg-config \
      && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /
