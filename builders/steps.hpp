// The steps of the packaging procedure, in their default order (DESIGN.md, "What it automates").
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace calico::builders {

enum class Step { bld_images, net_cal, felix, etcd3gw, dnsmasq, nettle, pub_debs, pub_rpms };

inline constexpr std::array<Step, 8> kAllSteps = {Step::bld_images, Step::net_cal, Step::felix,    Step::etcd3gw,
                                                  Step::dnsmasq,    Step::nettle,  Step::pub_debs, Step::pub_rpms};

// "bld_images", "net_cal", ... as STEPS spells them.
std::string_view step_name(Step step);
std::optional<Step> parse_step(std::string_view name);

// The component a build step packages ("networking-calico" for net_cal), or nullopt for
// bld_images, pub_debs and pub_rpms.
std::optional<std::string_view> step_component(Step step);

}  // namespace calico::builders
