// wasi:filesystem, declared but empty: a server gives components no
// directories (preopens.get-directories is an empty list), so no
// descriptor ever exists and every descriptor function answers
// error-code.bad-descriptor. componentize-js imports these through the
// preview1 adapter, which asks for the preopens the first time the guest
// writes to stderr.
#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

constexpr uint32_t kBadDescriptor = 3;  // error-code.bad-descriptor

Result<HostInterface> types() {
  Decl d("wasi:filesystem/types", "0.2");
  d.resource(Res::kDescriptor);
  const TypeId u64 = d.types().u64();
  const TypeId self = d.borrow(Res::kDescriptor);
  const TypeId error_code = d.enumeration({"access",
                                           "would-block",
                                           "already",
                                           "bad-descriptor",
                                           "busy",
                                           "deadlock",
                                           "quota",
                                           "exist",
                                           "file-too-large",
                                           "illegal-byte-sequence",
                                           "in-progress",
                                           "interrupted",
                                           "invalid",
                                           "io",
                                           "is-directory",
                                           "loop",
                                           "too-many-links",
                                           "message-size",
                                           "name-too-long",
                                           "no-device",
                                           "no-entry",
                                           "no-lock",
                                           "insufficient-memory",
                                           "insufficient-space",
                                           "not-directory",
                                           "not-empty",
                                           "not-recoverable",
                                           "unsupported",
                                           "no-tty",
                                           "no-such-device",
                                           "overflow",
                                           "not-permitted",
                                           "pipe",
                                           "read-only",
                                           "invalid-seek",
                                           "text-file-busy",
                                           "cross-device"});
  const TypeId descriptor_type = d.enumeration({"unknown", "block-device", "character-device", "directory",
                                                "fifo", "symbolic-link", "regular-file", "socket"});
  const TypeId descriptor_flags = d.flags({"read", "write", "file-integrity-sync", "data-integrity-sync",
                                           "requested-write-sync", "mutate-directory"});
  const TypeId datetime = d.record({"seconds", "nanoseconds"}, {u64, d.types().u32()});
  const TypeId stamp = d.option(datetime);
  const TypeId stat = d.record({"type", "link-count", "size", "data-access-timestamp",
                                "data-modification-timestamp", "status-change-timestamp"},
                               {descriptor_type, u64, u64, stamp, stamp, stamp});
  const HostFn bad = [](HostCall&, std::span<const Value>, std::vector<Value>& r) {
    return give(r, Value::err(Value::enumeration(kBadDescriptor)));
  };
  d.fn("[method]descriptor.read-via-stream", {self, u64}, d.result(d.own(Res::kInputStream), error_code),
       bad);
  d.fn("[method]descriptor.write-via-stream", {self, u64}, d.result(d.own(Res::kOutputStream), error_code),
       bad);
  d.fn("[method]descriptor.append-via-stream", {self}, d.result(d.own(Res::kOutputStream), error_code), bad);
  d.fn("[method]descriptor.get-flags", {self}, d.result(descriptor_flags, error_code), bad);
  d.fn("[method]descriptor.get-type", {self}, d.result(descriptor_type, error_code), bad);
  d.fn("[method]descriptor.stat", {self}, d.result(stat, error_code), bad);
  d.fn("filesystem-error-code", {d.borrow(Res::kError)}, d.option(error_code),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::none()); });
  return std::move(d).finish();
}

Result<HostInterface> preopens() {
  Decl d("wasi:filesystem/preopens", "0.2");
  d.fn("get-directories", {}, d.list(d.tuple({d.own(Res::kDescriptor), d.types().string()})),
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::list({})); });
  return std::move(d).finish();
}

}  // namespace

Result<void> add_filesystem_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {types, preopens}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
