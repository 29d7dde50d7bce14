// hookd.kv.*: the plugin's key-value namespace in the store the embedder
// configured, behind the kv grant (read, or read and write).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <type_traits>

#include "hookd/engine/guest_memory.hpp"
#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace wire = util::wire;
namespace {

using engine::CallContext;
using engine::ErrorKind;
using engine::HostFunction;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

constexpr size_t kMaxListPage = 1000;

// A store failure reaches the plugin as an error message. Those the operator
// must act on (a full map, an unreachable Redis) are logged too, at most once
// a second for the whole process, so a busy plugin cannot flood the log.
std::unexpected<engine::Error> kv_failed(const KvError& e) {
  const bool operator_fault = e.code == KvError::Code::kFull || e.code == KvError::Code::kUnavailable ||
                              e.code == KvError::Code::kTimeout || e.code == KvError::Code::kInternal;
  if (operator_fault) {
    static std::atomic<int64_t> next_log_ms{0};
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    int64_t next = next_log_ms.load(std::memory_order_relaxed);
    if (now >= next && next_log_ms.compare_exchange_strong(next, now + 1000)) {
      spdlog::warn("KV store {}: {}", to_string(e.code), e.message);
    }
  }
  return engine::fail(ErrorKind::kHostError, "kv: " + e.message);
}

// Wraps a KV operation with its grant check.
template <class F>
HostFunction kv_function(std::string_view name, bool writes, const std::shared_ptr<const Grants>& g,
                         KvStore* kv, F op) {
  return HostFunction{
      std::string(name),
      [name, writes, g, kv, op](const CallContext& ctx, Bytes in, Out& out) -> engine::Result<void> {
        if (!g->kv_namespace) return denied(*g, "kv", ctx);
        if (writes && !g->kv_write) return denied(*g, "kv write", ctx);
        if (kv == nullptr) return engine::fail(ErrorKind::kHostError, "kv: no store configured");
        if constexpr (std::is_invocable_v<F, KvStore&, const std::string&, Bytes, Out&, const CallContext&>) {
          return op(*kv, *g->kv_namespace, in, out, ctx);
        } else {
          return op(*kv, *g->kv_namespace, in, out);
        }
      }};
}

// hookd.kv.read, direct form: (ptr, n) addresses n read descriptors of
// kKvReadDescriptorBytes, little-endian u32 fields: key_ptr, key_len,
// buf_ptr, cap, then len and found, which the host writes. All keys are read
// from one snapshot, and each value's first min(len, cap) bytes go straight
// into its buffer: no encoding either way, one copy.
engine::Result<void> kv_read(const Grants& g, KvStore* kv, const CallContext& ctx, std::span<uint8_t> mem,
                             uint32_t ptr, uint32_t n) {
  if (!g.kv_namespace) return denied(g, "kv", ctx);
  if (kv == nullptr) return engine::fail(ErrorKind::kHostError, "kv: no store configured");
  if (n > kMaxKvBatch) return engine::fail(ErrorKind::kHostError, "kv.read: at most 1000 keys per call");
  constexpr uint32_t kSize = kKvReadDescriptorBytes;
  auto table = engine::guest_span(mem, static_cast<int32_t>(ptr), static_cast<int32_t>(n * kSize));
  if (!table) return engine::fail(ErrorKind::kTrap, "kv.read: read descriptors out of bounds");
  auto field = [&](uint32_t i, uint32_t k) {
    uint32_t v = 0;
    std::memcpy(&v, table->data() + i * kSize + k * 4, 4);
    return static_cast<int32_t>(v);
  };
  thread_local std::vector<std::string_view> keys;  // reused: no allocation per call once grown
  thread_local std::vector<std::span<uint8_t>> bufs;
  keys.clear();
  bufs.clear();
  for (uint32_t i = 0; i < n; ++i) {
    auto key = engine::guest_string(mem, field(i, 0), field(i, 1));
    auto buf = engine::guest_span(mem, field(i, 2), field(i, 3));
    if (!key || !buf) return engine::fail(ErrorKind::kTrap, "kv.read: key or buffer out of bounds");
    keys.push_back(*key);
    bufs.push_back(*buf);
  }
  auto done = kv->get_many(
      *g.kv_namespace, std::span<const std::string_view>(keys),
      [&](std::size_t i, const std::string_view* value) {
        const uint32_t len = value ? static_cast<uint32_t>(value->size()) : 0;
        if (value) std::memcpy(bufs[i].data(), value->data(), std::min<std::size_t>(len, bufs[i].size()));
        const uint32_t out[2] = {len, value ? 1u : 0u};
        std::memcpy(table->data() + i * kSize + 16, out, sizeof out);
      },
      ctx.max_result_bytes);  // what a store may take in for this plugin (Redis: the reply)
  if (!done) return kv_failed(done.error());
  return {};
}

}  // namespace

