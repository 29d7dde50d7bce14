// Sending a component's outgoing request through the embedder's
// "hookd.fetch" (the function a core plugin calls, so its grant, allowlist,
// SSRF guard, deadline and response bounds apply unchanged), and reading
// its answer back as wasi:http values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "component/wasi/decl.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {

inline constexpr std::string_view kFetchFunction = "hookd.fetch";

// The absolute URL of an outgoing request: its scheme (https when none),
// authority and path-with-query ("/" when none; a bare "?query" gets its
// "/"). nullopt without an authority, or with a path that is not
// origin-form.
std::optional<std::string> outgoing_url(const OutgoingRequestObj& request);

// Whether the exchange has its answer, sending the request first when it
// can be: handed to the outgoing handler, and its body finished, dropped
// or never taken. false while the guest still writes the body.
bool settle_exchange(WasiState& st, uint32_t exchange);

// The wasi:http error-code for a failed hookd.fetch, from its error: no
// function (kNotFound), a refused grant, allowlist or address ->
// HTTP-request-denied; a bad URL -> HTTP-request-URI-invalid; DNS ->
// DNS-error; a timeout -> connection-timeout; connect -> connection-refused;
// TLS -> TLS-protocol-error; a response too large -> HTTP-response-body-size
// or HTTP-response-header-section-size; a bad method ->
// HTTP-request-method-invalid; the rest -> internal-error(message).
Value fetch_error_code(const Error& error);

}  // namespace hookd::engine::component::wasi
