// Escaping for text that reaches the log from outside: plugin log messages
// (whose bytes a client can choose through a plugin), request targets and
// URLs. A client must not be able to forge log lines, hide text with ANSI
// escape sequences, or break the JSON log format.
#pragma once

#include <string>
#include <string_view>

namespace hookd::server {

// Appends `in` as one line of printable text: backslash, quote, CR, LF and
// tab become \\ \" \r \n \t; other control characters (C0, DEL, and so ESC, which
// starts ANSI sequences) and bytes that are not valid UTF-8 become \xNN; C1
// controls, line and paragraph separators and bidirectional overrides become
// \uNNNN. Valid printable UTF-8 is kept. Never throws except bad_alloc.
void append_log_text(std::string_view in, std::string& out);
std::string escape_log_text(std::string_view in);

// Appends `in` as the contents of a JSON string (no quotes): quote,
// backslash and control characters escaped, U+2028/U+2029 as \u2028/\u2029,
// and bytes that are not valid UTF-8 as the six characters \\xNN, so the
// result is always valid JSON in UTF-8.
void append_json_string(std::string_view in, std::string& out);

// `url` (or a request target) without its query string and fragment, which
// may carry tokens and keys.
std::string_view without_query(std::string_view url);

}  // namespace hookd::server
