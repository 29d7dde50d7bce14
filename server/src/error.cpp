#include "hookd/server/error.hpp"

namespace hookd::server {

std::string_view to_string(ServerErrorKind kind) {
  switch (kind) {
    case ServerErrorKind::kConfig:
      return "configuration";
    case ServerErrorKind::kStorage:
      return "storage";
    case ServerErrorKind::kListen:
      return "listen";
    case ServerErrorKind::kEntropy:
      return "entropy";
    case ServerErrorKind::kPlugin:
      return "plugin";
  }
  return "error";
}

}  // namespace hookd::server
