// Import/export names and labels of the component model (Explainer.md,
// "Import and Export Definitions"): kebab-case labels, the [constructor],
// [method] and [static] annotations, and interface names with an optional
// version (wasi:http/types@0.2.0).
#pragma once

#include <string>
#include <string_view>

#include "component_model.hpp"

namespace hookd::engine::component {

// label ::= first-fragment ('-' fragment)*; a fragment is all lower-case
// letters and digits, or all upper-case letters and digits, and the first
// starts with a letter.
bool valid_label(std::string_view s);

// Splits `text` into `out` (which keeps `text`). On a malformed name returns
// false and sets `why`.
bool parse_extern_name(std::string text, ExternName& out, std::string& why);

}  // namespace hookd::engine::component
