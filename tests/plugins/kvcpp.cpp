// The C++ PDK's host-service layer: a small KV-backed note store.
#include <hookd/pdk_host.hpp>

namespace {

// set: input "key=value"; get: input key; swap: input "key=old>new".
hookd::pdk::Result<std::string> set(hookd::pdk::Bytes in) {
  std::string_view s(reinterpret_cast<const char*>(in.data()), in.size());
  size_t eq = s.find('=');
  if (eq == std::string_view::npos) return hookd::pdk::Error{400, "want key=value"};
  auto r = hookd::pdk::kv::set(s.substr(0, eq), s.substr(eq + 1));
  if (!r) return r.error();
  return std::string("stored");
}

hookd::pdk::Result<std::string> get(hookd::pdk::Bytes in) {
  std::string_view key(reinterpret_cast<const char*>(in.data()), in.size());
  auto r = hookd::pdk::kv::get(key);
  if (!r) return r.error();
  if (!r.value()) return hookd::pdk::Error{404, "no such key"};
  return *r.value();
}

// del: input key -> "deleted" or "absent".
hookd::pdk::Result<std::string> del(hookd::pdk::Bytes in) {
  std::string_view key(reinterpret_cast<const char*>(in.data()), in.size());
  auto r = hookd::pdk::kv::del(key);
  if (!r) return r.error();
  return std::string(r.value() ? "deleted" : "absent");
}

hookd::pdk::Result<std::string> swap(hookd::pdk::Bytes in) {
  std::string_view s(reinterpret_cast<const char*>(in.data()), in.size());
  size_t eq = s.find('='), gt = s.find('>');
  if (eq == std::string_view::npos || gt == std::string_view::npos || gt < eq)
    return hookd::pdk::Error{400, "want key=old>new"};
  auto r = hookd::pdk::kv::cas(s.substr(0, eq), s.substr(eq + 1, gt - eq - 1), s.substr(gt + 1));
  if (!r) return r.error();
  return std::string(r.value() ? "swapped" : "mismatch");
}

// many: input "k1,k2,..." -> "k1=v1;k2=-;..." (- when absent), one host call.
hookd::pdk::Result<std::string> many(hookd::pdk::Bytes in) {
  std::string_view s(reinterpret_cast<const char*>(in.data()), in.size());
  std::vector<std::string_view> keys;
  for (size_t start = 0; start <= s.size();) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    keys.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  auto r = hookd::pdk::kv::get_many(keys);
  if (!r) return r.error();
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ';';
    out += std::string(keys[i]) + "=" + ((*r)[i] ? *(*r)[i] : std::string("-"));
  }
  return out;
}

hookd::pdk::Result<std::string> greeting(hookd::pdk::Bytes) {
  return hookd::pdk::config_get("greeting").value_or("(none)");
}

}  // namespace

HOOKD_INIT() {
  hookd::pdk::fn("set", set);
  hookd::pdk::fn("get", get);
  hookd::pdk::fn("del", del);
  hookd::pdk::fn("swap", swap);
  hookd::pdk::fn("greeting", greeting);
  hookd::pdk::fn("many", many);
}
