// Component binaries assembled byte by byte for the component parser's tests
// and fuzz seeds: sections, LEB128 integers, names, nested core modules and
// components, each item as Binary.md encodes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "wasm_builder.hpp"

namespace hookd::test::component {

using hookd::test::Bytes;

inline Bytes u32(uint64_t v) {
  Bytes b;
  put_leb(b, v);
  return b;
}
inline Bytes name(const std::string& s) {
  Bytes b;
  put_name(b, s);
  return b;
}
// A vec: the count, then the items.
inline Bytes vec(const std::vector<Bytes>& items) {
  Bytes b = u32(items.size());
  for (const Bytes& i : items) b.insert(b.end(), i.begin(), i.end());
  return b;
}
inline Bytes join(std::initializer_list<Bytes> parts) { return cat(parts); }

inline const Bytes kComponentHeader = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
inline const Bytes kModuleHeader = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

// Section ids.
enum : uint8_t {
  kCustom = 0,
  kCoreModule = 1,
  kCoreInstance = 2,
  kCoreType = 3,
  kComponentSec = 4,
  kInstance = 5,
  kAlias = 6,
  kType = 7,
  kCanon = 8,
  kStart = 9,
  kImport = 10,
  kExport = 11,
  kValue = 12,
};

struct Builder {
  Bytes bytes = kComponentHeader;

