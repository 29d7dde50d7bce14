#include "component/canonical/handle_table.hpp"

#include <string>
#include <utility>

namespace hookd::engine::canonical {
namespace {

std::unexpected<Error> trap(std::string message) {
  return fail(ErrorKind::kTrap, "canonical ABI: " + std::move(message));
}

}  // namespace

HandleTable::HandleTable(uint32_t max_handles) : max_handles_(max_handles < 2 ? 2 : max_handles) {
  entries_.emplace_back();  // index 0: never a handle
}

HandleTable::~HandleTable() {
  for (const auto& e : entries_) {
    if (!e.used || !e.own) continue;
    const auto& type = types_[e.rt];
    if (type.implemented_by_guest || !type.destructor) continue;
    // The instance is going away: a destructor's error has no guest to trap.
    [[maybe_unused]] const Result<void> released = type.destructor(e.rep);
  }
}

ResourceTypeId HandleTable::add_resource_type(std::string name, Destructor destructor,
                                              bool implemented_by_guest) {
  types_.push_back({std::move(name), std::move(destructor), implemented_by_guest});
  return static_cast<ResourceTypeId>(types_.size() - 1);
}

Result<uint32_t> HandleTable::insert(Entry entry) {
  entry.used = true;
  if (!free_.empty()) {
    const uint32_t i = free_.back();
    free_.pop_back();
    entries_[i] = entry;
    ++live_;
    return i;
  }
  if (entries_.size() >= max_handles_) {
    return trap("handle table full (" + std::to_string(max_handles_ - 1) + " handles)");
  }
  entries_.push_back(entry);
  ++live_;
  return static_cast<uint32_t>(entries_.size() - 1);
}

void HandleTable::remove(uint32_t handle) {
  entries_[handle] = Entry{};
  free_.push_back(handle);
  --live_;
}

Result<void> HandleTable::check(ResourceTypeId rt, uint32_t handle, std::string_view what) const {
  if (handle >= entries_.size() || !entries_[handle].used) {
    return trap(std::string(what) + ": unknown handle " + std::to_string(handle));
  }
  const Entry& e = entries_[handle];
  if (e.rt != rt) {
    return trap(std::string(what) + ": handle " + std::to_string(handle) + " is a " + types_[e.rt].name +
                ", not a " + (rt < types_.size() ? types_[rt].name : std::string("?")));
  }
  return {};
}

Result<uint32_t> HandleTable::new_own(ResourceTypeId rt, uint32_t rep) {
  if (rt >= types_.size()) return fail(ErrorKind::kInternal, "canonical ABI: unknown resource type");
  return insert({.own = true, .rt = rt, .rep = rep});
}

Result<uint32_t> HandleTable::new_borrow(ResourceTypeId rt, uint32_t rep, CallScope& scope) {
  if (rt >= types_.size()) return fail(ErrorKind::kInternal, "canonical ABI: unknown resource type");
  if (types_[rt].implemented_by_guest) return rep;
  auto handle = insert({.own = false, .rt = rt, .rep = rep, .scope = &scope});
  if (handle) ++scope.borrows_;
  return handle;
}

Result<uint32_t> HandleTable::rep(ResourceTypeId rt, uint32_t handle) const {
  if (auto ok = check(rt, handle, "resource.rep"); !ok) return std::unexpected(ok.error());
  return entries_[handle].rep;
}

Result<uint32_t> HandleTable::take_own(ResourceTypeId rt, uint32_t handle) {
  if (auto ok = check(rt, handle, "own handle"); !ok) return std::unexpected(ok.error());
  Entry* e = &entries_[handle];
  if (!e->own) return trap("own handle: handle " + std::to_string(handle) + " is a borrow");
  if (e->lends != 0) {
    return trap("own handle: handle " + std::to_string(handle) + " is lent to a call in progress");
  }
  const uint32_t rep = e->rep;
  remove(handle);
  return rep;
}

Result<uint32_t> HandleTable::lend(ResourceTypeId rt, uint32_t handle, CallScope& scope) {
  if (auto ok = check(rt, handle, "borrow handle"); !ok) return std::unexpected(ok.error());
  ++entries_[handle].lends;
  scope.lenders_.push_back(handle);
  return entries_[handle].rep;
}

Result<void> HandleTable::drop(ResourceTypeId rt, uint32_t handle) {
  if (auto ok = check(rt, handle, "resource.drop"); !ok) return std::unexpected(ok.error());
  const Entry entry = entries_[handle];
  if (entry.lends != 0) {
    return trap("resource.drop: handle " + std::to_string(handle) + " is lent to a call in progress");
  }
  remove(handle);
  if (!entry.own) {
    if (entry.scope != nullptr && entry.scope->borrows_ > 0) --entry.scope->borrows_;
    return {};
  }
  const auto& destructor = types_[rt].destructor;
  if (destructor) return destructor(entry.rep);
  return {};
}

Result<void> HandleTable::end_call(CallScope& scope) {
  for (uint32_t handle : scope.lenders_) {
    // A lent handle cannot be removed while lent, so it is still there.
    if (handle < entries_.size() && entries_[handle].used && entries_[handle].lends > 0) {
      --entries_[handle].lends;
    }
  }
  scope.lenders_.clear();
  if (scope.borrows_ == 0) return {};
  const uint32_t left = scope.borrows_;
  for (uint32_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].used && !entries_[i].own && entries_[i].scope == &scope) remove(i);
  }
  scope.borrows_ = 0;
  return trap("the call returned holding " + std::to_string(left) + " borrowed handle(s) it did not drop");
}

}  // namespace hookd::engine::canonical
