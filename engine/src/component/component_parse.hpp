// Parsing a WebAssembly component binary (component model, binary version
// 0x0d, layer 1) into the model of component_model.hpp, and the summary of
// its imports and exports that a loader prints.
//
// The input is hostile: every count, name, depth and the total number of
// items are bounded by ComponentLimits, nothing is allocated from a count
// before it is checked against the bytes left, and every index is checked
// against its index space when read. Errors are kInvalidModule with the byte
// offset. The parser does not type-check (instantiate args against a
// component's imports, export aliases against an instance's exports, the
// canonical ABI's rules for lift/lower types): that needs the types
// resolved, which is the linker's step.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component_model.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::engine::component {

struct ComponentLimits {
  uint64_t max_bytes = 64u << 20;
  uint32_t max_section_items = 100'000;  // items of one vec
  uint64_t max_total_items = 1'000'000;  // vec items in the whole binary, nested parts included
  uint32_t max_component_depth = 8;      // nested component sections
  uint32_t max_type_depth = 16;          // component/instance/module types inside each other
  uint32_t max_name_bytes = 4096;
  // hookd runs the synchronous (WASI 0.2) ABI: async functions, stream,
  // future and error-context types, async canon options and the async and
  // thread built-ins are refused unless this is set (they are parsed
  // either way).
  bool allow_async = false;
};

Result<Component> parse_component(std::span<const uint8_t> bytes, const ComponentLimits& limits = {});

// What a component imports and exports, for a loader's messages:
// "import instance wasi:http/types@0.2.0 (type 3)".
struct ComponentSummary {
  struct Entry {
    std::string name;
    ExternKind kind = ExternKind::kInstance;
    // Imports: the externtype's type index. Exports: the ascribed type's
    // index, if the export has one.
    std::optional<uint32_t> type_index;
    // Exports: the index of what is exported, in its sort's index space.
    std::optional<uint32_t> index;
    NameForm form = NameForm::kPlain;
    std::string interface_id;  // "wasi:http/types" for interface names, else empty
    std::string version;
  };
  std::vector<Entry> imports;
  std::vector<Entry> exports;

  // One line per entry: "import instance wasi:http/types@0.2.0 (type 3)",
  // "export func handle (func 1, type 2)".
  [[nodiscard]] std::string describe() const;
};

ComponentSummary summarize(const Component& component);

}  // namespace hookd::engine::component
