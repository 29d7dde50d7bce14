// Load-time bounds on everything a module declares (ModuleLimits): counts,
// segment sizes, function bodies and locals, and the growth of its memory
// and tables, which are capped by rewriting their declared maxima.
#include <algorithm>
#include <optional>

#include "hookd/engine/wasm_binary.hpp"
#include "wasm_reader.hpp"

namespace hookd::engine {
namespace {

using wasm::Reader;
using wasm::Section;
using wasm::skip_const_expr;

std::unexpected<Error> over(std::string_view limit, uint64_t value, uint64_t max, std::string_view what) {
  return fail(ErrorKind::kInvalidModule, "module exceeds " + std::string(limit) + ": " +
                                             std::to_string(value) + " " + std::string(what) +
                                             ", the limit is " + std::to_string(max));
}

struct TableDecl {
  uint8_t reftype = 0;
  uint32_t min = 0;
  std::optional<uint32_t> max;
};

bool read_table(Reader& r, TableDecl& t) {
  uint8_t flags = 0;
  if (!r.u8(t.reftype) || !r.u8(flags) || flags > 1 || !r.u32(t.min)) return false;
  if (flags == 1) {
    uint32_t max = 0;
    if (!r.u32(max)) return false;
    t.max = max;
  }
  return true;
}

// Walks one section, checking it against `limits`; tables are collected
// for the rewrite.
class LimitChecker {
 public:
  LimitChecker(const ModuleLimits& limits, const ModuleInfo& info) : limits_(limits) {
    for (const ImportInfo& imp : info.imports) {
      if (imp.kind == ExternKind::kFunc) ++functions_;
      if (imp.kind == ExternKind::kTable) ++tables_;
      if (imp.kind == ExternKind::kGlobal) ++globals_;
    }
  }

  Result<void> check(uint8_t id, Reader r) {
    switch (id) {
      case wasm::kTypeSection:
        return count(r, limits_.max_types, "max_types", "types", "type section");
      case wasm::kImportSection:
        return count(r, limits_.max_imports, "max_imports", "imports", "import section");
      case wasm::kExportSection:
        return count(r, limits_.max_exports, "max_exports", "exports", "export section");
      case wasm::kFunctionSection:
        return functions(r);
      case wasm::kGlobalSection:
        return globals(r);
      case wasm::kTableSection:
        return tables(r);
      case wasm::kElementSection:
        return elements(r);
      case wasm::kCodeSection:
        return code(r);
      case wasm::kDataSection:
        return data(r);
      default:
        return {};
    }
  }

  [[nodiscard]] const std::vector<TableDecl>& declared_tables() const { return declared_tables_; }

 private:
  static Result<void> count(Reader& r, uint32_t max, std::string_view limit, std::string_view what,
                            std::string_view section) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed(section);
    if (n > max) return over(limit, n, max, what);
    return {};
  }

  Result<void> functions(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("function section");
    functions_ += n;
    if (functions_ > limits_.max_functions) {
      return over("max_functions", functions_, limits_.max_functions, "functions (imported and defined)");
    }
    return {};
  }

  Result<void> globals(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("global section");
    globals_ += n;
    if (globals_ > limits_.max_globals) return over("max_globals", globals_, limits_.max_globals, "globals");
    return {};
  }

  Result<void> tables(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("table section");
    tables_ += n;
    if (tables_ > limits_.max_tables) return over("max_tables", tables_, limits_.max_tables, "tables");
    for (uint32_t i = 0; i < n; ++i) {
      TableDecl t;
      if (!read_table(r, t)) return wasm::malformed("table section");
      if (t.min > limits_.max_table_elements) {
        return over("max_table_elements", t.min, limits_.max_table_elements, "initial elements in a table");
      }
      declared_tables_.push_back(t);
    }
    return {};
  }

  Result<void> elements(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("element section");
    if (n > limits_.max_element_segments) {
      return over("max_element_segments", n, limits_.max_element_segments, "element segments");
    }
    uint64_t items = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t flags = 0;
      uint32_t idx = 0;
      uint8_t kind = 0;
      if (!r.u32(flags) || flags > 7) return wasm::malformed("element segment");
      const bool active = (flags & 1) == 0;
      const bool explicit_table = (flags & 2) != 0 && active;
      const bool exprs = (flags & 4) != 0;
      if (explicit_table && !r.u32(idx)) return wasm::malformed("element segment table");
      if (active && !skip_const_expr(r)) return wasm::malformed("element segment offset");
      if ((flags & 3) != 0 && !r.u8(kind)) return wasm::malformed("element segment kind");
      uint32_t count = 0;
      if (!r.u32(count)) return wasm::malformed("element segment");
      items += count;
      if (items > limits_.max_element_items) {
        return over("max_element_items", items, limits_.max_element_items, "element segment items");
      }
      for (uint32_t j = 0; j < count; ++j) {
        if (exprs ? !skip_const_expr(r) : !r.u32(idx)) return wasm::malformed("element segment item");
      }
    }
    return {};
  }

