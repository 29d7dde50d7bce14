// The parser's internals, shared by component_parse.cpp (sections, index
// spaces), component_types.cpp (type definitions and declarations) and
// component_canon.cpp (canon definitions). Private to those files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "component_model.hpp"
#include "component_parse.hpp"
#include "component_reader.hpp"

namespace hookd::engine::component {

// What a type index is known to be, for checks such as "own needs a
// resource". kUnknown: a type from an export alias, whose type the parser
// does not resolve; it passes every check.
enum class TypeClass : uint8_t { kUnknown, kValue, kFunc, kComponent, kInstance, kResource };
enum class CoreTypeClass : uint8_t { kUnknown, kFunc, kModule };

// What an instance is known to export, by name (see Parser::known_exports).
struct KnownExport {
  Sort sort = Sort::kFunc;
  TypeClass type = TypeClass::kUnknown;  // for type exports
};
using ExportMap = std::unordered_map<std::string, KnownExport>;

// One scope of index spaces: a component, a component type, an instance
// type or a core module type. Outer aliases count scopes outward.
struct Scope {
  enum class Kind : uint8_t { kComponent, kComponentType, kInstanceType, kModuleType };
  Kind kind = Kind::kComponent;
  Scope* parent = nullptr;
  std::array<uint32_t, kSortCount> counts{};
  std::vector<TypeClass> types;           // per type index
  std::vector<CoreTypeClass> core_types;  // per core type index
  IndexSpaces* spaces = nullptr;          // a component's, recorded as it grows
  const Component* component = nullptr;   // a component scope's definitions so far
  // Per instance index (component, core), what it is known to export; built
  // when an alias first asks, absent where unknown.
  std::unordered_map<uint32_t, std::optional<ExportMap>> instance_exports;
  std::unordered_map<uint32_t, std::optional<ExportMap>> core_instance_exports;
  std::set<std::string> import_names;  // a component's or component type's
  std::set<std::string> export_names;

  [[nodiscard]] uint32_t count(Sort s) const { return counts[static_cast<size_t>(s)]; }
};

Sort sort_of(ExternKind kind);
bool is_core(Sort sort);
// The scope `count` scopes out from `scope`, or null past the outermost.
const Scope* outer_scope(const Scope& scope, uint32_t count);

class Parser {
 public:
  Parser(std::span<const uint8_t> data, const ComponentLimits& limits)
      : data_(data), limits_(limits), errors_(limits.max_total_items) {}

  // Parses the component at data[begin, end).
  bool component(size_t begin, size_t end, Scope* parent, uint32_t depth, Component& out);
  [[nodiscard]] const ParseError& errors() const { return errors_; }

  // ---- shared helpers (component_parse.cpp) ----
  ComponentReader reader(size_t begin, size_t end) {
    return {data_, begin, end, errors_, limits_.max_name_bytes};
  }
  // Adds an index to `sort` in `scope` (and to its IndexSpaces if it is a
  // component). Fails past the section item limit.
  bool add(ComponentReader& r, Scope& scope, Sort sort, Origin origin, uint32_t item);
  // Checks `index` against the `sort` space of `scope`.
  bool check_index(ComponentReader& r, size_t at, const Scope& scope, Sort sort, uint32_t index,
                   std::string_view what);
  bool sort(ComponentReader& r, Sort& out);
  bool core_sort(ComponentReader& r, Sort& out);
  bool extern_name(ComponentReader& r, ExternName& out);  // nameattributes
  bool alias(ComponentReader& r, Scope& scope, bool in_type, Alias& out);
  // Adds the index an alias defines (type class included).
  bool add_alias(ComponentReader& r, Scope& scope, const Alias& a, Origin origin, uint32_t item);
  bool refuse_async(ComponentReader& r, size_t at, std::string_view what);
  // The exports of instance `index` where the parser knows them: an
  // instance of inline exports, an instance of a nested component, an
  // imported instance whose instance type is defined in this component.
  // Null where unknown (e.g. a core module's instance).
  const ExportMap* known_exports(Scope& scope, bool core, uint32_t index);

  // ---- types (component_types.cpp) ----
  bool valtype(ComponentReader& r, const Scope& scope, ValType& out);
  bool deftype(ComponentReader& r, Scope& scope, uint32_t depth, TypeDef& out, TypeClass& cls);
  bool core_type(ComponentReader& r, Scope& scope, uint32_t depth, CoreTypeDef& out, CoreTypeClass& cls);
  bool extern_type(ComponentReader& r, const Scope& scope, ExternType& out);
  // Adds the index an import/export declaration of `type` defines.
  bool add_extern(ComponentReader& r, Scope& scope, const ExternType& type, Origin origin, uint32_t item);
  bool core_valtype(ComponentReader& r, CoreValType& out);

  // ---- canon (component_canon.cpp) ----
  bool canon(ComponentReader& r, Scope& scope, Canon& out);

  [[nodiscard]] const ComponentLimits& limits() const { return limits_; }

 private:
  bool decls(ComponentReader& r, Scope& scope, uint32_t depth, bool component_type, Decls& out);
  bool section(uint8_t id, size_t begin, size_t end, Scope& scope, uint32_t depth, Component& out);
  bool canon_options(ComponentReader& r, const Scope& scope, CanonOptions& out);

  std::span<const uint8_t> data_;
  const ComponentLimits& limits_;
  ParseError errors_;
};

}  // namespace hookd::engine::component
