// ppa-standin: the local Launchpad PPA of the demo (see ppa_standin.hpp).
//   ppa-standin --port 8081 --incoming DIR --archive DIR --work DIR [--publish-delay SECONDS]
//               [--accept-token CONSUMER_KEY:TOKEN:TOKEN_SECRET]
#include <csignal>
#include <iostream>
#include <string>

#include "tests/standins/ppa_standin.hpp"

int main(int argc, char** argv) {
  calico::testkit::PpaStandinSettings settings;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--port") {
      settings.port = static_cast<std::uint16_t>(std::stoi(value));
    } else if (flag == "--incoming") {
      settings.incoming = value;
    } else if (flag == "--archive") {
      settings.archive = value;
    } else if (flag == "--work") {
      settings.work = value;
    } else if (flag == "--accept-token") {
      // CONSUMER_KEY:TOKEN:TOKEN_SECRET, the OAuth token Launchpad writes must be signed with.
      const auto first = value.find(':');
      const auto second = value.find(':', first == std::string::npos ? first : first + 1);
      if (first == std::string::npos || second == std::string::npos) {
        std::cerr << "ppa-standin: --accept-token wants CONSUMER_KEY:TOKEN:TOKEN_SECRET\n";
        return 2;
      }
      settings.token = calico::testkit::FakeOAuthToken{value.substr(0, first), value.substr(first + 1, second - first - 1),
                                                      value.substr(second + 1)};
    } else if (flag == "--publish-delay") {
      settings.publish_delay = std::chrono::seconds(std::stoi(value));
    } else {
      std::cerr << "ppa-standin: unknown option " << flag << "\n";
      return 2;
    }
  }
  if ((argc - 1) % 2 != 0 || settings.incoming.empty() || settings.archive.empty() || settings.work.empty()) {
    std::cerr << "usage: ppa-standin [--port N] --incoming DIR --archive DIR --work DIR [--publish-delay SECONDS] "
                 "[--accept-token CONSUMER_KEY:TOKEN:TOKEN_SECRET]\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    calico::testkit::PpaStandin standin(settings);
    standin.start();
    std::cerr << "ppa-standin: Launchpad API on " << standin.api_root() << ", taking uploads from " << settings.incoming.string()
              << "\n";
    int received = 0;
    sigwait(&signals, &received);
    standin.stop();
  } catch (const std::exception& e) {
    std::cerr << "ppa-standin: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
