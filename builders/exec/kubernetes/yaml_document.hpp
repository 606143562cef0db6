// A YAML document (a kubeconfig) as a JSON value, read with libyaml: mappings become objects,
// sequences arrays, every scalar a string (the reader of a field decides what "true" means).
// Anchors, aliases and tags a kubeconfig does not use are refused by name, not guessed at.
#pragma once

#include <stdexcept>
#include <string>

#include <boost/json/value.hpp>

namespace calico::builders::exec::kubernetes {

class YamlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The first document of `text`; null when it has none. Throws YamlError naming `origin`, the
// line and libyaml's reason.
boost::json::value read_yaml(const std::string& text, const std::string& origin);

}  // namespace calico::builders::exec::kubernetes
