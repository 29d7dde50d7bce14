// wasi:http/types' error-code (WASI 0.2.x) as a canonical type, with the
// payload record its field-size cases carry: the largest variant a wasi:http
// host declares, for the canonical ABI's tests (layout, lifting and
// lowering, type matching) and the component runtime's fake hosts.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "component/canonical/value_type.hpp"

namespace hookd::test {

struct WasiHttpErrorCode {
  engine::canonical::TypeId type = 0;
  engine::canonical::TypeId field_size_payload = 0;  // the field-size record
};

inline WasiHttpErrorCode wasi_http_error_code(engine::canonical::TypeArena& a) {
  using engine::canonical::TypeId;
  const auto ok = [](engine::Result<TypeId> t) {
    EXPECT_TRUE(t.has_value()) << (t.has_value() ? "" : t.error().message);
    return t ? *t : TypeId{0};
  };
  const TypeId opt_string = ok(a.option(a.string()));
  const TypeId opt_u8 = ok(a.option(a.u8()));
  const TypeId opt_u16 = ok(a.option(a.u16()));
  const TypeId opt_u32 = ok(a.option(a.u32()));
  const TypeId opt_u64 = ok(a.option(a.u64()));
  const TypeId dns = ok(a.record({"rcode", "info-code"}, {opt_string, opt_u16}));
  const TypeId tls = ok(a.record({"alert-id", "alert-message"}, {opt_u8, opt_string}));
  const TypeId field_size = ok(a.record({"field-name", "field-size"}, {opt_string, opt_u32}));
  const TypeId opt_field_size = ok(a.option(field_size));
  std::vector<std::pair<std::string, std::optional<TypeId>>> cases = {
      {"DNS-timeout", {}},
      {"DNS-error", dns},
      {"destination-not-found", {}},
      {"destination-unavailable", {}},
      {"destination-IP-prohibited", {}},
      {"destination-IP-unroutable", {}},
      {"connection-refused", {}},
      {"connection-terminated", {}},
      {"connection-timeout", {}},
      {"connection-read-timeout", {}},
      {"connection-write-timeout", {}},
      {"connection-limit-reached", {}},
      {"TLS-protocol-error", {}},
      {"TLS-certificate-error", {}},
      {"TLS-alert-received", tls},
      {"HTTP-request-denied", {}},
      {"HTTP-request-length-required", {}},
      {"HTTP-request-body-size", opt_u64},
      {"HTTP-request-method-invalid", {}},
      {"HTTP-request-URI-invalid", {}},
      {"HTTP-request-URI-too-long", {}},
      {"HTTP-request-header-section-size", opt_u32},
      {"HTTP-request-header-size", opt_field_size},
      {"HTTP-request-trailer-section-size", opt_u32},
      {"HTTP-request-trailer-size", field_size},
      {"HTTP-response-incomplete", {}},
      {"HTTP-response-header-section-size", opt_u32},
      {"HTTP-response-header-size", field_size},
      {"HTTP-response-body-size", opt_u64},
      {"HTTP-response-trailer-section-size", opt_u32},
      {"HTTP-response-trailer-size", field_size},
      {"HTTP-response-transfer-coding", opt_string},
      {"HTTP-response-content-coding", opt_string},
      {"HTTP-response-timeout", {}},
      {"HTTP-upgrade-failed", {}},
      {"HTTP-protocol-error", {}},
      {"loop-detected", {}},
      {"configuration-error", {}},
      {"internal-error", opt_string},
  };
  std::vector<std::string> names;
  std::vector<std::optional<TypeId>> payloads;
  for (auto& [name, payload] : cases) {
    names.push_back(name);
    payloads.push_back(payload);
  }
  return {ok(a.variant(std::move(names), std::move(payloads))), field_size};
}

}  // namespace hookd::test
