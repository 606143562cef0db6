#include "builders/exec/kubernetes/pod_runner.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace calico::builders::exec::kubernetes {

namespace {

// bash 4.2 (CentOS 7) and later. Waits for <n>.ready (or done), runs the command in a subshell
// with its own environment and directory and no stdin, records its status, prints the marker.
constexpr const char* kRunner = R"RUNNER(
dir=$1
mark=$CALICO_JOB_MARK
unset CALICO_JOB_MARK
n=0
last=0
while :; do
  n=$((n + 1))
  while [ ! -e "$dir/$n.ready" ] && [ ! -e "$dir/done" ]; do sleep 0.2; done
  [ -e "$dir/$n.ready" ] || exit "$last"
  (
    while IFS= read -r -d '' kv; do export "$kv"; done < "$dir/$n.env"
    args=()
    while IFS= read -r -d '' a; do args+=("$a"); done < "$dir/$n.argv"
    IFS= read -r -d '' cwd < "$dir/$n.cwd"
    cd -- "$cwd" || exit 126
    exec "${args[@]}"
  ) < /dev/null 2>&1
  last=$?
  printf '%s' "$last" > "$dir/$n.status.tmp" && mv -f "$dir/$n.status.tmp" "$dir/$n.status"
  printf '\n%s %s %s\n' "$mark" "$n" "$last"
done
)RUNNER";

void write_nul_separated(const std::filesystem::path& file, const std::vector<std::string>& items) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  for (const std::string& item : items) {
    if (item.find('\0') != std::string::npos) throw std::invalid_argument("an argument holds a NUL byte");
    out << item << '\0';
  }
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

std::vector<std::string> runner_command(const std::filesystem::path& session_dir) {
  return {"/bin/bash", "-c", kRunner, "calico-job-runner", session_dir.string()};
}

void hand_over(const std::filesystem::path& session_dir, int n, const std::vector<std::string>& argv,
               const std::vector<std::string>& env, const std::filesystem::path& cwd) {
  const std::string stem = std::to_string(n);
  write_nul_separated(session_dir / (stem + ".argv"), argv);
  write_nul_separated(session_dir / (stem + ".env"), env);
  write_nul_separated(session_dir / (stem + ".cwd"), {cwd.string()});
  const std::filesystem::path ready = session_dir / (stem + ".ready");
  std::ofstream(session_dir / (stem + ".ready.tmp")) << stem << '\n';
  std::filesystem::rename(session_dir / (stem + ".ready.tmp"), ready);
}

void finish_session(const std::filesystem::path& session_dir) {
  std::ofstream(session_dir / "done.tmp") << "done\n";
  std::error_code ignored;
  std::filesystem::rename(session_dir / "done.tmp", session_dir / "done", ignored);
}

std::optional<int> exit_status(const std::filesystem::path& session_dir, int n) {
  std::ifstream in(session_dir / (std::to_string(n) + ".status"));
  int status = 0;
  if (!(in >> status)) return std::nullopt;
  return status;
}

OutputSplitter::OutputSplitter(std::string mark, std::function<void(std::string_view)> log, std::function<void(int, int)> ended)
    : mark_(std::move(mark)), log_(std::move(log)), ended_(std::move(ended)) {}

void OutputSplitter::feed(std::string_view data) {
  std::size_t i = 0;
  std::size_t run_start = 0;  // bytes [run_start, i) go to the log as they are
  auto flush_run = [&] {
    if (i > run_start) log_(data.substr(run_start, i - run_start));
  };
  while (i < data.size()) {
    const char c = data[i];
    if (in_marker_) {
      if (c == '\n') {
        std::istringstream fields(pending_.substr(mark_.size()));
        int n = 0, status = 0;
        std::string rest;
        if (pending_.size() > mark_.size() && pending_[mark_.size()] == ' ' && (fields >> n >> status) && !(fields >> rest)) {
          ended_(n, status);
        } else {
          log_(pending_ + "\n");  // begins like a marker and is not one: output after all
        }
        pending_.clear();
        in_marker_ = false;
        line_start_ = true;
      } else {
        pending_ += c;
      }
      ++i;
      run_start = i;
      continue;
    }
    if (line_start_) {
      // Held back while it may still be the marker; let go at the first byte that differs.
      if (pending_.size() < mark_.size() && c == mark_[pending_.size()]) {
        flush_run();
        pending_ += c;
        ++i;
        run_start = i;
        if (pending_.size() == mark_.size()) in_marker_ = true;
        continue;
      }
      if (!pending_.empty()) {
        flush_run();
        log_(pending_);
        pending_.clear();
        run_start = i;
      }
      line_start_ = false;
    }
    if (c == '\n') line_start_ = true;
    ++i;
  }
  flush_run();
}

}  // namespace calico::builders::exec::kubernetes
