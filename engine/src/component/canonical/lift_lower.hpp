// Lifting (guest -> host) and lowering (host -> guest) of component values,
// through linear memory and flat core values, as the canonical ABI defines
// them for synchronous calls with the UTF-8 string encoding.
//
// Where each is used:
//   the guest calls a host import ("canon lower" of a host function):
//     lift_values(params, core args, kMaxFlatParams), then the host runs, then
//     lower_values(results, kMaxFlatResults, out_ptr = the last core arg when
//     the signature's results_in_memory);
//   the host calls a guest export ("canon lift"):
//     lower_values(params, kMaxFlatParams) (spilled parameters go to memory
//     from realloc), the call, then lift_values(results, core results,
//     kMaxFlatResults), then the export's post-return.
//
// Trust: everything read from the guest is checked (pointer alignment and
// bounds in 64-bit arithmetic, the spec's 2^28-byte string and list bounds,
// UTF-8, char, discriminants, handles, and the host byte budget); a violation
// is a kTrap error and the caller traps the guest. Host values that do not
// match their type (a host bug) are kInternal errors. Nothing here throws on
// guest input or reads outside the memory span.
//
// Only the UTF-8 string encoding exists here: a component whose canonical
// options ask for UTF-16 or latin1+utf16 is refused when it is loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "component/canonical/handle_table.hpp"
#include "component/canonical/value.hpp"
#include "component/canonical/value_type.hpp"
#include "hookd/engine/result.hpp"
#include "hookd/engine/vm.hpp"

namespace hookd::engine::canonical {

// The guest's linear memory as it is now. Asked again after every call into
// the guest (realloc), which may grow it and move it.
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  virtual std::span<uint8_t> bytes() = 0;
};

// The guest's allocator: its cabi_realloc export (or the function its
// canonical options name). Returns the new block's address; the caller
// checks its alignment and bounds.
class GuestRealloc {
 public:
  virtual ~GuestRealloc() = default;
  virtual Result<uint32_t> realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                   uint32_t new_size) = 0;
};

// What lifting may allocate on the host, by default: the sum of owned string
// and byte copies and of the Value nodes, per Context.
inline constexpr size_t kDefaultByteBudget = size_t{64} << 20;

struct Context {
  const TypeArena& types;
  GuestMemory& memory;
  // Lowering strings, lists and spilled values allocates in the guest.
  GuestRealloc* realloc = nullptr;
  // own and borrow values: the instance's handles, and the call's scope.
  HandleTable* handles = nullptr;
  CallScope* scope = nullptr;
  // Lift strings and list<u8> as views into guest memory instead of copies
  // (value.hpp says how long they stay valid).
  bool views = false;
  // Host bytes lifting may still allocate; each lift takes from it and one
  // that would go past it fails before allocating.
  size_t byte_budget = kDefaultByteBudget;
};

// Lifting.
// A value of `type` stored at `ptr`.
Result<Value> load(Context& cx, TypeId type, uint32_t ptr);
// A value of `type` from exactly its flat core values.
Result<Value> lift_flat(Context& cx, TypeId type, std::span<const Val> flat);
// The values of `types` from core values: their flattening when it has at
// most `max_flat` values, else one pointer to them in memory (a tuple).
Result<std::vector<Value>> lift_values(Context& cx, std::span<const TypeId> types, std::span<const Val> flat,
                                       uint32_t max_flat);

// Lowering.
// Stores `value` of `type` at `ptr` (checked: aligned and in bounds).
Result<void> store(Context& cx, TypeId type, const Value& value, uint32_t ptr);
// Appends the flat core values of `value` of `type` to `out`.
Result<void> lower_flat(Context& cx, TypeId type, const Value& value, std::vector<Val>& out);
// Appends the core values for `values` of `types` to `out`: their flattening
// when it has at most `max_flat` values, else they go to memory as a tuple,
// at `out_ptr` when the caller gave one (a lowered import's result area,
// nothing appended), else in a block from realloc (its pointer appended).
Result<void> lower_values(Context& cx, std::span<const TypeId> types, std::span<const Value> values,
                          uint32_t max_flat, std::vector<Val>& out,
                          std::optional<uint32_t> out_ptr = std::nullopt);

}  // namespace hookd::engine::canonical
