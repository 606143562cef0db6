#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/process.hpp"

namespace calico::testkit {

// A real TLS server in front of a plain loopback one: HAProxy terminating TLS with a certificate
// for 127.0.0.1 issued by a test CA made here with the openssl command line, and asking every
// client for a certificate from that CA (as a Kubernetes API server does for kubeconfig users
// with client certificates). Bytes pass through unchanged (TCP mode), so streamed answers and
// watches do too. Also issues a client certificate, and keeps a second CA that issued nothing
// here, for clients that must refuse the server.
class TlsFront {
 public:
  TlsFront(const std::filesystem::path& dir, int backend_port);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::filesystem::path ca_cert() const { return dir_ / "ca.crt"; }
  std::filesystem::path other_ca_cert() const { return dir_ / "other-ca.crt"; }
  std::filesystem::path client_cert() const { return dir_ / "client.crt"; }
  std::filesystem::path client_key() const { return dir_ / "client.key"; }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> haproxy_;
};

}  // namespace calico::testkit
