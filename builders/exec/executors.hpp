// Which executor `[publish] executor` names: one name → factory table, the only place an
// executor is chosen (nothing compares names).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "builders/exec/executor.hpp"
#include "config/config.hpp"

namespace calico::builders::exec {

// The executor `publish.executor` names, set up from the rest of `publish`. Throws
// std::invalid_argument naming the known executors when the name is none of them.
// `context` names whose jobs they are (the kubernetes executor labels its Jobs with it).
std::unique_ptr<Executor> make_executor(const config::PublishConfig& publish, const ExecutorContext& context = {});

// The names make_executor knows, in the order the documentation lists them.
std::vector<std::string> executor_names();

}  // namespace calico::builders::exec
