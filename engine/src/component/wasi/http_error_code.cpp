// wasi:http/types error-code: its type, and its name for the log.
#include <array>
#include <string>

#include "component/wasi/http_types.hpp"
#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

// error-code's cases, in the WIT's order, and the shape of each payload.
enum class Payload : uint8_t { kNone, kDns, kTls, kOptU64, kOptU32, kFieldSize, kOptFieldSize, kOptString };
struct ErrorCase {
  std::string_view name;
  Payload payload;
};
constexpr std::array<ErrorCase, 39> kErrorCases = {{
    {"DNS-timeout", Payload::kNone},
    {"DNS-error", Payload::kDns},
    {"destination-not-found", Payload::kNone},
    {"destination-unavailable", Payload::kNone},
    {"destination-IP-prohibited", Payload::kNone},
    {"destination-IP-unroutable", Payload::kNone},
    {"connection-refused", Payload::kNone},
    {"connection-terminated", Payload::kNone},
    {"connection-timeout", Payload::kNone},
    {"connection-read-timeout", Payload::kNone},
    {"connection-write-timeout", Payload::kNone},
    {"connection-limit-reached", Payload::kNone},
    {"TLS-protocol-error", Payload::kNone},
    {"TLS-certificate-error", Payload::kNone},
    {"TLS-alert-received", Payload::kTls},
    {"HTTP-request-denied", Payload::kNone},
    {"HTTP-request-length-required", Payload::kNone},
    {"HTTP-request-body-size", Payload::kOptU64},
    {"HTTP-request-method-invalid", Payload::kNone},
    {"HTTP-request-URI-invalid", Payload::kNone},
    {"HTTP-request-URI-too-long", Payload::kNone},
    {"HTTP-request-header-section-size", Payload::kOptU32},
    {"HTTP-request-header-size", Payload::kOptFieldSize},
    {"HTTP-request-trailer-section-size", Payload::kOptU32},
    {"HTTP-request-trailer-size", Payload::kFieldSize},
    {"HTTP-response-incomplete", Payload::kNone},
    {"HTTP-response-header-section-size", Payload::kOptU32},
    {"HTTP-response-header-size", Payload::kFieldSize},
    {"HTTP-response-body-size", Payload::kOptU64},
    {"HTTP-response-trailer-section-size", Payload::kOptU32},
    {"HTTP-response-trailer-size", Payload::kFieldSize},
    {"HTTP-response-transfer-coding", Payload::kOptString},
    {"HTTP-response-content-coding", Payload::kOptString},
    {"HTTP-response-timeout", Payload::kNone},
    {"HTTP-upgrade-failed", Payload::kNone},
    {"HTTP-protocol-error", Payload::kNone},
    {"loop-detected", Payload::kNone},
    {"configuration-error", Payload::kNone},
    {"internal-error", Payload::kOptString},
}};
static_assert(kErrorCases[kDnsError].name == "DNS-error");
static_assert(kErrorCases[kConnectionRefused].name == "connection-refused");
static_assert(kErrorCases[kConnectionTimeout].name == "connection-timeout");
static_assert(kErrorCases[kTlsProtocolError].name == "TLS-protocol-error");
static_assert(kErrorCases[kHttpRequestDenied].name == "HTTP-request-denied");
static_assert(kErrorCases[kHttpRequestBodySize].name == "HTTP-request-body-size");
static_assert(kErrorCases[kHttpRequestMethodInvalid].name == "HTTP-request-method-invalid");
static_assert(kErrorCases[kHttpRequestUriInvalid].name == "HTTP-request-URI-invalid");
static_assert(kErrorCases[kHttpRequestHeaderSectionSize].name == "HTTP-request-header-section-size");
static_assert(kErrorCases[kHttpResponseHeaderSectionSize].name == "HTTP-response-header-section-size");
static_assert(kErrorCases[kHttpResponseBodySize].name == "HTTP-response-body-size");
static_assert(kErrorCases[kInternalError].name == "internal-error");

}  // namespace

TypeId http_error_code_type(Decl& d) {
  const TypeId os = d.option(d.types().string());
  const TypeId o32 = d.option(d.types().u32());
  const TypeId o64 = d.option(d.types().u64());
  const TypeId dns = d.record({"rcode", "info-code"}, {os, d.option(d.types().u16())});
  const TypeId tls = d.record({"alert-id", "alert-message"}, {d.option(d.types().u8()), os});
  const TypeId fsize = d.record({"field-name", "field-size"}, {os, o32});
  const TypeId ofsize = d.option(fsize);
  std::vector<std::string> names;
  std::vector<std::optional<TypeId>> cases;
  for (const ErrorCase& c : kErrorCases) {
    names.emplace_back(c.name);
    switch (c.payload) {
      case Payload::kNone:
        cases.emplace_back(std::nullopt);
        break;
      case Payload::kDns:
        cases.emplace_back(dns);
        break;
      case Payload::kTls:
        cases.emplace_back(tls);
        break;
      case Payload::kOptU64:
        cases.emplace_back(o64);
        break;
      case Payload::kOptU32:
        cases.emplace_back(o32);
        break;
      case Payload::kFieldSize:
        cases.emplace_back(fsize);
        break;
      case Payload::kOptFieldSize:
        cases.emplace_back(ofsize);
        break;
      case Payload::kOptString:
        cases.emplace_back(os);
        break;
    }
  }
  return d.variant(std::move(names), std::move(cases));
}

Value internal_error(std::string_view message) {
  return Value::variant(kInternalError, Value::some(Value::string(guest_text(message))));
}

std::string describe_http_error_code(const Value& code) {
  const uint32_t i = code.case_index();
  std::string out = "error-code " + std::string(i < kErrorCases.size() ? kErrorCases[i].name : "?");
  // internal-error(some(message)): the guest's own words, cut.
  if (i == kInternalError && code.payload() != nullptr && code.payload()->case_index() == 1) {
    out += ": " + std::string(code.payload()->payload()->text().substr(0, 256));
  }
  return out;
}

}  // namespace hookd::engine::component::wasi
