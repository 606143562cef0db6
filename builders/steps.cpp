#include "builders/steps.hpp"

namespace calico::builders {

std::string_view step_name(Step step) {
  switch (step) {
    case Step::bld_images: return "bld_images";
    case Step::net_cal: return "net_cal";
    case Step::felix: return "felix";
    case Step::etcd3gw: return "etcd3gw";
    case Step::dnsmasq: return "dnsmasq";
    case Step::nettle: return "nettle";
    case Step::pub_debs: return "pub_debs";
    case Step::pub_rpms: return "pub_rpms";
  }
  return "?";
}

std::optional<Step> parse_step(std::string_view name) {
  for (Step step : kAllSteps) {
    if (step_name(step) == name) return step;
  }
  return std::nullopt;
}

std::optional<std::string_view> step_component(Step step) {
  switch (step) {
    case Step::net_cal: return "networking-calico";
    case Step::felix: return "felix";
    case Step::etcd3gw: return "etcd3gw";
    case Step::dnsmasq: return "dnsmasq";
    case Step::nettle: return "nettle";
    default: return std::nullopt;
  }
}

}  // namespace calico::builders
