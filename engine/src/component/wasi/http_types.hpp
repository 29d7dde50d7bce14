// The types of wasi:http/types, shared by its two implementation files and
// by wasi:http/outgoing-handler.
#pragma once

#include <string>
#include <string_view>

#include "component/wasi/decl.hpp"
#include "component/wasi/fields.hpp"

namespace hookd::engine::component::wasi {

class WasiState;

struct HttpTypes {
  TypeId method, scheme, error_code, header_error, bytes, entry, entries, u16, string, duration;
  TypeId fields_own, fields_borrow;
  TypeId unit_result;    // result (no payloads)
  TypeId header_result;  // result<_, header-error>
  TypeId error_result;   // result<_, error-code>
};

HttpTypes declare_http_types(Decl& d);
// outgoing-response, outgoing-body, response-outparam (http_response.cpp).
void declare_response_functions(Decl& d, const HttpTypes& t);
// outgoing-request, request-options, incoming-response,
// future-incoming-response (http_outgoing.cpp).
void declare_outgoing_functions(Decl& d, const HttpTypes& t);
// wasi:http/outgoing-handler.
Result<HostInterface> outgoing_handler_interface();

// error-code's case indexes used by the host.
inline constexpr uint32_t kDnsError = 1;
inline constexpr uint32_t kConnectionRefused = 6;
inline constexpr uint32_t kConnectionTimeout = 8;
inline constexpr uint32_t kTlsProtocolError = 12;
inline constexpr uint32_t kHttpRequestDenied = 15;
inline constexpr uint32_t kHttpRequestBodySize = 17;
inline constexpr uint32_t kHttpRequestMethodInvalid = 18;
inline constexpr uint32_t kHttpRequestUriInvalid = 19;
inline constexpr uint32_t kHttpRequestHeaderSectionSize = 21;
inline constexpr uint32_t kHttpResponseHeaderSectionSize = 26;
inline constexpr uint32_t kHttpResponseBodySize = 28;
inline constexpr uint32_t kInternalError = 38;

// The method's name: a method variant's case ("GET" ...) or other's text.
std::string method_text(const Value& method);

// A new fields resource holding `f`.
Result<Value> new_fields(WasiState& st, Fields f);

// An error-code value: internal-error(some(message)).
Value internal_error(std::string_view message);

}  // namespace hookd::engine::component::wasi
