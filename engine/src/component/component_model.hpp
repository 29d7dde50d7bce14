// The in-memory model of a WebAssembly component binary (the component
// model's binary format, version 0x0d, layer 1), as parse_component
// (component_parse.hpp) reads it.
//
// The model is raw but complete: every definition is kept in binary order,
// every reference is the index the binary wrote (a type index, a core func
// index, ...), and nothing is resolved. Resolving type indexes into value
// types, and instantiating, are later steps. What the parser guarantees is
// that every index was in range of its index space at the point it was read,
// that names are well formed, and that every count and depth was bounded.
//
// Index spaces: each sort (core func, table, memory, global, tag, type,
// module, instance; component func, value, type, component, instance) has
// one per component. `IndexSpaces` records, for every index, which
// definition made it (an import, an alias, a canon, an export, ...), so a
// linker can walk from an index back to its definition.
//
// Core modules are not copied: `CoreModule` is a byte range into the buffer
// that was parsed, which must outlive any use of those ranges. Offsets are
// from the start of that buffer, also inside nested components.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hookd::engine::component {

// ---- Sorts and index spaces -------------------------------------------------

enum class Sort : uint8_t {
  kCoreFunc,
  kCoreTable,
  kCoreMemory,
  kCoreGlobal,
  kCoreTag,
  kCoreType,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};
inline constexpr size_t kSortCount = 13;

// "core func", "type", "instance", ...
std::string_view sort_name(Sort sort);

// Which definition made an index: the item is an index into the Component
// vector of that name (imports, exports, aliases, canons, core_modules,
// core_instances, core_types, components, instances, types, starts).
enum class Origin : uint8_t {
  kImport,
  kExport,
  kAlias,
  kCanon,
  kCoreModule,
  kCoreInstance,
  kCoreType,
  kComponent,
  kInstance,
  kType,
  kStart,
};

struct IndexEntry {
  Origin origin = Origin::kImport;
  uint32_t item = 0;
  bool operator==(const IndexEntry&) const = default;
};

struct IndexSpaces {
  std::array<std::vector<IndexEntry>, kSortCount> entries;

  [[nodiscard]] uint32_t size(Sort sort) const {
    return static_cast<uint32_t>(entries[static_cast<size_t>(sort)].size());
  }
  [[nodiscard]] const IndexEntry& at(Sort sort, uint32_t index) const {
    return entries[static_cast<size_t>(sort)][index];
  }
};

// ---- Names ------------------------------------------------------------------

enum class NameForm : uint8_t {
  kPlain,        // label
  kConstructor,  // [constructor]label
  kMethod,       // [method]resource.label
  kStatic,       // [static]resource.label
  kInterface,    // namespace:package/interface@version
};

// An import or export name, split into its parts. `text` is the whole name.
// Interface names: wasi:http/types@0.2.0 has ns "wasi", package "http",
// interface "types", version "0.2.0". Nested namespaces or projections stay
// joined ("a:b" / "c/d"). Plain names: `label` is the name after any
// annotation; `resource` the resource a method/static/constructor is on.
struct ExternName {
  std::string text;
  NameForm form = NameForm::kPlain;
  std::string ns;
  std::string package;
  std::string interface;
  std::string version;
  std::string resource;
  std::string label;
  // The optional attributes of the 0x02 name form.
  std::string implements;
  std::string version_suffix;
  std::string external_id;
};

// ---- Types ------------------------------------------------------------------

enum class PrimValType : uint8_t {
  kBool = 0x7f,
  kS8 = 0x7e,
  kU8 = 0x7d,
  kS16 = 0x7c,
  kU16 = 0x7b,
  kS32 = 0x7a,
  kU32 = 0x79,
  kS64 = 0x78,
  kU64 = 0x77,
  kF32 = 0x76,
  kF64 = 0x75,
  kChar = 0x74,
  kString = 0x73,
  kErrorContext = 0x64,  // async proposal: parsed, refused unless allowed
};

