#include "fast_imports.hpp"

#include <array>
#include <memory>
#include <type_traits>
#include <utility>

#include "fast_api.hpp"
#include "v8_instance.hpp"
#include "v8_vm.hpp"

namespace hookd::engine::v8impl {
namespace {

thread_local V8Instance* t_calling = nullptr;

#if HOOKD_V8_FAST_CALLS

template <size_t I>
using I32 = int32_t;

// The C entry point V8 calls for `Slot`; the receiver is unused.
template <size_t Slot, bool HasResult, class Seq>
struct Entry;

template <size_t Slot, bool HasResult, size_t... I>
struct Entry<Slot, HasResult, std::index_sequence<I...>> {
  static std::conditional_t<HasResult, int32_t, void> call(v8::Local<v8::Object> /*receiver*/, I32<I>... a) {
    const int32_t args[sizeof...(I) + 1] = {a..., 0};
    [[maybe_unused]] const int32_t r = t_calling->run_fast_import(Slot, args, sizeof...(I));
    if constexpr (HasResult) return r;
  }
};

constexpr size_t kArities = kMaxFastArity + 1;

template <bool HasResult, size_t Arity, size_t... Slot>
constexpr std::array<const void*, kFastSlots> slot_entries(std::index_sequence<Slot...>) {
  return {reinterpret_cast<const void*>(&Entry<Slot, HasResult, std::make_index_sequence<Arity>>::call)...};
}

template <bool HasResult, size_t... Arity>
constexpr std::array<std::array<const void*, kFastSlots>, kArities> arity_entries(
    std::index_sequence<Arity...>) {
  return {slot_entries<HasResult, Arity>(std::make_index_sequence<kFastSlots>())...};
}

const void* entry_address(bool has_result, size_t arity, size_t slot) {
  static const auto with_result = arity_entries<true>(std::make_index_sequence<kArities>());
  static const auto without_result = arity_entries<false>(std::make_index_sequence<kArities>());
  return (has_result ? with_result : without_result)[arity][slot];
}

// Signature descriptions, built once and kept for the life of the process
// (V8 keeps pointers to them).
const v8::CFunctionInfo* function_info(bool has_result, size_t arity) {
  using T = v8::CTypeInfo::Type;
  static const auto* infos = [] {
    static const v8::CTypeInfo params[kArities] = {
        v8::CTypeInfo(T::kV8Value), v8::CTypeInfo(T::kInt32), v8::CTypeInfo(T::kInt32),
        v8::CTypeInfo(T::kInt32),   v8::CTypeInfo(T::kInt32), v8::CTypeInfo(T::kInt32),
        v8::CTypeInfo(T::kInt32),   v8::CTypeInfo(T::kInt32), v8::CTypeInfo(T::kInt32)};
    auto* all = new std::array<std::unique_ptr<v8::CFunctionInfo>, 2 * kArities>();
    for (size_t r = 0; r < 2; ++r) {
      for (size_t a = 0; a < kArities; ++a) {
        // The receiver counts as the first argument.
        (*all)[r * kArities + a] = std::make_unique<v8::CFunctionInfo>(
            v8::CTypeInfo(r == 1 ? T::kInt32 : T::kVoid), static_cast<unsigned>(a + 1), params);
      }
    }
    return all;
  }();
  return (*infos)[(has_result ? 1 : 0) * kArities + arity].get();
}

// Signatures with i64 (Extism's kernel: u64 offsets). Each is a C entry
// point taking and returning int64_t/int32_t as wasm passes them; the
// instance converts by the import's declared types.
template <size_t Slot, class R, class... A>
struct WideEntry {
  static R call(v8::Local<v8::Object> /*receiver*/, A... a) {
    const int64_t args[sizeof...(A) + 1] = {static_cast<int64_t>(a)..., 0};
    [[maybe_unused]] const int64_t r = t_calling->run_fast_import_wide(Slot, args, sizeof...(A));
    if constexpr (!std::is_void_v<R>) return static_cast<R>(r);
  }
};

template <class R, class... A, size_t... Slot>
std::array<const void*, kFastSlots> wide_entries(std::index_sequence<Slot...>) {
  return {reinterpret_cast<const void*>(&WideEntry<Slot, R, A...>::call)...};
}

template <class T>
constexpr v8::CTypeInfo::Type c_type() {
  if constexpr (std::is_void_v<T>)
    return v8::CTypeInfo::Type::kVoid;
  else if constexpr (std::is_same_v<T, int64_t>)
    return v8::CTypeInfo::Type::kInt64;
  else
    return v8::CTypeInfo::Type::kInt32;
}

template <class T>
constexpr ValType val_type() {
  return std::is_same_v<T, int64_t> ? ValType::kI64 : ValType::kI32;
}

struct WideSignature {
  FuncType type;
  std::array<const void*, kFastSlots> entries;
  std::unique_ptr<v8::CFunctionInfo> info;
};

template <class R, class... A>
WideSignature wide_signature() {
  // V8 keeps pointers to the argument descriptions: static storage.
  static const v8::CTypeInfo params[] = {v8::CTypeInfo(v8::CTypeInfo::Type::kV8Value),
                                         v8::CTypeInfo(c_type<A>())...};
  FuncType type{{val_type<A>()...}, {}};
  if constexpr (!std::is_void_v<R>) type.results.push_back(val_type<R>());
  return WideSignature{std::move(type), wide_entries<R, A...>(std::make_index_sequence<kFastSlots>()),
                       std::make_unique<v8::CFunctionInfo>(v8::CTypeInfo(c_type<R>()),
                                                           static_cast<unsigned>(sizeof...(A) + 1), params)};
}

// The i64 signatures with a direct path, built once for the process.
const std::vector<WideSignature>& wide_signatures() {
  static const auto* all = [] {
    auto* v = new std::vector<WideSignature>();
    v->push_back(wide_signature<int64_t>());
    v->push_back(wide_signature<int64_t, int64_t>());
    v->push_back(wide_signature<int32_t, int64_t>());
    v->push_back(wide_signature<void, int64_t>());
    v->push_back(wide_signature<void, int64_t, int32_t>());
    v->push_back(wide_signature<void, int64_t, int64_t>());
    v->push_back(wide_signature<int64_t, int64_t, int64_t>());
    return v;
  }();
  return *all;
}

// Index of `type` in wide_signatures(), or -1.
int wide_index(const FuncType& type) {
  const auto& all = wide_signatures();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].type == type) return static_cast<int>(i);
  }
  return -1;
}

