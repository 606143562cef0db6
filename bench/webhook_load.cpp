// webhook-load: sends N signed webhook deliveries at concurrency C to a running bot over loopback
// and prints throughput and acknowledgement latency. Each connection is one client thread with a
// keep-alive connection, like GitHub's delivery workers.
//
//   webhook-load --port P --secret S [-n 20000] [-c 32] [--path /webhook] [--target healthz]
//
// --target healthz sends GET /healthz instead: the HTTP round trip without any durable write,
// the reference the delivery figures are compared against.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.hpp"

namespace {

struct Options {
  std::uint16_t port = 0;
  std::string secret;
  std::string path = "/webhook";
  std::string target = "webhook";
  int requests = 20000;
  int concurrency = 32;
  std::string run_id = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "webhook-load: " << problem
            << "\nusage: webhook-load --port P --secret S [-n N] [-c C] [--path /webhook] [--target webhook|healthz]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--port") o.port = static_cast<std::uint16_t>(std::stoi(value()));
    else if (arg == "--secret") o.secret = value();
    else if (arg == "--path") o.path = value();
    else if (arg == "--target") o.target = value();
    else if (arg == "-n") o.requests = std::stoi(value());
    else if (arg == "-c") o.concurrency = std::stoi(value());
    else if (arg == "--run-id") o.run_id = value();
    else usage("unknown argument " + arg);
  }
  if (o.port == 0) usage("--port is required");
  if (o.target == "webhook" && o.secret.empty()) usage("--secret is required for webhook deliveries");
  if (o.target != "webhook" && o.target != "healthz") usage("--target must be webhook or healthz");
  if (o.requests < 1 || o.concurrency < 1) usage("-n and -c must be positive");
  return o;
}

// A realistic push to a watched master: about 1 KiB, like GitHub's smaller pushes.
std::string push_body(int n) {
  return R"({"ref":"refs/heads/master","before":"a1b2c3d4e5f60718293a4b5c6d7e8f9001122334","after":")" +
         std::to_string(1000000 + n) +
         R"(f0e1d2c3b4a5968778695a4b3c2d1e0f11","created":false,"deleted":false,"forced":false,)"
         R"("commits":[{"id":"f0e1d2c3","message":"Handle IPv6 subnets with a gateway outside the allocation pool",)"
         R"("timestamp":"2020-12-01T01:02:03Z","author":{"name":"Dev Eloper","email":"dev@example.org"},)"
         R"("added":[],"removed":[],"modified":["networking_calico/plugins/ml2/drivers/calico/mech_calico.py"]}],)"
         R"("repository":{"id":41839261,"name":"networking-calico","full_name":"projectcalico/networking-calico",)"
         R"("private":false,"owner":{"login":"projectcalico","type":"Organization"},"default_branch":"master"},)"
         R"("pusher":{"name":"dev","email":"dev@example.org"},"sender":{"login":"dev","id":2002,"type":"User"}})";
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(options.concurrency));
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int w = 0; w < options.concurrency; ++w) {
    workers.emplace_back([&, w] {
      calico::testkit::HttpClient client("127.0.0.1", options.port);
      auto& mine = latencies[static_cast<std::size_t>(w)];
      for (int n = next++; n < options.requests; n = next++) {
        const auto sent = std::chrono::steady_clock::now();
        int status = 0;
        try {
          if (options.target == "healthz") {
            status = client.request("GET", "/healthz", {}).status;
          } else {
            const std::string body = push_body(n);
            const std::string guid = "load-" + options.run_id + "-" + std::to_string(n);
            status = client.request("POST", options.path,
                                    calico::testkit::github_headers("push", guid, options.secret, body), body)
                         .status;
          }
        } catch (const std::exception&) {
          client = calico::testkit::HttpClient("127.0.0.1", options.port);
        }
        const auto done = std::chrono::steady_clock::now();
        const bool ok = options.target == "healthz" ? status == 200 : status == 202;
        if (!ok) ++failures;
        mine.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  std::printf("target=%s requests=%d concurrency=%d failures=%d seconds=%.3f throughput_per_s=%.0f "
              "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              options.target.c_str(), options.requests, options.concurrency, failures.load(), seconds,
              options.requests / seconds, percentile(all, 0.50), percentile(all, 0.99), all.empty() ? 0 : all.back());
  return failures.load() == 0 ? 0 : 1;
}
