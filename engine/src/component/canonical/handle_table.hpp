// A component instance's resource handles: the table that maps the i32
// handles the guest holds to resources (a resource type and a u32
// representation), with the canonical ABI's ownership rules.
//
// One table per component instance, as the spec has it; every entry names its
// resource type and every use checks it, so a handle of one type passed
// where another is expected traps instead of reaching the wrong object.
// Index 0 is never used (a null handle traps); freed indexes are reused
// (last freed first). The table holds at most `max_handles` - 1 live
// handles: a guest that keeps creating them traps at the bound instead of
// growing the host without limit.
//
// Ownership rules (all violations are kTrap errors the caller turns into a
// trap of the guest):
//   - an own handle is moved out when it is lifted (passed to the host or
//     another component); a borrow handle stays;
//   - lifting a borrow lends its handle for the duration of the call
//     (CallScope): the handle cannot be dropped or moved out while lent;
//   - a borrow lowered into the guest (a parameter of an export call) must be
//     dropped by the guest before that call returns (end_call());
//   - dropping an own handle runs its resource type's destructor.
//
// Not thread-safe: the table belongs to one instance, used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "component/canonical/value_type.hpp"
#include "hookd/engine/result.hpp"

namespace hookd::engine::canonical {

// Runs when an own handle of the type is dropped, with its representation.
// For a resource the host implements it frees the host object; for one the
// guest implements it calls the guest's destructor export. An error traps the
// guest that dropped the handle.
using Destructor = std::function<Result<void>(uint32_t rep)>;

// The bookkeeping of one call across the boundary (the spec's task and
// subtask, for synchronous calls): the handles lent to it and the borrows
// lowered into it. Create one per call, pass it to lift/lower through
// Context::scope, and finish it with HandleTable::end_call().
class CallScope {
 public:
  CallScope() = default;
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  [[nodiscard]] uint32_t borrows() const { return borrows_; }
  [[nodiscard]] size_t lends() const { return lenders_.size(); }

 private:
  friend class HandleTable;
  std::vector<uint32_t> lenders_;  // handle indexes lent during the call
  uint32_t borrows_ = 0;           // borrow handles lowered and not dropped yet
};

class HandleTable {
 public:
  static constexpr uint32_t kDefaultMaxHandles = 4096;

  explicit HandleTable(uint32_t max_handles = kDefaultMaxHandles);
  // Runs the destructors of the own handles of resources the host
  // implements (their host objects would leak otherwise); guest-implemented
  // resources go with the guest's memory.
  ~HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // Registers a resource type. `implemented_by_guest`: the component itself
  // defines it (resource.new / resource.rep); borrows of it lowered into the
  // component are its bare representation, as the spec optimises.
  ResourceTypeId add_resource_type(std::string name, Destructor destructor,
                                   bool implemented_by_guest = false);
  [[nodiscard]] size_t resource_types() const { return types_.size(); }
  [[nodiscard]] const std::string& resource_name(ResourceTypeId rt) const { return types_[rt].name; }

  // resource.new, and lowering an own<R>: a new owning handle.
  Result<uint32_t> new_own(ResourceTypeId rt, uint32_t rep);
  // Lowering a borrow<R> into the guest for the call of `scope`: a new
  // borrowing handle, or the representation itself for a resource the guest
  // implements.
  Result<uint32_t> new_borrow(ResourceTypeId rt, uint32_t rep, CallScope& scope);
  // resource.rep: the representation behind a handle.
  Result<uint32_t> rep(ResourceTypeId rt, uint32_t handle) const;
  // Lifting an own<R>: moves the handle out and returns its representation.
  Result<uint32_t> take_own(ResourceTypeId rt, uint32_t handle);
  // Lifting a borrow<R>: the representation, the handle lent until end_call.
  Result<uint32_t> lend(ResourceTypeId rt, uint32_t handle, CallScope& scope);
  // resource.drop: removes the handle; an own one runs the destructor.
  Result<void> drop(ResourceTypeId rt, uint32_t handle);
  // The call of `scope` returns: its lent handles are released, and it is an
  // error if the guest still holds a borrow lowered into it (those handles
  // are then removed, so nothing keeps pointing at the finished call).
  Result<void> end_call(CallScope& scope);

  [[nodiscard]] size_t live_handles() const { return live_; }
  [[nodiscard]] uint32_t max_handles() const { return max_handles_; }

 private:
  struct ResourceTypeInfo {
    std::string name;
    Destructor destructor;
    bool implemented_by_guest = false;
  };
  struct Entry {
    bool used = false;
    bool own = false;
    ResourceTypeId rt = 0;
    uint32_t rep = 0;
    uint32_t lends = 0;
    CallScope* scope = nullptr;  // a borrow: the call it was lowered into
  };

  // A live handle of type `rt`, or the trap naming `what` was refused.
  [[nodiscard]] Result<void> check(ResourceTypeId rt, uint32_t handle, std::string_view what) const;
  Result<uint32_t> insert(Entry entry);
  void remove(uint32_t handle);

  uint32_t max_handles_;
  std::vector<ResourceTypeInfo> types_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace hookd::engine::canonical