// A valtype: a primitive, or an index into the type index space of the
// scope it appears in (the component, or the component/instance type).
struct ValType {
  bool primitive = true;
  PrimValType prim = PrimValType::kBool;
  uint32_t index = 0;

  static ValType of(PrimValType p) { return {true, p, 0}; }
  static ValType at(uint32_t i) { return {false, PrimValType::kBool, i}; }
  bool operator==(const ValType&) const = default;
};

struct LabeledType {
  std::string label;
  ValType type;
};
struct VariantCase {
  std::string label;
  std::optional<ValType> type;
};
struct RecordType {
  std::vector<LabeledType> fields;
};
struct VariantType {
  std::vector<VariantCase> cases;
};
struct ListType {
  ValType element;
  std::optional<uint32_t> length;  // fixed-length list
};
struct TupleType {
  std::vector<ValType> elements;
};
struct FlagsType {
  std::vector<std::string> labels;
};
struct EnumType {
  std::vector<std::string> labels;
};
struct OptionType {
  ValType value;
};
struct ResultType {
  std::optional<ValType> ok;
  std::optional<ValType> error;
};
struct OwnType {
  uint32_t resource = 0;  // type index of a resource type
};
struct BorrowType {
  uint32_t resource = 0;
};
struct StreamType {  // async proposal
  std::optional<ValType> element;
};
struct FutureType {  // async proposal
  std::optional<ValType> value;
};
struct MapType {
  ValType key;
  ValType value;
};
struct FuncType {
  bool async = false;  // async proposal
  std::vector<LabeledType> params;
  std::optional<ValType> result;
};
// Core value types as their binary codes (0x7f i32 ... 0x70 funcref).
using CoreValType = uint8_t;

struct ResourceType {
  CoreValType rep = 0x7f;
  std::optional<uint32_t> dtor;  // core func index
};

struct CoreFuncType {
  std::vector<CoreValType> params;
  std::vector<CoreValType> results;
  bool operator==(const CoreFuncType&) const = default;
};

