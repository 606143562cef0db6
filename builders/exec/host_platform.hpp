// Whether this host can stand in for an rpm platform when an executor builds on it (local):
// rpmbuild then compiles with this host's compiler, headers and python, so an RPM for CentOS 7
// built on Debian is not what CentOS 7's own tools would make (python modules under /usr/local,
// headers moved since). Such a platform is refused unless the configuration says it adapted the
// host (`build_on_host`), instead of failing at its first rpmbuild.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace calico::builders::exec {

// What rpm on this host says %{dist} is (".el7" on CentOS 7, empty on Debian); `error` gets why
// it could not be asked (rpm missing) and the answer is then empty.
std::string host_rpm_dist(std::string& error);

// One sentence per configured rpm platform this host is not and that does not say
// `build_on_host`, naming the platform, the host's %{dist}, and the ways out.
// `executor` names the executor for the message.
std::vector<std::string> platforms_host_cannot_build(const config::PublishConfig& publish, std::string_view executor,
                                                     std::string_view host_dist, std::string_view host_error);

}  // namespace calico::builders::exec
