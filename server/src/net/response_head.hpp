// The head of an HTTP/1.x response (status line, fields, blank line) as one
// contiguous string, the bytes Beast's serializer would send. A session
// writes it and the body with one gather write (two iovecs, one sendmsg)
// instead of Beast's serializer, whose buffer sequence costs more to walk
// than the whole head costs to copy (a perf profile of the echo path, docs/benchmarks.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace hookd::server {

// The reason phrase sent for a status: the registered phrase where there is
// one (Beast's table, plus the registered codes it lacks, such as 418 and
// 425), else the phrase of the status's class ("Client Error" for an
// unregistered 4xx). Plugins may answer any status from 100 to 599, and a
// status line never carries Beast's "<unknown-status>" placeholder.
std::string_view status_reason(unsigned status);

// Replaces `out` with the head of `res` (its buffer is reused). The fields
// are written as they are: a caller that sets a field from outside input
// must have checked it (request ids, content types) as for Beast.
void serialize_head(const HttpResponse& res, std::string& out);

// A plugin call's answer, which needs no fields container: the fields
// HttpSession sets for it, in the order it sets them (Content-Type,
// Retry-After, X-Hookd-Version, X-Request-Id, Connection, Content-Length). serialize_call_head
// writes the same bytes as serialize_head of the HttpResponse built from
// them (tests/server/response_head_test.cpp), without building it: on the
// echo benchmark the response's fields were a tenth of hookd's user time.
struct CallHead {
  unsigned version = 11;
  http::status status = http::status::ok;
  std::string_view content_type;  // a media type hookd chose, never client input
  bool retry_after = false;       // "Retry-After: 1"
  std::string_view request_id;    // checked (acceptable_request_id) or generated
  bool keep_alive = true;
  std::size_t content_length = 0;
  // The upload version that served, when server.version_header asks for
  // it (docs/releases.md); empty: no X-Hookd-Version field (written after
  // Retry-After).
  std::string_view served_version;
};

// Whether a status takes a Content-Length (not 1xx, 204 or 304: Beast's
// prepare_payload gives those none), so serialize_call_head can write it.
bool call_head_applies(http::status status);

// Replaces `out` with the head (its buffer is reused). Requires
// call_head_applies(head.status).
void serialize_call_head(const CallHead& head, std::string& out);

}  // namespace hookd::server