// A core extern type, as in core imports and module type exports.
struct CoreExternType {
  uint8_t kind = 0;            // 0 func, 1 table, 2 memory, 3 global, 4 tag
  uint32_t type_index = 0;     // func, tag
  CoreValType value_type = 0;  // table element, global value
  bool mutable_global = false;
  uint8_t limits_flags = 0;
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

enum class CoreModuleDeclKind : uint8_t { kImport, kType, kAlias, kExport };
struct CoreModuleDecl {
  CoreModuleDeclKind kind = CoreModuleDeclKind::kImport;
  std::string module;        // import
  std::string name;          // import, export
  CoreExternType type;       // import, export
  CoreFuncType func_type;    // type
  uint32_t outer_count = 0;  // alias outer
  uint32_t outer_index = 0;
};
struct CoreModuleType {
  std::vector<CoreModuleDecl> decls;
};

// A core:type definition: a function type or a module type.
struct CoreTypeDef {
  size_t offset = 0;
  std::variant<CoreFuncType, CoreModuleType> def;
};

// externtype of imports and exports.
enum class ExternKind : uint8_t { kCoreModule, kFunc, kValue, kType, kComponent, kInstance };
std::string_view extern_kind_name(ExternKind kind);

struct ExternType {
  ExternKind kind = ExternKind::kFunc;
  // kCoreModule: core type index; kFunc/kComponent/kInstance: type index;
  // kType with eq bound: the type it equals; kValue with eq bound: a value index.
  uint32_t index = 0;
  bool sub_resource = false;  // kType: (sub resource), a fresh resource type
  bool value_eq = false;      // kValue: (eq i) rather than a valtype
  ValType value_type;         // kValue with a valtype bound
};

struct Alias {
  enum class Kind : uint8_t { kInstanceExport, kCoreInstanceExport, kOuter };
  Kind kind = Kind::kInstanceExport;
  Sort sort = Sort::kFunc;
  uint32_t instance = 0;  // export aliases
  std::string name;       // export aliases
  uint32_t outer_count = 0;
  uint32_t outer_index = 0;
  size_t offset = 0;
};

struct TypeDef;

// Declarations of a component type or instance type, in binary order.
// `order` lists them; each refers into the vector of its kind. The decls
// have their own index spaces, which start empty (outer aliases reach the
// enclosing scopes).
enum class DeclKind : uint8_t { kCoreType, kType, kAlias, kImport, kExport };
struct ExternDecl {
  ExternName name;
  ExternType type;
};
struct Decls {
  std::vector<std::pair<DeclKind, uint32_t>> order;
  std::vector<CoreTypeDef> core_types;
  std::vector<TypeDef> types;
  std::vector<Alias> aliases;
  std::vector<ExternDecl> imports;  // component types only
  std::vector<ExternDecl> exports;
};
struct ComponentType {
  Decls decls;
};
struct InstanceType {
  Decls decls;
};

// One type definition. The alternatives follow Binary.md's deftype:
// defvaltype (PrimValType ... MapType), functype, componenttype,
// instancetype, resourcetype.
struct TypeDef {
  size_t offset = 0;
  std::variant<PrimValType, RecordType, VariantType, ListType, TupleType, FlagsType, EnumType, OptionType,
               ResultType, OwnType, BorrowType, StreamType, FutureType, MapType, FuncType, ComponentType,
               InstanceType, ResourceType>
      def;
};

// ---- Definitions --------------------------------------------------------------

struct CoreModule {
  size_t offset = 0;  // of the module's magic number
  size_t size = 0;
};

struct CoreInstantiateArg {
  std::string name;
  uint32_t instance = 0;  // core instance index
};
struct CoreInlineExport {
  std::string name;
  Sort sort = Sort::kCoreFunc;
  uint32_t index = 0;
};
struct CoreInstance {
  enum class Kind : uint8_t { kInstantiate, kFromExports };
  Kind kind = Kind::kInstantiate;
  uint32_t module = 0;  // kInstantiate: core module index
  std::vector<CoreInstantiateArg> args;
  std::vector<CoreInlineExport> exports;  // kFromExports
  size_t offset = 0;
};

struct InstantiateArg {
  std::string name;
  Sort sort = Sort::kInstance;
  uint32_t index = 0;
};
struct InlineExport {
  ExternName name;
  Sort sort = Sort::kFunc;
  uint32_t index = 0;
};
struct Instance {
  enum class Kind : uint8_t { kInstantiate, kFromExports };
  Kind kind = Kind::kInstantiate;
  uint32_t component = 0;  // kInstantiate: component index
  std::vector<InstantiateArg> args;
  std::vector<InlineExport> exports;  // kFromExports
  size_t offset = 0;
};

enum class StringEncoding : uint8_t { kUtf8, kUtf16, kLatin1Utf16 };

struct CanonOptions {
  StringEncoding string_encoding = StringEncoding::kUtf8;
  std::optional<uint32_t> memory;       // core memory index
  std::optional<uint32_t> realloc;      // core func index
  std::optional<uint32_t> post_return;  // core func index
  bool async = false;                   // async proposal
  std::optional<uint32_t> callback;     // core func index, async proposal
};

// Every canon opcode of Binary.md. Only lift, lower and resource.new/drop/rep
// belong to the synchronous ABI; the others are async, error-context or
// thread built-ins (see canon_supported()).
enum class CanonOp : uint8_t {
  kLift = 0x00,
  kLower = 0x01,
  kResourceNew = 0x02,
  kResourceDrop = 0x03,
  kResourceRep = 0x04,
  kTaskCancel = 0x05,
  kSubtaskCancel = 0x06,
  kTaskReturn = 0x09,
  kContextGet = 0x0a,
  kContextSet = 0x0b,
  kThreadYield = 0x0c,
  kSubtaskDrop = 0x0d,
  kStreamNew = 0x0e,
  kStreamRead = 0x0f,
  kStreamWrite = 0x10,
  kStreamCancelRead = 0x11,
  kStreamCancelWrite = 0x12,
  kStreamDropReadable = 0x13,
  kStreamDropWritable = 0x14,
  kFutureNew = 0x15,
  kFutureRead = 0x16,
  kFutureWrite = 0x17,
  kFutureCancelRead = 0x18,
  kFutureCancelWrite = 0x19,
  kFutureDropReadable = 0x1a,
  kFutureDropWritable = 0x1b,
  kErrorContextNew = 0x1c,
  kErrorContextDebugMessage = 0x1d,
  kErrorContextDrop = 0x1e,
  kWaitableSetNew = 0x1f,
  kWaitableSetWait = 0x20,
  kWaitableSetPoll = 0x21,
  kWaitableSetDrop = 0x22,
  kWaitableJoin = 0x23,
  kBackpressureInc = 0x24,
  kBackpressureDec = 0x25,
  kThreadIndex = 0x26,
  kThreadNewIndirect = 0x27,
  kThreadResumeLater = 0x28,
  kThreadSuspend = 0x29,
  kThreadSuspendThenResume = 0x2a,
  kThreadYieldThenResume = 0x2b,
  kThreadSuspendThenPromote = 0x2c,
  kThreadYieldThenPromote = 0x2d,
  kThreadSpawnRef = 0x40,
  kThreadSpawnIndirect = 0x41,
  kThreadAvailableParallelism = 0x42,
};
// "lift", "stream.read", ...; empty for an unknown opcode.
std::string_view canon_name(CanonOp op);
// Whether hookd's synchronous ABI implements it.
bool canon_supported(CanonOp op);

struct Canon {
  CanonOp op = CanonOp::kLift;
  // kLift: core func index; kLower: component func index.
  uint32_t func = 0;
  // kLift: the func type index; resource.*, stream.*, future.*: the type
  // index; thread.new-indirect / spawn-*: the core type index.
  uint32_t type = 0;
  uint32_t table = 0;            // thread.new-indirect, thread.spawn-indirect: core table index
  uint32_t memory = 0;           // waitable-set.wait/poll: core memory index
  CoreValType context_type = 0;  // context.get/set
  uint32_t context_index = 0;
  bool async = false;                  // the async? immediate
  bool cancellable = false;            // the cancel? immediate
  bool shared = false;                 // the shared? immediate
  std::optional<ValType> task_result;  // task.return
  CanonOptions options;
  size_t offset = 0;
};

struct Start {
  uint32_t func = 0;
  std::vector<uint32_t> args;  // value indexes
  uint32_t results = 0;
  size_t offset = 0;
};

struct Import {
  ExternName name;
  ExternType type;
  size_t offset = 0;
};

struct Export {
  ExternName name;
  Sort sort = Sort::kFunc;
  uint32_t index = 0;
  std::optional<ExternType> type;  // the optional ascribed type
  size_t offset = 0;
};

struct CustomSection {
  std::string name;
  size_t offset = 0;  // contents after the name
  size_t size = 0;
};

// One section, in binary order, and the definitions it added: items
// [first, first + count) of the vector for its id (for the core module and
// component sections, one item).
struct SectionInfo {
  uint8_t id = 0;
  size_t offset = 0;  // of the section id byte
  size_t size = 0;    // contents size
  uint32_t first = 0;
  uint32_t count = 0;
};

struct Component {
  std::vector<SectionInfo> sections;
  std::vector<CustomSection> custom_sections;
  std::vector<CoreModule> core_modules;
  std::vector<CoreInstance> core_instances;
  std::vector<CoreTypeDef> core_types;
  std::vector<Component> components;  // nested components
  std::vector<Instance> instances;
  std::vector<Alias> aliases;
  std::vector<TypeDef> types;
  std::vector<Canon> canons;
  std::vector<Start> starts;
  std::vector<Import> imports;
  std::vector<Export> exports;
  IndexSpaces spaces;
  size_t offset = 0;  // of the component's magic number
  size_t size = 0;
};

}  // namespace hookd::engine::component
