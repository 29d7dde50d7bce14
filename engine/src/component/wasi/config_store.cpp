// wasi:config/store (0.2.0-draft) over the embedder's hookd.config.get: the
// plugin's own config values, behind its config grant, as a core plugin
// reads them.
//
// get(key): ok(some(value)) or ok(none); a refused grant or another failure
// of the function is upstream(message), no function at all io(...), and a
// value that is not UTF-8 (a string cannot carry it) upstream(...).
// get-all: every pair, from hookd.config.list, with the same errors.
#include <string>
#include <vector>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/state.hpp"
#include "hookd/util/utf8.hpp"
#include "hookd/util/wire.hpp"

namespace hookd::engine::component::wasi {
namespace wire = util::wire;
namespace {

constexpr uint32_t kUpstream = 0;
constexpr uint32_t kIo = 1;

Value config_error(uint32_t kind, std::string_view message) {
  return Value::err(Value::variant(kind, Value::string(guest_text(message))));
}

Result<HostInterface> config_store_iface() {
  Decl d("wasi:config/store", "0.2.0-draft");
  const TypeId string = d.types().string();
  const TypeId error = d.variant({"upstream", "io"}, {string, string});
  // hookd.config.get: key (rest) -> u8 found, value (rest).
  d.fn("get", {string}, d.result(d.option(string), error),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         std::vector<uint8_t> reply;
         const std::string_view key = a[0].text();
         if (auto ok = wasi_state(c).call_host("hookd.config.get", wire::as_bytes(key), reply); !ok) {
           if (ok.error().kind == ErrorKind::kNotFound) {
             return give(r, config_error(kIo, "hookd's config is not available to this component"));
           }
           return give(r, config_error(kUpstream, ok.error().message));
         }
         if (reply.empty()) return give(r, config_error(kUpstream, "hookd.config.get: malformed reply"));
         if (reply[0] != 1) return give(r, Value::ok(Value::none()));
         const std::string_view value(reinterpret_cast<const char*>(reply.data()) + 1, reply.size() - 1);
         if (!util::valid_utf8(value)) {
           return give(r,
                       config_error(kUpstream, "the value of \"" + guest_text(key, 64) + "\" is not UTF-8"));
         }
         return give(r, Value::ok(Value::some(Value::string(std::string(value)))));
       });
  // hookd.config.list: -> u32 n, n x (str name, str value).
  d.fn("get-all", {}, d.result(d.list(d.tuple({string, string})), error),
       [](HostCall& c, std::span<const Value>, std::vector<Value>& r) -> Result<void> {
         std::vector<uint8_t> reply;
         if (auto ok = wasi_state(c).call_host("hookd.config.list", {}, reply); !ok) {
           if (ok.error().kind == ErrorKind::kNotFound) {
             return give(r, config_error(kIo, "hookd's config is not available to this component"));
           }
           return give(r, config_error(kUpstream, ok.error().message));
         }
         wire::Reader in(reply);
         auto n = in.fixed<uint32_t>();
         if (!n) return give(r, config_error(kUpstream, "hookd.config.list: malformed reply"));
         std::vector<Value> pairs;
         for (uint32_t i = 0; i < *n; ++i) {
           auto name = in.bytes();
           auto value = name ? in.bytes() : std::nullopt;
           if (!value) return give(r, config_error(kUpstream, "hookd.config.list: malformed reply"));
           if (!util::valid_utf8(*name) || !util::valid_utf8(*value)) {
             return give(
                 r, config_error(kUpstream, "the value of \"" + guest_text(*name, 64) + "\" is not UTF-8"));
           }
           pairs.push_back(
               Value::tuple({Value::string(std::string(*name)), Value::string(std::string(*value))}));
         }
         return give(r, Value::ok(Value::list(std::move(pairs))));
       });
  return std::move(d).finish();
}

}  // namespace

Result<void> add_config_interfaces(std::vector<HostInterface>& out) {
  auto iface = config_store_iface();
  if (!iface) return std::unexpected(iface.error());
  out.push_back(std::move(*iface));
  return {};
}

}  // namespace hookd::engine::component::wasi
