// The steps of the packaging procedure (DESIGN.md, "What it automates"): bld_images, one step per
// configured component (net_cal, felix, etcd3gw, dnsmasq, nettle by default), pub_debs, pub_rpms.
// Which component a step builds is configuration; only the three fixed steps are named here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace calico::builders {

inline constexpr std::string_view kImagesStep = "bld_images";
inline constexpr std::string_view kPublishDebsStep = "pub_debs";
inline constexpr std::string_view kPublishRpmsStep = "pub_rpms";

// What a job of a step does.
enum class JobRole { images, component, publish_debs, publish_rpms };

// Every step of the configuration, in procedure order.
std::vector<std::string> all_steps(const config::PublishConfig& publish);

// The role of a step, or nullopt for a word that is no step of this configuration.
std::optional<JobRole> step_role(const config::PublishConfig& publish, std::string_view step);

// "bld_images, net_cal, felix, …" for error messages and help.
std::string step_list(const config::PublishConfig& publish);

}  // namespace calico::builders
