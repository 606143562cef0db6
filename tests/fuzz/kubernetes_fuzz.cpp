// libFuzzer harness for what the kubernetes executor reads from outside: a kubeconfig (YAML, then
// its contexts, clusters and users) must give API access or an AccessError, nothing else; a
// Pod's output stream, in any pieces, must reach the log unchanged when it holds no marker.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "builders/exec/kubernetes/api_access.hpp"
#include "builders/exec/kubernetes/pod_runner.hpp"

namespace k8s = calico::builders::exec::kubernetes;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    try {
      k8s::kubeconfig_access({{"/nonexistent/kubeconfig", std::string(text)}}, {}, "/nonexistent/kubeconfig");
    } catch (const k8s::AccessError&) {
    }
    return 0;
  }
  const std::string mark = "@@calico-job-f00d@@";
  std::string log;
  int markers = 0;
  k8s::OutputSplitter splitter(mark, [&](std::string_view piece) { log += piece; }, [&](int, int) { ++markers; });
  const std::size_t piece = 1 + data[0] / 2 % 17;
  for (std::size_t at = 0; at < text.size(); at += piece) splitter.feed(text.substr(at, piece));
  if (text.find(mark) == std::string_view::npos) {
    // A held-back start of a line that might have been a marker is let go at its first differing
    // byte; what is still held at the very end is the only difference allowed.
    if (markers != 0 || log.size() > text.size() || text.substr(0, log.size()) != log) __builtin_trap();
    if (text.size() - log.size() >= mark.size()) __builtin_trap();
  }
  return 0;
}
