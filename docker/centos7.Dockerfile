# Build image for CentOS 7 (el7): what the RPM steps need (rpmbuild with %{dist} .el7).
# CentOS 7 is end of life; its packages live on vault.centos.org.
FROM centos:7

RUN sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#baseurl=http://mirror.centos.org|baseurl=http://vault.centos.org|' \
      /etc/yum.repos.d/CentOS-*.repo \
 && yum install -y rpm-build rpm-sign createrepo git gnupg2 tar gzip make python-setuptools \
 && yum clean all

WORKDIR /
