#include "hookd/engine/result.hpp"

namespace hookd::engine {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kIntegrity:
      return "integrity check failed";
    case ErrorKind::kInvalidModule:
      return "invalid module";
    case ErrorKind::kAbiMismatch:
      return "ABI mismatch";
    case ErrorKind::kLink:
      return "link error";
    case ErrorKind::kCompile:
      return "compile error";
    case ErrorKind::kInstantiate:
      return "instantiation failed";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kTrap:
      return "trap";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kPluginError:
      return "plugin error";
    case ErrorKind::kHostError:
      return "host error";
    case ErrorKind::kProtocol:
      return "ABI protocol violation";
    case ErrorKind::kInternal:
      return "internal error";
    case ErrorKind::kResourceExhausted:
      return "resource exhausted";
  }
  return "error";
}

std::string Error::describe() const { return std::string(to_string(kind)) + ": " + message; }

}  // namespace hookd::engine
