#include "hookd/engine/wasm_binary.hpp"

#include <algorithm>
#include <cstring>

#include "wasm_reader.hpp"

namespace hookd::engine {
namespace wasm {

Result<std::vector<Section>> split_sections(std::span<const uint8_t> wasm) {
  static constexpr uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (wasm.size() < 8 || std::memcmp(wasm.data(), kHeader, 4) != 0) {
    return fail(ErrorKind::kInvalidModule, "not a WebAssembly module (bad magic number)");
  }
  if (is_component(wasm)) {
    return fail(ErrorKind::kInvalidModule,
                "this is a WebAssembly component, not a core module (it needs the component loader)");
  }
  if (std::memcmp(wasm.data() + 4, kHeader + 4, 4) != 0) {
    return fail(ErrorKind::kInvalidModule, "unsupported WebAssembly binary version");
  }
  std::vector<Section> out;
  Reader r(wasm.subspan(8));
  while (r.remaining() > 0) {
    Section s{};
    s.start = 8 + r.pos();
    uint32_t size = 0;
    if (!r.u8(s.id) || !r.u32(size)) return malformed("truncated section header");
    s.body = 8 + r.pos();
    s.size = size;
    if (!r.skip(size)) return malformed("section extends past the end of the module");
    out.push_back(s);
  }
  return out;
}

std::unexpected<Error> malformed(std::string_view what) {
  return fail(ErrorKind::kInvalidModule, "malformed wasm module: " + std::string(what));
}

void put_leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
}

bool skip_const_expr(Reader& r) {
  for (int ops = 0; ops < 64; ++ops) {  // a constant expression is a few instructions
    uint8_t op = 0;
    if (!r.u8(op)) return false;
    uint32_t idx = 0;
    uint8_t b = 0;
    switch (op) {
      case 0x0b:
        return true;  // end
      case 0x41:
        if (!r.skip_sleb(32)) return false;
        break;  // i32.const
      case 0x42:
        if (!r.skip_sleb(64)) return false;
        break;  // i64.const
      case 0x43:
        if (!r.skip(4)) return false;
        break;  // f32.const
      case 0x44:
        if (!r.skip(8)) return false;
        break;    // f64.const
      case 0x23:  // global.get
      case 0xd2:  // ref.func
        if (!r.u32(idx)) return false;
        break;
      case 0xd0:
        if (!r.u8(b)) return false;
        break;  // ref.null <heap type>
      case 0x6a:
      case 0x6b:
      case 0x6c:  // extended-const i32 add/sub/mul
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break;  // ... and i64
      default:
        return false;
    }
  }
  return false;
}

}  // namespace wasm

namespace {

using namespace wasm;  // NOLINT(google-build-using-namespace): this file is the reader's home

ValType to_valtype(uint8_t code) {
  switch (code) {
    case 0x7f:
      return ValType::kI32;
    case 0x7e:
      return ValType::kI64;
    case 0x7d:
      return ValType::kF32;
    case 0x7c:
      return ValType::kF64;
    default:
      return ValType::kOther;
  }
}

bool read_global_type(Reader& r, GlobalType& g) {
  uint8_t type = 0;
  uint8_t mut = 0;
  if (!r.u8(type) || !r.u8(mut) || mut > 1) return false;
  g.type = to_valtype(type);
  g.is_mutable = mut == 1;
  return true;
}

bool read_limits(Reader& r, MemoryInfo& mem) {
  uint8_t flags = 0;
  if (!r.u8(flags) || flags > 7) return false;
  mem.shared = (flags & 2) != 0;
  mem.memory64 = (flags & 4) != 0;
  const int bits = mem.memory64 ? 64 : 32;
  uint64_t min = 0;
  if (!r.leb(min, bits)) return false;
  mem.min_pages = min;
  if (flags & 1) {
    uint64_t max = 0;
    if (!r.leb(max, bits)) return false;
    mem.max_pages = max;
  }
  return true;
}

}  // namespace

bool is_component(std::span<const uint8_t> wasm) {
  static constexpr uint8_t kComponentHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  return wasm.size() >= 8 && std::memcmp(wasm.data(), kComponentHeader, 8) == 0;
}

