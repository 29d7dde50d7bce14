// The server's own errors: starting the gateway (configuration, the data
// directory, the admin token, listeners) fails with a ServerError. Engine
// errors (a plugin that does not load) are carried with their description.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace hookd::server {

enum class ServerErrorKind {
  kConfig,   // a setting the gateway cannot use (a bad listen address)
  kStorage,  // the data directory, the admin token file, the KV store
  kListen,   // a socket cannot be bound or listened on
  kEntropy,  // no random bytes for the admin token
  kPlugin,   // a configured plugin does not load
};

std::string_view to_string(ServerErrorKind kind);

struct ServerError {
  ServerErrorKind kind = ServerErrorKind::kConfig;
  std::string message;

  // "listen: address in use" style text for logs.
  [[nodiscard]] std::string describe() const { return std::string(to_string(kind)) + ": " + message; }
};

template <class T>
using ServerResult = std::expected<T, ServerError>;

inline std::unexpected<ServerError> server_fail(ServerErrorKind kind, std::string message) {
  return std::unexpected<ServerError>(ServerError{kind, std::move(message)});
}

}  // namespace hookd::server
