// The wasm module reader and the memory-cap rewriter. Properties: no crash;
// a module the rewriter accepts parses again, with the same imports and
// exports, the same initial size and a maximum within the cap.
#include "fuzz_check.hpp"
#include "hookd/engine/wasm_binary.hpp"

using hookd::fuzz::check;
using namespace hookd::engine;

namespace {

bool same_shape(const ModuleInfo& a, const ModuleInfo& b) {
  if (a.imports.size() != b.imports.size() || a.exports.size() != b.exports.size()) return false;
  for (size_t i = 0; i < a.imports.size(); ++i) {
    const auto &x = a.imports[i], &y = b.imports[i];
    if (x.module != y.module || x.name != y.name || x.kind != y.kind || !(x.type == y.type)) return false;
  }
  for (size_t i = 0; i < a.exports.size(); ++i) {
    const auto &x = a.exports[i], &y = b.exports[i];
    if (x.name != y.name || x.kind != y.kind || !(x.type == y.type)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> wasm(data, size);
  auto info = parse_module(wasm);
  for (const uint64_t cap : {uint64_t{1}, uint64_t{256}, uint64_t{65536}}) {
    auto capped = cap_memory_pages(wasm, cap);
    if (!capped) continue;
    check(info.has_value(), "cap_memory_pages accepted a module parse_module refuses");
    auto again = parse_module(*capped);
    check(again.has_value(), "a module rewritten by cap_memory_pages does not parse");
    check(same_shape(*info, *again), "cap_memory_pages changed imports or exports");
    check(again->memory.defined, "the rewritten module lost its memory");
    check(again->memory.min_pages == info->memory.min_pages, "cap_memory_pages changed the initial size");
    check(again->memory.max_pages && *again->memory.max_pages <= cap,
          "the rewritten maximum exceeds the cap");
    auto twice = cap_memory_pages(*capped, cap);
    check(twice && *twice == *capped, "cap_memory_pages is not idempotent");
  }
  return 0;
}