const ExportInfo* ModuleInfo::find_export(std::string_view name) const {
  for (const auto& e : exports) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Result<ModuleInfo> parse_module(std::span<const uint8_t> wasm) {
  auto sections = split_sections(wasm);
  if (!sections) return std::unexpected(sections.error());

  ModuleInfo info;
  std::vector<FuncType> types;
  std::vector<uint32_t> func_types;  // type index per function index
  std::vector<GlobalType> globals;   // per global index, imported first
  struct RawExport {
    std::string name;
    ExternKind kind;
    uint32_t index;
  };
  std::vector<RawExport> raw_exports;

  for (const Section& s : *sections) {
    Reader r(wasm.subspan(s.body, s.size));
    uint32_t count = 0;
    switch (s.id) {
      case kTypeSection:
        if (!r.u32(count)) return malformed("type section");
        for (uint32_t i = 0; i < count; ++i) {
          uint8_t form = 0;
          uint32_t n = 0;
          FuncType ft;
          if (!r.u8(form) || form != 0x60 || !r.u32(n)) return malformed("type section");
          for (uint32_t j = 0; j < n; ++j) {
            uint8_t v = 0;
            if (!r.u8(v)) return malformed("type section");
            ft.params.push_back(to_valtype(v));
          }
          if (!r.u32(n)) return malformed("type section");
          for (uint32_t j = 0; j < n; ++j) {
            uint8_t v = 0;
            if (!r.u8(v)) return malformed("type section");
            ft.results.push_back(to_valtype(v));
          }
          types.push_back(std::move(ft));
        }
        break;
      case kImportSection:
        if (!r.u32(count)) return malformed("import section");
        for (uint32_t i = 0; i < count; ++i) {
          ImportInfo imp;
          uint8_t kind = 0;
          if (!r.name(imp.module) || !r.name(imp.name) || !r.u8(kind) || kind > 4) {
            return malformed("import section");
          }
          imp.kind = static_cast<ExternKind>(kind);
          uint32_t idx = 0;
          uint8_t b = 0;
          MemoryInfo limits;
          switch (imp.kind) {
            case ExternKind::kFunc:
              if (!r.u32(idx) || idx >= types.size()) return malformed("import type index");
              imp.type = types[idx];
              func_types.push_back(idx);
              break;
            case ExternKind::kTable:
              if (!r.u8(b) || !read_limits(r, limits)) return malformed("import table");
              break;
            case ExternKind::kMemory:
              if (!read_limits(r, limits)) return malformed("import memory");
              info.memory = limits;
              info.memory.imported = true;
              break;
            case ExternKind::kGlobal:
              if (!read_global_type(r, imp.global)) return malformed("import global");
              globals.push_back(imp.global);
              break;
            case ExternKind::kTag:
              if (!r.u8(b) || !r.u32(idx)) return malformed("import tag");
              break;
          }
          info.imports.push_back(std::move(imp));
        }
        break;
      case kFunctionSection:
        if (!r.u32(count)) return malformed("function section");
        for (uint32_t i = 0; i < count; ++i) {
          uint32_t idx = 0;
          if (!r.u32(idx) || idx >= types.size()) return malformed("function type index");
          func_types.push_back(idx);
        }
        break;
      case kMemorySection:
        if (!r.u32(count) || count > 1) return malformed("memory section (at most one memory)");
        if (count == 1) {
          if (!read_limits(r, info.memory)) return malformed("memory limits");
          info.memory.defined = true;
        }
        break;
      case kGlobalSection:
        if (!r.u32(count)) return malformed("global section");
        for (uint32_t i = 0; i < count; ++i) {
          GlobalType g;
          if (!read_global_type(r, g) || !skip_const_expr(r)) return malformed("global section");
          globals.push_back(g);
        }
        break;
      case kExportSection:
        if (!r.u32(count)) return malformed("export section");
        for (uint32_t i = 0; i < count; ++i) {
          RawExport e;
          uint8_t kind = 0;
          if (!r.name(e.name) || !r.u8(kind) || kind > 4 || !r.u32(e.index)) {
            return malformed("export section");
          }
          e.kind = static_cast<ExternKind>(kind);
          raw_exports.push_back(std::move(e));
        }
        break;
      default:
        break;  // code, data, custom ...: the engine validates them
    }
  }
  for (auto& e : raw_exports) {
    ExportInfo out{std::move(e.name), e.kind, {}};
    if (e.kind == ExternKind::kFunc) {
      if (e.index >= func_types.size()) return malformed("export of unknown function");
      out.type = types[func_types[e.index]];
    } else if (e.kind == ExternKind::kGlobal) {
      if (e.index >= globals.size()) return malformed("export of unknown global");
      out.global = globals[e.index];
    }
    info.exports.push_back(std::move(out));
  }
  return info;
}

Result<std::vector<uint8_t>> cap_memory_pages(std::span<const uint8_t> wasm, uint64_t max_pages) {
  auto info = parse_module(wasm);
  if (!info) return std::unexpected(info.error());
  const MemoryInfo& mem = info->memory;
  if (!mem.defined) {
    return fail(ErrorKind::kInvalidModule,
                mem.imported ? "plugin imports its memory; hookd plugins must define their own"
                             : "plugin has no linear memory");
  }
  if (mem.shared || mem.memory64) {
    return fail(ErrorKind::kInvalidModule, "shared and 64-bit memories are not supported");
  }
  if (mem.min_pages > max_pages) {
    return fail(ErrorKind::kInvalidArgument, "plugin needs " + std::to_string(mem.min_pages) +
                                                 " memory pages at start, its limit is " +
                                                 std::to_string(max_pages));
  }
  const uint64_t cap = mem.max_pages ? std::min(*mem.max_pages, max_pages) : max_pages;

  auto sections = split_sections(wasm);
  std::vector<uint8_t> out(wasm.begin(), wasm.begin() + 8);
  out.reserve(wasm.size() + 8);
  for (const Section& s : *sections) {
    if (s.id != kMemorySection) {
      out.insert(out.end(), wasm.begin() + s.start, wasm.begin() + s.body + s.size);
      continue;
    }
    std::vector<uint8_t> body;
    put_leb(body, 1);
    body.push_back(0x01);  // limits with a maximum
    put_leb(body, mem.min_pages);
    put_leb(body, cap);
    out.push_back(kMemorySection);
    put_leb(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
  }
  return out;
}

}  // namespace hookd::engine