  Result<void> code(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("code section");
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t size = 0;
      if (!r.u32(size) || size > r.remaining()) return wasm::malformed("function body");
      if (size > limits_.max_function_body_bytes) {
        return over("max_function_body_bytes", size, limits_.max_function_body_bytes,
                    "bytes in a function body");
      }
      const size_t end = r.pos() + size;
      uint32_t decls = 0;
      if (!r.u32(decls)) return wasm::malformed("function locals");
      uint64_t locals = 0;
      for (uint32_t j = 0; j < decls; ++j) {
        uint32_t count = 0;
        uint8_t type = 0;
        if (!r.u32(count) || !r.u8(type)) return wasm::malformed("function locals");
        locals += count;
        if (locals > limits_.max_function_locals) {
          return over("max_function_locals", locals, limits_.max_function_locals, "locals in a function");
        }
      }
      if (r.pos() > end || !r.skip(end - r.pos())) return wasm::malformed("function body");
    }
    return {};
  }

  Result<void> data(Reader& r) {
    uint32_t n = 0;
    if (!r.u32(n)) return wasm::malformed("data section");
    if (n > limits_.max_data_segments)
      return over("max_data_segments", n, limits_.max_data_segments, "data segments");
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t flags = 0;
      uint32_t idx = 0;
      uint32_t len = 0;
      if (!r.u32(flags) || flags > 2) return wasm::malformed("data segment");
      if (flags == 2 && !r.u32(idx)) return wasm::malformed("data segment memory");
      if (flags != 1 && !skip_const_expr(r)) return wasm::malformed("data segment offset");
      if (!r.u32(len) || !r.skip(len)) return wasm::malformed("data segment");
      bytes += len;
      if (bytes > limits_.max_data_bytes)
        return over("max_data_bytes", bytes, limits_.max_data_bytes, "bytes of data segments");
    }
    return {};
  }

  const ModuleLimits& limits_;
  uint64_t functions_ = 0;
  uint64_t tables_ = 0;
  uint64_t globals_ = 0;
  std::vector<TableDecl> declared_tables_;
};

std::vector<uint8_t> capped_table_section(const std::vector<TableDecl>& tables, uint32_t cap) {
  std::vector<uint8_t> body;
  wasm::put_leb(body, tables.size());
  for (const TableDecl& t : tables) {
    body.push_back(t.reftype);
    body.push_back(0x01);  // limits with a maximum
    wasm::put_leb(body, t.min);
    wasm::put_leb(body, t.max ? std::min(*t.max, cap) : cap);
  }
  return body;
}

}  // namespace

Result<std::vector<uint8_t>> bound_module(std::span<const uint8_t> wasm, const ModuleLimits& limits,
                                          uint64_t max_memory_pages) {
  if (wasm.size() > limits.max_module_bytes)
    return over("max_module_bytes", wasm.size(), limits.max_module_bytes, "bytes");
  auto info = parse_module(wasm);
  if (!info) return std::unexpected(info.error());
  auto capped = cap_memory_pages(wasm, max_memory_pages);
  if (!capped) return std::unexpected(capped.error());
  const std::span<const uint8_t> module(*capped);
  auto sections = wasm::split_sections(module);
  if (!sections) return std::unexpected(sections.error());

  LimitChecker checker(limits, *info);
  std::vector<uint8_t> out(module.begin(), module.begin() + 8);
  out.reserve(module.size() + 16);
  for (const Section& s : *sections) {
    if (auto r = checker.check(s.id, Reader(module.subspan(s.body, s.size))); !r)
      return std::unexpected(r.error());
    if (s.id != wasm::kTableSection) {
      out.insert(out.end(), module.begin() + static_cast<std::ptrdiff_t>(s.start),
                 module.begin() + static_cast<std::ptrdiff_t>(s.body + s.size));
      continue;
    }
    const std::vector<uint8_t> body =
        capped_table_section(checker.declared_tables(), limits.max_table_elements);
    out.push_back(wasm::kTableSection);
    wasm::put_leb(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
  }
  return out;
}

}  // namespace hookd::engine
