#include "tests/support/tls_front.hpp"

#include <csignal>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"

namespace calico::testkit {

namespace {

void openssl(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  std::vector<std::string> argv{"/usr/bin/openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = run_process(argv, dir, {}, dir);
  if (result.exit_code != 0) throw std::runtime_error("openssl " + args.front() + " failed: " + result.output);
}

// A CA: a self-signed certificate allowed to sign others.
void make_ca(const std::filesystem::path& dir, const std::string& name) {
  write_file(dir / (name + ".cnf"),
             "[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n[dn]\nCN = " + name +
                 "\n[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
                 "subjectKeyIdentifier = hash\n");
  openssl({"req", "-x509", "-config", name + ".cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", name + ".key", "-out", name + ".crt", "-days", "2"},
          dir);
}

// A certificate signed by ca.crt with the given extensions (the server's names, or client use).
void issue(const std::filesystem::path& dir, const std::string& name, const std::string& subject, const std::string& extensions) {
  write_file(dir / (name + ".ext"), extensions);
  openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
           "-out", name + ".csr", "-subj", subject},
          dir);
  openssl({"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
           "-out", name + ".crt", "-extfile", name + ".ext"},
          dir);
}

bool accepts_connections(int port) {
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TlsFront::TlsFront(const std::filesystem::path& dir, int backend_port) : dir_(dir) {
  std::filesystem::create_directories(dir_);
  make_ca(dir_, "ca");
  make_ca(dir_, "other-ca");
  issue(dir_, "server", "/CN=127.0.0.1", "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
  issue(dir_, "client", "/CN=calico-release-bot", "extendedKeyUsage = clientAuth\n");
  write_file(dir_ / "server.pem", read_file(dir_ / "server.crt") + read_file(dir_ / "server.key"));
  port_ = free_loopback_port();
  write_file(dir_ / "haproxy.cfg",
             "global\n  maxconn 200\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 120s\n  timeout server 120s\n"
             "frontend api\n  bind 127.0.0.1:" + std::to_string(port_) + " ssl crt " + (dir_ / "server.pem").string() +
                 " ca-file " + ca_cert().string() + " verify required\n  default_backend plain\n"
                 "backend plain\n  server only 127.0.0.1:" + std::to_string(backend_port) + "\n");
  haproxy_ = std::make_unique<ChildProcess>(std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", (dir_ / "haproxy.cfg").string()},
                                            dir_ / "haproxy.log");
  if (!eventually([&] { return accepts_connections(port_); }, std::chrono::seconds(20))) {
    throw std::runtime_error("HAProxy did not listen on " + url() + ": " + read_file(dir_ / "haproxy.log"));
  }
}

TlsFront::~TlsFront() {
  haproxy_->signal(SIGTERM);
  haproxy_->wait(std::chrono::seconds(10));
}

}  // namespace calico::testkit