  Builder& section(uint8_t id, const Bytes& body) {
    put_section(bytes, id, body);
    return *this;
  }
  Builder& items(uint8_t id, const std::vector<Bytes>& list) { return section(id, vec(list)); }
  Builder& core_module(const Bytes& module = kModuleHeader) { return section(kCoreModule, module); }
  Builder& component(const Bytes& nested) { return section(kComponentSec, nested); }
  Builder& custom(const std::string& n, const Bytes& contents) {
    return section(kCustom, cat({name(n), contents}));
  }
};

// ---- sorts ----
inline Bytes core_sort(uint8_t s) { return {0x00, s}; }
inline const Bytes kSortCoreFunc = {0x00, 0x00};
inline const Bytes kSortCoreTable = {0x00, 0x01};
inline const Bytes kSortCoreMemory = {0x00, 0x02};
inline const Bytes kSortCoreGlobal = {0x00, 0x03};
inline const Bytes kSortCoreType = {0x00, 0x10};
inline const Bytes kSortCoreModule = {0x00, 0x11};
inline const Bytes kSortCoreInstance = {0x00, 0x12};
inline const Bytes kSortFunc = {0x01};
inline const Bytes kSortValue = {0x02};
inline const Bytes kSortType = {0x03};
inline const Bytes kSortComponent = {0x04};
inline const Bytes kSortInstance = {0x05};

// ---- names (nameattributes) ----
inline Bytes ext_name(const std::string& n) { return cat({{0x00}, name(n)}); }

// ---- core instances ----
inline Bytes core_instantiate(uint32_t module,
                              const std::vector<std::pair<std::string, uint32_t>>& args = {}) {
  std::vector<Bytes> list;
  for (const auto& [n, inst] : args) list.push_back(cat({name(n), {0x12}, u32(inst)}));
  return cat({{0x00}, u32(module), vec(list)});
}
// Inline exports: (name, core sort byte, index).
inline Bytes core_exports(const std::vector<std::tuple<std::string, uint8_t, uint32_t>>& exports) {
  std::vector<Bytes> list;
  for (const auto& [n, s, i] : exports) list.push_back(cat({name(n), {s}, u32(i)}));
  return cat({{0x01}, vec(list)});
}

// ---- component instances ----
inline Bytes instantiate(uint32_t component,
                         const std::vector<std::tuple<std::string, Bytes, uint32_t>>& args = {}) {
  std::vector<Bytes> list;
  for (const auto& [n, s, i] : args) list.push_back(cat({name(n), s, u32(i)}));
  return cat({{0x00}, u32(component), vec(list)});
}
inline Bytes instance_exports(const std::vector<std::tuple<std::string, Bytes, uint32_t>>& exports) {
  std::vector<Bytes> list;
  for (const auto& [n, s, i] : exports) list.push_back(cat({ext_name(n), s, u32(i)}));
  return cat({{0x01}, vec(list)});
}

// ---- aliases ----
inline Bytes alias_export(const Bytes& sort, uint32_t instance, const std::string& n) {
  return cat({sort, {0x00}, u32(instance), name(n)});
}
inline Bytes alias_core_export(uint8_t core_sort_byte, uint32_t instance, const std::string& n) {
  return cat({{0x00, core_sort_byte, 0x01}, u32(instance), name(n)});
}
inline Bytes alias_outer(const Bytes& sort, uint32_t count, uint32_t index) {
  return cat({sort, {0x02}, u32(count), u32(index)});
}

// ---- types ----
// A valtype naming a type index (signed LEB128, as encoders write it).
inline Bytes tidx(uint32_t i) {
  Bytes b;
  put_sleb(b, i);
  return b;
}
namespace prim {
inline const Bytes kBool = {0x7f}, kS8 = {0x7e}, kU8 = {0x7d}, kS16 = {0x7c}, kU16 = {0x7b}, kS32 = {0x7a},
                   kU32 = {0x79}, kS64 = {0x78}, kU64 = {0x77}, kF32 = {0x76}, kF64 = {0x75}, kChar = {0x74},
                   kString = {0x73};
}  // namespace prim
inline Bytes opt(const Bytes& v) { return v.empty() ? Bytes{0x00} : cat({{0x01}, v}); }
inline Bytes record(const std::vector<std::pair<std::string, Bytes>>& fields) {
  std::vector<Bytes> list;
  for (const auto& [l, t] : fields) list.push_back(cat({name(l), t}));
  return cat({{0x72}, vec(list)});
}
// Cases: (label, valtype or empty).
inline Bytes variant(const std::vector<std::pair<std::string, Bytes>>& cases) {
  std::vector<Bytes> list;
  for (const auto& [l, t] : cases) list.push_back(cat({name(l), opt(t), {0x00}}));
  return cat({{0x71}, vec(list)});
}
inline Bytes list(const Bytes& t) { return cat({{0x70}, t}); }
inline Bytes fixed_list(const Bytes& t, uint32_t n) { return cat({{0x67}, t, u32(n)}); }
inline Bytes tuple(const std::vector<Bytes>& ts) { return cat({{0x6f}, vec(ts)}); }
inline Bytes labels(uint8_t op, const std::vector<std::string>& ls) {
  std::vector<Bytes> list;
  for (const auto& l : ls) list.push_back(name(l));
  return cat({{op}, vec(list)});
}
inline Bytes flags(const std::vector<std::string>& ls) { return labels(0x6e, ls); }
inline Bytes enum_(const std::vector<std::string>& ls) { return labels(0x6d, ls); }
inline Bytes option(const Bytes& t) { return cat({{0x6b}, t}); }
inline Bytes result(const Bytes& ok, const Bytes& err) { return cat({{0x6a}, opt(ok), opt(err)}); }
inline Bytes own(uint32_t r) { return cat({{0x69}, u32(r)}); }
inline Bytes borrow(uint32_t r) { return cat({{0x68}, u32(r)}); }
inline Bytes stream(const Bytes& t) { return cat({{0x66}, opt(t)}); }
inline Bytes future(const Bytes& t) { return cat({{0x65}, opt(t)}); }
// A function type; an empty `result` means no result.
inline Bytes func(const std::vector<std::pair<std::string, Bytes>>& params, const Bytes& result_type = {},
                  uint8_t op = 0x40) {
  std::vector<Bytes> list;
  for (const auto& [l, t] : params) list.push_back(cat({name(l), t}));
  return cat({{op}, vec(list), result_type.empty() ? Bytes{0x01, 0x00} : cat({{0x00}, result_type})});
}
inline Bytes resource(std::optional<uint32_t> dtor = std::nullopt) {
  return cat({{0x3f, 0x7f}, dtor ? cat({{0x01}, u32(*dtor)}) : Bytes{0x00}});
}
// Declarations of component and instance types.
inline Bytes decl_core_type(const Bytes& t) { return cat({{0x00}, t}); }
inline Bytes decl_type(const Bytes& t) { return cat({{0x01}, t}); }
inline Bytes decl_alias(const Bytes& a) { return cat({{0x02}, a}); }
inline Bytes decl_import(const std::string& n, const Bytes& et) { return cat({{0x03}, ext_name(n), et}); }
inline Bytes decl_export(const std::string& n, const Bytes& et) { return cat({{0x04}, ext_name(n), et}); }
inline Bytes component_type(const std::vector<Bytes>& decls) { return cat({{0x41}, vec(decls)}); }
inline Bytes instance_type(const std::vector<Bytes>& decls) { return cat({{0x42}, vec(decls)}); }

// ---- core types ----
inline Bytes core_func_type(const Bytes& params, const Bytes& results) {
  return cat({{0x60}, u32(params.size()), params, u32(results.size()), results});
}
inline Bytes core_module_type(const std::vector<Bytes>& decls) { return cat({{0x50}, vec(decls)}); }

// ---- extern types ----
inline Bytes et_core_module(uint32_t t) { return cat({{0x00, 0x11}, u32(t)}); }
inline Bytes et_func(uint32_t t) { return cat({{0x01}, u32(t)}); }
inline Bytes et_type_eq(uint32_t t) { return cat({{0x03, 0x00}, u32(t)}); }
inline const Bytes kEtSubResource = {0x03, 0x01};
inline Bytes et_component(uint32_t t) { return cat({{0x04}, u32(t)}); }
inline Bytes et_instance(uint32_t t) { return cat({{0x05}, u32(t)}); }

// ---- canon ----
inline Bytes opts(const std::vector<Bytes>& list) { return vec(list); }
inline const Bytes kUtf8 = {0x00}, kUtf16 = {0x01}, kLatin1Utf16 = {0x02}, kAsync = {0x06};
inline Bytes opt_memory(uint32_t m) { return cat({{0x03}, u32(m)}); }
inline Bytes opt_realloc(uint32_t f) { return cat({{0x04}, u32(f)}); }
inline Bytes opt_post_return(uint32_t f) { return cat({{0x05}, u32(f)}); }
inline Bytes opt_callback(uint32_t f) { return cat({{0x07}, u32(f)}); }
inline Bytes lift(uint32_t core_func, const Bytes& options, uint32_t type) {
  return cat({{0x00, 0x00}, u32(core_func), options, u32(type)});
}
inline Bytes lower(uint32_t func, const Bytes& options) { return cat({{0x01, 0x00}, u32(func), options}); }
inline Bytes resource_op(uint8_t op, uint32_t type) { return cat({{op}, u32(type)}); }

// ---- imports and exports ----
inline Bytes import_(const std::string& n, const Bytes& et) { return cat({ext_name(n), et}); }
inline Bytes export_(const std::string& n, const Bytes& sort, uint32_t index, const Bytes& et = {}) {
  return cat({ext_name(n), sort, u32(index), opt(et)});
}

}  // namespace hookd::test::component
