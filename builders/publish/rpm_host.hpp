// How pub_rpms reaches the RPM host: run a command there, copy files there. The repository logic
// (rpm_repository.cpp) is the same for every transport; only these two operations differ.
//   local  — a directory on this machine (or a mounted share)
//   ssh    — plain ssh and scp to HOST
//   gcloud — `gcloud compute ssh/scp HOST $GCLOUD_ARGS`, as the original procedure did
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "builders/exec/process.hpp"
#include "config/config.hpp"

namespace calico::builders::publish {

class RpmHost {
 public:
  virtual ~RpmHost() = default;
  virtual std::string describe() const = 0;
  // A command that runs `argv` on the host.
  virtual exec::ProcessSpec on_host(const std::vector<std::string>& argv) const = 0;
  // A command that copies local `files` into the host's directory `directory`.
  virtual exec::ProcessSpec copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const = 0;
};

class LocalHost : public RpmHost {
 public:
  std::string describe() const override { return "this machine"; }
  exec::ProcessSpec on_host(const std::vector<std::string>& argv) const override;
  exec::ProcessSpec copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const override;
};

struct SshSettings {
  std::string host;                      // [user@]host
  int port = 22;
  std::filesystem::path identity;        // empty: ssh's default
  std::vector<std::string> options;      // extra -o settings, e.g. "StrictHostKeyChecking=yes"
};

class SshHost : public RpmHost {
 public:
  explicit SshHost(SshSettings settings);
  std::string describe() const override { return settings_.host; }
  exec::ProcessSpec on_host(const std::vector<std::string>& argv) const override;
  exec::ProcessSpec copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const override;

 private:
  std::vector<std::string> common(const std::string& port_flag) const;
  SshSettings settings_;
};

class GcloudHost : public RpmHost {
 public:
  // `gcloud_args`: GCLOUD_ARGS split into words ("--zone us-east1-b --project calico" → 4 words).
  GcloudHost(std::string host, std::vector<std::string> gcloud_args);
  std::string describe() const override { return host_ + " (gcloud)"; }
  exec::ProcessSpec on_host(const std::vector<std::string>& argv) const override;
  exec::ProcessSpec copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const override;

 private:
  std::string host_;
  std::vector<std::string> args_;
};

// Splits GCLOUD_ARGS on whitespace (no quoting, no expansion: it is never given to a shell).
std::vector<std::string> split_words(std::string_view text);

}  // namespace calico::builders::publish
