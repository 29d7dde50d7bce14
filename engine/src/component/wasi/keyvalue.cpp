// wasi:keyvalue/store and wasi:keyvalue/atomics (0.2.0-draft) over the
// embedder's hookd.kv.get/set/delete/list/incr: the plugin's own KV
// namespace, with its grant (read, or read and write), quotas and store
// limits checked by those functions at each call, as for a core plugin.
//
// Buckets: "" and "default" are the namespace itself; any other identifier
// of 1-64 [A-Za-z0-9_.-] is the namespace's keys under "<identifier>/",
// seen without that prefix (so a component's buckets never meet, and a core
// plugin sharing the namespace sees them as prefixed keys). Another
// identifier is no-such-store.
//
// Errors: a refused grant is access-denied, anything else other(message).
// list-keys pages up to 1,000 keys; its u64 cursor stands for the store's
// cursor, which the instance keeps (max_kv_cursors), so it is good on the
// instance that gave it. Keys that are not UTF-8 (a core plugin may write
// any bytes) are left out of a listing: a string cannot carry them.
#include <limits>
#include <string>
#include <vector>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"
#include "hookd/util/utf8.hpp"
#include "hookd/util/wire.hpp"

namespace hookd::engine::component::wasi {
namespace wire = util::wire;
namespace {

constexpr uint32_t kNoSuchStore = 0;
constexpr uint32_t kAccessDenied = 1;
constexpr uint32_t kOther = 2;
constexpr uint32_t kListPage = 1000;
constexpr size_t kMaxBucketName = 64;

struct KvTypes {
  TypeId error, bucket_borrow, bytes, string;
};

KvTypes kv_types(Decl& d) {
  KvTypes t{};
  t.string = d.types().string();
  t.error = d.variant({"no-such-store", "access-denied", "other"}, {std::nullopt, std::nullopt, t.string});
  t.bucket_borrow = d.borrow(Res::kBucket);
  t.bytes = d.list(d.types().u8());
  return t;
}

Value kv_error(const Error& e) {
  if (e.kind == ErrorKind::kNotFound) {
    return Value::variant(kOther,
                          Value::string("hookd's key-value store is not available to this component"));
  }
  // The grant's refusal: "kv is not granted to plugin x", "kv write is ...".
  if (e.message.starts_with("kv") && e.message.find(" is not granted to plugin ") != std::string::npos) {
    return Value::variant(kAccessDenied);
  }
  return Value::variant(kOther, Value::string(guest_text(e.message)));
}

Value malformed(std::string_view fn) {
  return Value::variant(kOther, Value::string(std::string(fn) + ": malformed reply"));
}

std::optional<std::string> bucket_prefix(std::string_view identifier) {
  if (identifier.empty() || identifier == "default") return std::string();
  if (identifier.size() > kMaxBucketName) return std::nullopt;
  for (const char c : identifier) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return std::nullopt;
  }
  return std::string(identifier) + "/";
}

// The bucket's prefix and the host call's reply buffer for a bucket method.
struct BucketCall {
  WasiState& st;
  std::string prefix;
  std::vector<uint8_t> reply;

  Result<void> run(std::string_view fn, const std::vector<uint8_t>& in) {
    return st.call_host(fn, in, reply);
  }
};

Result<BucketCall> bucket_call(HostCall& c, const Value& self) {
  WasiState& st = wasi_state(c);
  auto b = st.get<BucketObj>(self.handle_rep());
  if (!b) return std::unexpected(b.error());
  return BucketCall{st, (*b)->prefix, {}};
}

std::vector<uint8_t> key_bytes(const std::string& prefix, std::string_view key) {
  std::vector<uint8_t> in;
  wire::Writer(in).raw(prefix).raw(key);
  return in;
}

// bucket.get and bucket.exists: hookd.kv.get, key (rest) -> u8 found, value (rest).
Result<void> get(HostCall& c, std::span<const Value> a, std::vector<Value>& r, bool exists_only) {
  auto b = bucket_call(c, a[0]);
  if (!b) return std::unexpected(b.error());
  if (auto ok = b->run("hookd.kv.get", key_bytes(b->prefix, a[1].text())); !ok) {
    return give(r, Value::err(kv_error(ok.error())));
  }
  if (b->reply.empty()) return give(r, Value::err(malformed("hookd.kv.get")));
  const bool found = b->reply[0] == 1;
  if (exists_only) return give(r, Value::ok(Value::boolean(found)));
  if (!found) return give(r, Value::ok(Value::none()));
  return give(r, Value::ok(Value::some(Value::bytes(std::span<const uint8_t>(b->reply).subspan(1)))));
}

// bucket.list-keys: hookd.kv.list, u32 limit, str prefix, cursor (rest) ->
// u32 n, n x str key, u8 has_next, next cursor (rest).
Result<void> list_keys(HostCall& c, std::span<const Value> a, std::vector<Value>& r) {
  auto b = bucket_call(c, a[0]);
  if (!b) return std::unexpected(b.error());
  std::string cursor;
  if (a[1].case_index() == 1) {
    auto saved = b->st.find_cursor(a[1].payload()->as_u64(), b->prefix);
    if (!saved) {
      return give(r,
                  Value::err(Value::variant(
                      kOther, Value::string("unknown cursor (a cursor is good on the instance that gave it, "
                                            "for its latest listings)"))));
    }
    cursor = std::move(*saved);
  }
  std::vector<uint8_t> in;
  wire::Writer(in).fixed(kListPage).bytes(b->prefix).raw(cursor);
  if (auto ok = b->run("hookd.kv.list", in); !ok) return give(r, Value::err(kv_error(ok.error())));
  wire::Reader reply(b->reply);
  auto n = reply.fixed<uint32_t>();
  if (!n) return give(r, Value::err(malformed("hookd.kv.list")));
  std::vector<Value> keys;
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = reply.bytes();
    if (!key) return give(r, Value::err(malformed("hookd.kv.list")));
    if (!key->starts_with(b->prefix)) continue;
    key->remove_prefix(b->prefix.size());
    if (util::valid_utf8(*key)) keys.push_back(Value::string(std::string(*key)));
  }
  auto has_next = reply.fixed<uint8_t>();
  if (!has_next) return give(r, Value::err(malformed("hookd.kv.list")));
  Value next = Value::none();
  if (*has_next == 1) next = Value::some(Value::u64(b->st.save_cursor(b->prefix, std::string(reply.rest()))));
  return give(r, Value::ok(Value::record({Value::list(std::move(keys)), std::move(next)})));
}