void add_kv_functions(std::vector<HostFunction>& fns, const std::shared_ptr<const Grants>& g, KvStore* kv) {
  fns.push_back(
      kv_function(kKvGet, false, g, kv,
                  [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
                    out.assign(1, 0);  // the found byte, then the value
                    auto found = s.get_to(ns, text(in), out);
                    if (!found) return kv_failed(found.error());
                    out[0] = *found ? 1 : 0;
                    return {};
                  }));
  // hookd.kv.get_many: u32 n, n x (str key) -> n x (u8 found, str value if found).
  fns.push_back(kv_function(
      kKvGetMany, false, g, kv,
      [](KvStore& s, const std::string& ns, Bytes in, Out& out,
         const CallContext& ctx) -> engine::Result<void> {
        wire::Reader r(in);
        auto count = r.fixed<uint32_t>();
        if (!count || *count > kMaxKvBatch) return bad_payload(kKvGetMany);
        thread_local std::vector<std::string_view> keys;  // reused: no allocation per call once grown
        keys.clear();
        for (uint32_t i = 0; i < *count; ++i) {
          auto key = r.bytes();
          if (!key) return bad_payload(kKvGetMany);
          keys.push_back(*key);
        }
        out.clear();
        wire::Writer w(out);
        // Bounded by the plugin's memory: values that could never reach it are
        // not fetched, let alone copied.
        auto done = s.get_many(
            ns, std::span<const std::string_view>(keys),
            [&w](size_t, const std::string_view* value) {
              w.fixed<uint8_t>(value ? 1 : 0);
              if (value) w.bytes(*value);
            },
            ctx.max_result_bytes);
        if (!done) return kv_failed(done.error());
        return {};
      }));
  fns.push_back(HostFunction{std::string(kKvRead), nullptr,
                             [g, kv](const CallContext& ctx, std::span<uint8_t> mem, uint32_t ptr,
                                     uint32_t n) { return kv_read(*g, kv, ctx, mem, ptr, n); }});
  fns.push_back(kv_function(
      kKvSet, true, g, kv, [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
        wire::Reader r(in);
        auto key = r.bytes();
        auto ttl = r.fixed<uint64_t>();
        if (!key || !ttl) return bad_payload(kKvSet);
        std::optional<std::chrono::milliseconds> t;
        if (*ttl > 0) t = std::chrono::milliseconds(*ttl);
        if (auto res = s.set(ns, *key, r.rest(), t); !res) return kv_failed(res.error());
        out.clear();
        return {};
      }));
  fns.push_back(
      kv_function(kKvDelete, true, g, kv,
                  [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
                    auto r = s.del(ns, text(in));
                    if (!r) return kv_failed(r.error());
                    wire::Writer(out).fixed<uint8_t>(*r ? 1 : 0);
                    return {};
                  }));
  fns.push_back(
      kv_function(kKvIncr, true, g, kv,
                  [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
                    wire::Reader r(in);
                    auto delta = r.fixed<int64_t>();
                    if (!delta) return bad_payload(kKvIncr);
                    auto v = s.incr(ns, r.rest(), *delta);
                    if (!v) return kv_failed(v.error());
                    wire::Writer(out).fixed<int64_t>(*v);
                    return {};
                  }));
  fns.push_back(kv_function(
      kKvCas, true, g, kv, [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
        wire::Reader r(in);
        auto flags = r.fixed<uint8_t>();
        auto key = r.bytes();
        auto expected = r.bytes();
        if (!flags || !key || !expected) return bad_payload(kKvCas);
        std::optional<std::string_view> exp, des;
        if (*flags & 1) exp = *expected;
        std::string_view desired = r.rest();
        if (*flags & 2) des = desired;
        auto v = s.cas(ns, *key, exp, des);
        if (!v) return kv_failed(v.error());
        wire::Writer(out).fixed<uint8_t>(*v ? 1 : 0);
        return {};
      }));
  fns.push_back(
      kv_function(kKvList, false, g, kv,
                  [](KvStore& s, const std::string& ns, Bytes in, Out& out) -> engine::Result<void> {
                    wire::Reader r(in);
                    auto limit = r.fixed<uint32_t>();
                    auto prefix = r.bytes();
                    if (!limit || !prefix) return bad_payload(kKvList);
                    auto page = s.list(ns, *prefix, r.rest(), std::clamp<size_t>(*limit, 1, kMaxListPage));
                    if (!page) return kv_failed(page.error());
                    wire::Writer w(out);
                    w.fixed<uint32_t>(static_cast<uint32_t>(page->keys.size()));
                    for (const auto& k : page->keys) w.bytes(k);
                    w.fixed<uint8_t>(page->next_cursor ? 1 : 0);
                    if (page->next_cursor) w.raw(*page->next_cursor);
                    return {};
                  }));
}

}  // namespace hookd::host::detail
