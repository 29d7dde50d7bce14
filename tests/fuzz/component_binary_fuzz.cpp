// The component binary parser (engine/src/component). Properties: no crash,
// no unbounded allocation (the limits hold: libFuzzer's -rss_limit_mb and
// -malloc_limit_mb catch the rest); a component that parses has a
// consistent model (every index space entry names an existing definition,
// every core module and nested component lies inside the input, every
// section's items exist); allowing the async extensions never refuses a
// component the synchronous parse accepts; the summary prints.
#include "component_parse.hpp"
#include "fuzz_check.hpp"

using hookd::fuzz::check;
using namespace hookd::engine::component;

namespace {

size_t definitions(const Component& c, Origin origin) {
  switch (origin) {
    case Origin::kImport:
      return c.imports.size();
    case Origin::kExport:
      return c.exports.size();
    case Origin::kAlias:
      return c.aliases.size();
    case Origin::kCanon:
      return c.canons.size();
    case Origin::kCoreModule:
      return c.core_modules.size();
    case Origin::kCoreInstance:
      return c.core_instances.size();
    case Origin::kCoreType:
      return c.core_types.size();
    case Origin::kComponent:
      return c.components.size();
    case Origin::kInstance:
      return c.instances.size();
    case Origin::kType:
      return c.types.size();
    case Origin::kStart:
      return c.starts.size();
  }
  return 0;
}

size_t section_items(const Component& c, uint8_t id) {
  switch (id) {
    case 0:
      return c.custom_sections.size();
    case 1:
      return c.core_modules.size();
    case 2:
      return c.core_instances.size();
    case 3:
      return c.core_types.size();
    case 4:
      return c.components.size();
    case 5:
      return c.instances.size();
    case 6:
      return c.aliases.size();
    case 7:
      return c.types.size();
    case 8:
      return c.canons.size();
    case 9:
      return c.starts.size();
    case 10:
      return c.imports.size();
    case 11:
      return c.exports.size();
    default:
      return 0;
  }
}

void check_model(const Component& c, size_t input_size) {
  check(c.offset + c.size <= input_size, "a component lies outside the input");
  for (const auto& space : c.spaces.entries) {
    for (const IndexEntry& e : space)
      check(e.item < definitions(c, e.origin), "an index names a missing definition");
  }
  for (const CoreModule& m : c.core_modules) {
    check(m.offset >= c.offset && m.offset + m.size <= c.offset + c.size,
          "a core module lies outside its component");
  }
  for (const SectionInfo& s : c.sections) {
    check(s.offset >= c.offset && s.offset + s.size <= c.offset + c.size,
          "a section lies outside its component");
    check(static_cast<size_t>(s.first) + s.count <= section_items(c, s.id), "a section's items are missing");
  }
  for (const Canon& k : c.canons) check(!canon_name(k.op).empty(), "a canon has an unknown opcode");
  for (const Component& nested : c.components) check_model(nested, input_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto strict = parse_component(bytes);
  ComponentLimits allow;
  allow.allow_async = true;
  auto relaxed = parse_component(bytes, allow);
  if (!strict) {
    check(!strict.error().message.empty(), "an error without a message");
    return 0;
  }
  check(relaxed.has_value(), "allowing async refuses a component the synchronous parse accepts");
  check_model(*strict, size);
  check(relaxed->spaces.entries == strict->spaces.entries, "allowing async changes the index spaces");
  const ComponentSummary summary = summarize(*strict);
  check(summary.imports.size() == strict->imports.size() && summary.exports.size() == strict->exports.size(),
        "the summary lost an import or export");
  (void)summary.describe();
  return 0;
}