Result<HostInterface> keyvalue_store_iface() {
  Decl d("wasi:keyvalue/store", "0.2.0-draft");
  const KvTypes t = kv_types(d);
  const TypeId unit = d.result(std::nullopt, t.error);
  const TypeId key_response = d.record({"keys", "cursor"}, {d.list(t.string), d.option(d.types().u64())});
  d.resource(Res::kBucket);
  d.fn("open", {t.string}, d.result(d.own(Res::kBucket), t.error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto prefix = bucket_prefix(a[0].text());
         if (!prefix) return give(r, Value::err(Value::variant(kNoSuchStore)));
         auto b = wasi_state(c).make(BucketObj{std::move(*prefix)});
         if (!b) return std::unexpected(b.error());
         return give(r, Value::ok(Value::handle(*b)));
       });
  d.fn("[method]bucket.get", {t.bucket_borrow, t.string}, d.result(d.option(t.bytes), t.error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) { return get(c, a, r, false); });
  d.fn("[method]bucket.exists", {t.bucket_borrow, t.string}, d.result(d.types().boolean(), t.error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) { return get(c, a, r, true); });
  // hookd.kv.set: str key, u64 ttl_ms (0: none), value (rest).
  d.fn("[method]bucket.set", {t.bucket_borrow, t.string, t.bytes}, unit,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto b = bucket_call(c, a[0]);
         if (!b) return std::unexpected(b.error());
         const auto value = a[2].bytes();
         std::vector<uint8_t> in;
         in.reserve(12 + b->prefix.size() + a[1].text().size() + value.size());
         wire::Writer(in)
             .bytes(b->prefix + std::string(a[1].text()))
             .fixed(uint64_t{0})
             .raw({reinterpret_cast<const char*>(value.data()), value.size()});
         if (auto ok = b->run("hookd.kv.set", in); !ok) return give(r, Value::err(kv_error(ok.error())));
         return give(r, Value::ok());
       });
  // hookd.kv.delete: key (rest) -> u8 existed; a missing key is no error.
  d.fn("[method]bucket.delete", {t.bucket_borrow, t.string}, unit,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto b = bucket_call(c, a[0]);
         if (!b) return std::unexpected(b.error());
         if (auto ok = b->run("hookd.kv.delete", key_bytes(b->prefix, a[1].text())); !ok) {
           return give(r, Value::err(kv_error(ok.error())));
         }
         return give(r, Value::ok());
       });
  d.fn("[method]bucket.list-keys", {t.bucket_borrow, d.option(d.types().u64())},
       d.result(key_response, t.error), list_keys);
  return std::move(d).finish();
}

// atomics.increment: hookd.kv.incr, i64 delta, key (rest) -> i64. The
// counter is the decimal text hookd's counters keep; a missing key starts
// at 0.
Result<HostInterface> atomics() {
  Decl d("wasi:keyvalue/atomics", "0.2.0-draft");
  const KvTypes t = kv_types(d);
  const TypeId u64 = d.types().u64();
  d.fn("increment", {t.bucket_borrow, t.string, u64}, d.result(u64, t.error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto b = bucket_call(c, a[0]);
         if (!b) return std::unexpected(b.error());
         const uint64_t delta = a[2].as_u64();
         if (delta > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
           return give(r, Value::err(Value::variant(kOther, Value::string("increment: delta past 2^63-1"))));
         }
         std::vector<uint8_t> in;
         wire::Writer(in).fixed(static_cast<int64_t>(delta)).raw(b->prefix).raw(a[1].text());
         if (auto ok = b->run("hookd.kv.incr", in); !ok) return give(r, Value::err(kv_error(ok.error())));
         auto value = wire::Reader(b->reply).fixed<int64_t>();
         if (!value) return give(r, Value::err(malformed("hookd.kv.incr")));
         if (*value < 0) {
           return give(
               r, Value::err(Value::variant(kOther, Value::string("increment: the counter is negative"))));
         }
         return give(r, Value::ok(Value::u64(static_cast<uint64_t>(*value))));
       });
  return std::move(d).finish();
}

}  // namespace

Result<void> add_keyvalue_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {keyvalue_store_iface, atomics}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
