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

struct ImportInfo {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType type;  // for functions
};

struct ExportInfo {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType type;  // for functions
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
Result<ModuleInfo> parse_module(std::span<const uint8_t> wasm);

// Returns a copy of `wasm` whose defined memory has maximum
// min(declared maximum, max_pages). Fails if the module needs more than
// max_pages initially, or has no memory of its own.
Result<std::vector<uint8_t>> cap_memory_pages(std::span<const uint8_t> wasm, uint64_t max_pages);

}  // namespace hookd::engine
