#pragma once
// Shared by the HTTP tests (the emulator's HTTP server and the Graph provider's HTTP transport,
// against each other over real loopback sockets; nothing touches an address other than 127.0.0.1 /
// localhost): a PKI generated at run time, an echo server, and request builders.

#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "emulator/http_server.h"
#include "net/http_message.h"
#include "providers/graph/transport/http_transport.h"

namespace http_test {

using entragate::emulator::HandlerResult;
using entragate::emulator::HttpServer;
using entragate::emulator::ServerOptions;
using entragate::emulator::ServerTls;
using entragate::engine::Error;
using entragate::graph::MakeHttpTransport;
using entragate::graph::Transport;
using entragate::graph::TransportOptions;
using entragate::net::Request;
using entragate::net::Response;
namespace crypto = entragate::crypto;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// --- run-time PKI (never stored in the repository) ----------------------------------------------

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "entragate-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string Write(const char* name, const std::string& text) const {
    const auto file = path / name;
    std::ofstream(file) << text;
    return file.string();
  }
};

inline crypto::CertSpec Spec(const char* cn, std::vector<std::string> dns, std::vector<std::string> ips) {
  const std::int64_t now = std::time(nullptr);
  crypto::CertSpec spec;
  spec.common_name = cn;
  spec.not_before = now - 86'400;
  spec.not_after = now + 86'400;
  spec.dns_names = std::move(dns);
  spec.ip_addresses = std::move(ips);
  return spec;
}

inline std::string Pem(const crypto::Certificate& cert) { return crypto::CertificateToPem(cert); }
inline std::string Pem(const crypto::PKey& key) {
  auto pem = crypto::PrivateKeyToPem(key);
  return pem.ok() ? *pem : std::string();
}

struct Pki {
  TempDir dir;
  ServerTls server;          ///< localhost, 127.0.0.1, ::1 — issued by the trusted CA
  ServerTls localhost_only;  ///< names only localhost
  ServerTls untrusted;       ///< issued by a CA the client does not know
  std::string ca_file;       ///< the trusted CA

  Pki() {
    auto ca_key = crypto::GenerateRsaKey();
    auto other_key = crypto::GenerateRsaKey();
    auto leaf_key = crypto::GenerateRsaKey();
    if (!ca_key || !other_key || !leaf_key) return;
    auto ca = crypto::CreateCaCert(*ca_key, Spec("entragate test CA", {}, {}));
    auto other_ca = crypto::CreateCaCert(*other_key, Spec("some other CA", {}, {}));
    if (!ca || !other_ca) return;
    server = Issue(Spec("localhost", {"localhost"}, {"127.0.0.1", "::1"}), *ca, *ca_key, *leaf_key);
    localhost_only = Issue(Spec("localhost", {"localhost"}, {}), *ca, *ca_key, *leaf_key);
    untrusted = Issue(Spec("localhost", {"localhost"}, {"127.0.0.1"}), *other_ca, *other_key, *leaf_key);
    ca_file = dir.Write("ca.pem", Pem(*ca));
  }

  static ServerTls Issue(const crypto::CertSpec& spec, const crypto::Certificate& ca, const crypto::PKey& ca_key, const crypto::PKey& key) {
    auto cert = crypto::IssueServerCert(key, spec, ca, ca_key);
    return cert ? ServerTls{Pem(*cert), Pem(key)} : ServerTls{};
  }
};

inline const Pki& TestPki() {
  static const Pki pki;
  return pki;
}

// --- servers and clients ------------------------------------------------------------------------

/// Answers with what it received: "<method> <target>\n<X-Test header>\n<body>".
inline HandlerResult Echo(const Request& request) {
  Response response;
  response.status = request.method == "POST" ? 201 : 200;
  response.headers["Content-Type"] = "text/plain";
  response.headers["X-Echo-Peer"] = request.peer;
  response.body = request.method + " " + request.target + "\n" + request.Header("X-Test").value_or("") + "\n" + request.body;
  return {response, {}};
}

inline std::unique_ptr<HttpServer> StartServer(ServerOptions options, entragate::emulator::Handler handler = Echo) {
  auto server = HttpServer::Start(std::move(options), std::move(handler));
  REQUIRE_MESSAGE(server.ok(), server.error().message);
  return std::move(*server);
}

inline ServerOptions TlsOptions(const ServerTls& tls) {
  ServerOptions options;
  options.tls = tls;
  return options;
}

inline TransportOptions TrustingTestCa() {
  TransportOptions options;
  options.ca_file = TestPki().ca_file;
  return options;
}

inline std::string Url(const char* scheme, const HttpServer& server, const std::string& path, const char* host = "127.0.0.1") {
  return std::string(scheme) + "://" + host + ":" + std::to_string(server.port()) + path;
}

inline Request Get(std::string url) {
  Request request;
  request.method = "GET";
  request.target = std::move(url);
  return request;
}

inline Request Post(std::string url, std::string body) {
  Request request;
  request.method = "POST";
  request.target = std::move(url);
  request.headers["Content-Type"] = "application/json";
  request.body = std::move(body);
  return request;
}

/// Writes `bytes` on a fresh connection and returns everything the server sends until it closes.
inline std::string RawExchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);  // so a request cut short ends instead of waiting
  std::string answer;
  asio::read(socket, asio::dynamic_buffer(answer), ec);
  return answer;
}

}  // namespace http_test
