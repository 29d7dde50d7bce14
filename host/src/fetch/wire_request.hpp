// Turns a caller's FetchRequest into what goes on the wire for one hop, and
// rewrites it for a redirect. Pure functions, no I/O.
#pragma once

#include <expected>
#include <string_view>

#include "fetch/connection.hpp"
#include "fetch/fetch_url.hpp"
#include "hookd/host/fetch.hpp"

namespace hookd::host::fetch {

/// kProtocol when the method is not an HTTP token or a header name/value
/// could split the request (CR, LF, NUL). Drops Host, Content-Length and
/// hop-by-hop headers; sets Host from `target`.
std::expected<WireRequest, FetchError> make_wire_request(const FetchRequest& request,
                                                         const FetchTarget& target);

/// The request to send after a `status` redirect from `from` to `to`: 303
/// (and 301/302 after POST) become a GET without body; credentials are not
/// carried to another origin.
FetchRequest redirected_request(const FetchRequest& request, int status, const FetchTarget& from,
                                const FetchTarget& to);

/// Methods that may be sent again when a pooled connection turns out dead.
bool is_idempotent(std::string_view method);

bool is_redirect(int status);

}  // namespace hookd::host::fetch
