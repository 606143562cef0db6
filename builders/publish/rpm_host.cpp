#include "builders/publish/rpm_host.hpp"

#include "builders/text.hpp"

namespace calico::builders::publish {

std::vector<std::string> split_words(std::string_view text) { return split_on(text, " \t\n"); }

exec::ProcessSpec LocalHost::on_host(const std::vector<std::string>& argv) const { return {argv}; }

exec::ProcessSpec LocalHost::copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const {
  exec::ProcessSpec command{{"cp", "--preserve=mode", "--"}};
  for (const auto& file : files) command.argv.push_back(file.string());
  command.argv.push_back(directory + "/");
  return command;
}

SshHost::SshHost(SshSettings settings) : settings_(std::move(settings)) {}

std::vector<std::string> SshHost::common(const std::string& port_flag) const {
  std::vector<std::string> argv{port_flag, std::to_string(settings_.port), "-o", "BatchMode=yes"};
  if (!settings_.identity.empty()) argv.insert(argv.end(), {"-i", settings_.identity.string()});
  for (const std::string& option : settings_.options) argv.insert(argv.end(), {"-o", option});
  return argv;
}

exec::ProcessSpec SshHost::on_host(const std::vector<std::string>& argv) const {
  exec::ProcessSpec command{{"ssh"}};
  for (std::string& arg : common("-p")) command.argv.push_back(std::move(arg));
  // ssh joins its arguments into one line for the remote shell: quote each so it arrives intact.
  command.argv.insert(command.argv.end(), {settings_.host, "--", exec::quote_for_log(argv)});
  return command;
}

exec::ProcessSpec SshHost::copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const {
  exec::ProcessSpec command{{"scp", "-p", "-q"}};
  for (std::string& arg : common("-P")) command.argv.push_back(std::move(arg));
  command.argv.push_back("--");
  for (const auto& file : files) command.argv.push_back(file.string());
  command.argv.push_back(settings_.host + ":" + directory + "/");
  return command;
}

GcloudHost::GcloudHost(std::string host, std::vector<std::string> gcloud_args)
    : host_(std::move(host)), args_(std::move(gcloud_args)) {}

exec::ProcessSpec GcloudHost::on_host(const std::vector<std::string>& argv) const {
  exec::ProcessSpec command{{"gcloud", "compute", "ssh"}};
  command.argv.insert(command.argv.end(), args_.begin(), args_.end());
  command.argv.insert(command.argv.end(), {host_, "--command", exec::quote_for_log(argv)});
  return command;
}

exec::ProcessSpec GcloudHost::copy_to_host(const std::vector<std::filesystem::path>& files, const std::string& directory) const {
  exec::ProcessSpec command{{"gcloud", "compute", "scp"}};
  command.argv.insert(command.argv.end(), args_.begin(), args_.end());
  for (const auto& file : files) command.argv.push_back(file.string());
  command.argv.push_back(host_ + ":" + directory + "/");
  return command;
}

}  // namespace calico::builders::publish
