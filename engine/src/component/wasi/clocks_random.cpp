// wasi:clocks (monotonic and wall clock) and wasi:random/random.
#include <chrono>
#include <limits>
#include <string>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

uint64_t monotonic_now() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count());
}

// A pollable ready at `ns` on the monotonic clock.
Result<void> subscribe_at(WasiState& st, uint64_t ns, std::vector<Value>& r) {
  // Far-future instants saturate instead of overflowing the time_point.
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 2);
  const Clock::time_point when{std::chrono::nanoseconds(static_cast<int64_t>(std::min(ns, kMax)))};
  auto p = st.make(PollableObj{when});
  if (!p) return std::unexpected(p.error());
  return give(r, Value::handle(*p));
}

Result<HostInterface> monotonic_clock() {
  Decl d("wasi:clocks/monotonic-clock", "0.2");
  const TypeId u64 = d.types().u64();
  const TypeId pollable = d.own(Res::kPollable);
  d.fn("now", {}, u64, [](HostCall&, std::span<const Value>, std::vector<Value>& r) {
    return give(r, Value::u64(monotonic_now()));
  });
  d.fn("resolution", {}, u64,
       [](HostCall&, std::span<const Value>, std::vector<Value>& r) { return give(r, Value::u64(1)); });
  d.fn("subscribe-instant", {u64}, pollable,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) {
         return subscribe_at(wasi_state(c), a[0].as_u64(), r);
       });
  d.fn("subscribe-duration", {u64}, pollable,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) {
         const uint64_t now = monotonic_now();
         const uint64_t later = a[0].as_u64() > std::numeric_limits<uint64_t>::max() - now
                                    ? std::numeric_limits<uint64_t>::max()
                                    : now + a[0].as_u64();
         return subscribe_at(wasi_state(c), later, r);
       });
  return std::move(d).finish();
}

Value datetime(std::chrono::nanoseconds since_epoch) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
  return Value::record({Value::u64(static_cast<uint64_t>(secs.count())),
                        Value::u32(static_cast<uint32_t>((since_epoch - secs).count()))});
}

Result<HostInterface> wall_clock() {
  Decl d("wasi:clocks/wall-clock", "0.2");
  const TypeId dt = d.record({"seconds", "nanoseconds"}, {d.types().u64(), d.types().u32()});
  d.fn("now", {}, dt, [](HostCall&, std::span<const Value>, std::vector<Value>& r) {
    return give(r, datetime(std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())));
  });
  d.fn("resolution", {}, dt, [](HostCall&, std::span<const Value>, std::vector<Value>& r) {
    return give(r, datetime(std::chrono::nanoseconds(1)));
  });
  return std::move(d).finish();
}

Result<HostInterface> random() {
  Decl d("wasi:random/random", "0.2");
  const TypeId u64 = d.types().u64();
  d.fn("get-random-bytes", {u64}, d.list(d.types().u8()),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         if (a[0].as_u64() > st.options().max_chunk_bytes) {
           return fail(ErrorKind::kTrap, "wasi: get-random-bytes of more than " +
                                             std::to_string(st.options().max_chunk_bytes) + " bytes");
         }
         std::string bytes(static_cast<size_t>(a[0].as_u64()), '\0');
         if (!st.options().random->fill({reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()})) {
           return fail(ErrorKind::kHostError, "wasi: no randomness available");
         }
         return give(r, Value::bytes_owned(std::move(bytes)));
       });
  d.fn("get-random-u64", {}, u64,
       [](HostCall& c, std::span<const Value>, std::vector<Value>& r) -> Result<void> {
         uint64_t v = 0;
         if (!wasi_state(c).options().random->fill({reinterpret_cast<uint8_t*>(&v), sizeof v})) {
           return fail(ErrorKind::kHostError, "wasi: no randomness available");
         }
         return give(r, Value::u64(v));
       });
  return std::move(d).finish();
}

}  // namespace

Result<void> add_clock_random_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {monotonic_clock, wall_clock, random}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