#endif  // HOOKD_V8_FAST_CALLS

}  // namespace

bool fast_calls_available() { return HOOKD_V8_FAST_CALLS != 0; }

bool fast_import_supported(const FuncType& type) {
#if HOOKD_V8_FAST_CALLS
  if (wide_index(type) >= 0) return true;
#endif
  if (!fast_calls_available() || type.params.size() > kMaxFastArity || type.results.size() > 1) return false;
  for (ValType t : type.params) {
    if (t != ValType::kI32) return false;
  }
  return type.results.empty() || type.results[0] == ValType::kI32;
}

V8Instance* calling_instance() { return t_calling; }

CallingScope::CallingScope(V8Instance* instance) : previous_(t_calling) { t_calling = instance; }
CallingScope::~CallingScope() { t_calling = previous_; }

v8::MaybeLocal<v8::Function> fast_import_function(V8Worker& worker, const FuncType& type, size_t slot) {
#if HOOKD_V8_FAST_CALLS
  if (!fast_import_supported(type) || slot >= kFastSlots) return {};
  const bool has_result = !type.results.empty();
  const size_t arity = type.params.size();
  const int wide = wide_index(type);
  // Keys: the i32 signatures first, then the i64 ones.
  const size_t family =
      wide >= 0 ? 2 * kArities + static_cast<size_t>(wide) : (has_result ? 1 : 0) * kArities + arity;
  auto& cache = worker.fast_functions();
  const size_t key = family * kFastSlots + slot;
  if (cache.size() <= key) cache.resize((2 * kArities + wide_signatures().size()) * kFastSlots);
  v8::Isolate* isolate = worker.isolate();
  if (!cache[key].IsEmpty()) return cache[key].Get(isolate);

  const v8::CFunction c_function =
      wide >= 0 ? v8::CFunction(wide_signatures()[static_cast<size_t>(wide)].entries[slot],
                                wide_signatures()[static_cast<size_t>(wide)].info.get())
                : v8::CFunction(entry_address(has_result, arity, slot), function_info(has_result, arity));
  v8::Local<v8::FunctionTemplate> tmpl = v8::FunctionTemplate::New(
      isolate, &V8Instance::slot_trampoline, v8::Integer::New(isolate, static_cast<int32_t>(slot)),
      v8::Local<v8::Signature>(), static_cast<int>(arity), v8::ConstructorBehavior::kThrow,
      v8::SideEffectType::kHasSideEffect, &c_function);
  v8::Local<v8::Function> fn;
  if (!tmpl->GetFunction(worker.context()).ToLocal(&fn)) return {};
  cache[key].Reset(isolate, fn);
  return fn;
#else
  (void)worker;
  (void)type;
  (void)slot;
  return {};
#endif
}

}  // namespace hookd::engine::v8impl
