// Lookups in a request's header fields by walking them in arrival order.
// A request carries a handful of fields; comparing each one's stored enum
// beats basic_fields' tree lookup, which compares names case-insensitively
// at every node (the lookups were a third of the request path's field costs
// under callgrind, docs/benchmarks.md). The walk is bounded by the header
// limit, and it costs less than parsing the same fields did. Both return
// what Beast's operator[] returns: the first such field's value, "" if none.
#pragma once

#include <string_view>

#include "hookd/util/ascii.hpp"
#include "net/http_types.hpp"

namespace hookd::server {

inline std::string_view field_value(const HttpFields& fields, http::field name) {
  for (const auto& f : fields) {
    if (f.name() == name) return {f.value().data(), f.value().size()};
  }
  return {};
}

// For a name Beast has no enum for (X-Request-Id, X-Forwarded-For).
inline std::string_view field_value(const HttpFields& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (f.name() != http::field::unknown) continue;
    if (util::iequals({f.name_string().data(), f.name_string().size()}, name))
      return {f.value().data(), f.value().size()};
  }
  return {};
}

}  // namespace hookd::server
