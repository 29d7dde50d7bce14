// The head of an HTTP/1.x response (status line, fields, blank line) as one
// contiguous string, the bytes Beast's serializer would send. A session
// writes it and the body with one gather write (two iovecs, one sendmsg)
// instead of Beast's serializer, whose buffer sequence costs more to walk
// than the whole head costs to copy (docs/benchmarks.md, issue 13).
#pragma once

#include <string>

#include "http_types.hpp"

namespace hookd::server {

// Replaces `out` with the head of `res` (its buffer is reused). The fields
// are written as they are: a caller that sets a field from outside input
// must have checked it (request ids, content types) as for Beast.
void serialize_head(const HttpResponse& res, std::string& out);

}  // namespace hookd::server
