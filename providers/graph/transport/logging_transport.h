#pragma once
// --verbose: a Transport decorator that prints each exchange to stderr — method, URL, status,
// Graph's request-id and the time it took — with Authorization and other secrets redacted and no
// bodies, so a verbose log can be pasted into a support ticket.

#include <memory>

#include "providers/graph/transport/http_transport.h"
#include "providers/graph/transport/room.h"

namespace entragate::graph {

std::unique_ptr<Transport> MakeLoggingTransport(std::unique_ptr<Transport> inner);

/// The request line as logged: query strings kept (they carry no secrets in Graph calls), secret
/// headers replaced by [redacted].
std::string DescribeRequest(const net::Request& request);

}  // namespace entragate::graph
