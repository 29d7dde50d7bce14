// A small, engine-independent reader for the parts of a wasm binary hookd
// needs before handing it to an engine: imports and exports with their
// signatures (to link host functions and WASI) and the memory limits (to
// enforce a per-plugin page cap by rewriting the declared maximum).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hookd/engine/result.hpp"

namespace hookd::engine {

enum class ValType : uint8_t { kI32, kI64, kF32, kF64, kOther };

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

enum class ExternKind : uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3, kTag = 4 };

// A global's value type (kOther: a reference or vector type) and mutability.
struct GlobalType {
  ValType type = ValType::kOther;
  bool is_mutable = false;
  bool operator==(const GlobalType&) const = default;
};

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType type;      // for functions
  GlobalType global;  // for globals
};

struct ExportInfo {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType type;      // for functions
  GlobalType global;  // for globals
};

struct MemoryInfo {
  bool defined = false;  // declared in the module (not imported)
  bool imported = false;
  bool shared = false;
  bool memory64 = false;
  uint64_t min_pages = 0;
  std::optional<uint64_t> max_pages;
};

struct ModuleInfo {
  std::vector<ImportInfo> imports;
  std::vector<ExportInfo> exports;
  MemoryInfo memory;

  [[nodiscard]] const ExportInfo* find_export(std::string_view name) const;
};

inline constexpr uint64_t kWasmPageSize = 65536;

// Parses the module's structure. Does not validate code; the engine does.
// A component binary is refused with a message that says it is one.
Result<ModuleInfo> parse_module(std::span<const uint8_t> wasm);

// Whether `wasm` starts like a WebAssembly component (the magic number, then
// version 0x0d and layer 1) rather than a core module (version 1, layer 0).
bool is_component(std::span<const uint8_t> wasm);

// What a plugin module may declare. Every count and size in a module is
// checked against these at load (docs/security/engine.md explains the
// figures: each is far above what clang, Rust, TinyGo or AssemblyScript emit
// for a large plugin, and far below what would let one module make the
// engine allocate without bound).
struct ModuleLimits {
  uint64_t max_module_bytes = 64u << 20;
  uint32_t max_types = 10'000;
  uint32_t max_imports = 1'000;
  uint32_t max_functions = 200'000;  // imported + defined
  uint32_t max_exports = 10'000;
  uint32_t max_globals = 10'000;
  uint32_t max_tables = 16;
  // Initial size of a table; its maximum is rewritten to at most this, so
  // table.grow past it fails inside the plugin.
  uint32_t max_table_elements = 100'000;
  uint32_t max_data_segments = 100'000;
  uint64_t max_data_bytes = 64u << 20;  // all data segments together
  uint32_t max_element_segments = 10'000;
  uint64_t max_element_items = 200'000;  // all element segments together
  uint32_t max_function_body_bytes = 4u << 20;
  uint32_t max_function_locals = 50'000;  // per function
  bool operator==(const ModuleLimits&) const = default;
};

// Checks `wasm` against `limits` and returns a copy whose defined memory has
// maximum min(declared, max_memory_pages) and whose tables have maximum
// min(declared, limits.max_table_elements). A module over a limit is refused
// with kInvalidModule naming the limit and the module's value.
Result<std::vector<uint8_t>> bound_module(std::span<const uint8_t> wasm, const ModuleLimits& limits,
                                          uint64_t max_memory_pages);

// Returns a copy of `wasm` whose defined memory has maximum
// min(declared maximum, max_pages). Fails if the module needs more than
// max_pages initially, or has no memory of its own.
Result<std::vector<uint8_t>> cap_memory_pages(std::span<const uint8_t> wasm, uint64_t max_pages);

}  // namespace hookd::engine
