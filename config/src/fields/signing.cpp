// [signing]: the keys plugin modules may be signed with, and whether they must be.
#include "fields/kinds.hpp"
#include "fields/sections.hpp"

namespace hookd::config::detail {

std::vector<FieldSpec<Config>> signing_fields() {
  using C = Config;
  return {
      parsed_list<C>(
          "signing", "trusted_keys", [](auto& c) -> auto& { return c.signing.trusted_keys; }),
      boolean<C>(
          "signing", "require_signature", [](auto& c) -> auto& { return c.signing.require_signature; }),
  };
}

}  // namespace hookd::config::detail
