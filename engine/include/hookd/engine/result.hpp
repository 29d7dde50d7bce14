// Errors are values on the call path: every fallible engine operation returns
// hookd::engine::Result<T>. Exceptions never cross this boundary and a plugin
// fault never takes the process down.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace hookd::engine {

enum class ErrorKind {
  kInvalidArgument,  // bad input from the embedder or caller
  kIntegrity,        // SHA-256 mismatch
  kInvalidModule,    // not wasm, or not a hookd plugin
  kAbiMismatch,      // plugin ABI version not supported
  kLink,             // imports the host does not provide
  kCompile,          // engine rejected the module
  kInstantiate,      // start/init failed
  kNotFound,         // unknown function
  kTrap,             // wasm trap (unreachable, OOB, stack overflow, ...)
  kTimeout,          // per-call deadline exceeded
  kPluginError,      // the plugin returned an error
  kHostError,        // a host function failed
  kProtocol,         // plugin broke the ABI (bad result code, bad output pointer)
  kInternal,
  kResourceExhausted,  // the engine ran out of heap (the worker's isolate is recycled)
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  int status = 0;  // for kPluginError: status the plugin asked for (0 = default)

  // "trap: unreachable" style text for logs and CLI output.
  [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message, int status = 0) {
  return std::unexpected<Error>(Error{kind, std::move(message), status});
}

}  // namespace hookd::engine
