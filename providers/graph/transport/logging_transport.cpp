#include "providers/graph/transport/logging_transport.h"

#include <chrono>

#include <fmt/format.h>

namespace entragate::graph {

namespace {

bool IsSecretHeader(const std::string& name) {
  static const char* kSecret[] = {"authorization", "x-identity-header", "x-emulator-key", "secret", "cookie", "proxy-authorization"};
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* s : kSecret)
    if (lower == s) return true;
  return false;
}

class LoggingTransport : public Transport {
 public:
  explicit LoggingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}

  engine::Result<net::Response> Send(const net::Request& request) override {
    auto start = std::chrono::steady_clock::now();
    auto result = inner_->Send(request);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    if (result.ok()) {
      fmt::print(stderr, "http: {} → {} ({} ms{})\n", DescribeRequest(request), result->status, ms,
                 result->Header("request-id") ? ", request-id " + *result->Header("request-id") : "");
    } else {
      fmt::print(stderr, "http: {} → failed after {} ms: {}\n", DescribeRequest(request), ms, result.error().message);
    }
    return result;
  }

 private:
  std::unique_ptr<Transport> inner_;
};

}  // namespace

std::string DescribeRequest(const net::Request& request) {
  std::string headers;
  for (const auto& [name, value] : request.headers) headers += fmt::format(" [{}: {}]", name, IsSecretHeader(name) ? "[redacted]" : value);
  // Token requests carry secrets in the form body, never logged; the URL has none.
  return fmt::format("{} {}{}", request.method, request.target, headers);
}

std::unique_ptr<Transport> MakeLoggingTransport(std::unique_ptr<Transport> inner) { return std::make_unique<LoggingTransport>(std::move(inner)); }

}  // namespace entragate::graph
