// hookd C++20 PDK: a thin, header-only layer over the C PDK (hookd/pdk.h).
// No exceptions (the wasm32 libc++ has none): functions return
// hookd::pdk::Result<T>, which holds either a value or a hookd::pdk::Error.
//
//   HOOKD_INIT() {
//     hookd::pdk::fn("upper", [](hookd::pdk::Bytes in) -> hookd::pdk::Result<std::string> {
//       if (in.empty()) return hookd::pdk::Error{400, "empty input"};
//       std::string s(in.begin(), in.end());
//       for (char& c : s) c = char(std::toupper(c));
//       return s;
//     }, hookd::pdk::Format::text, hookd::pdk::Format::text);
//     hookd::pdk::typed_fn<Greet, Reply>("greet", [](const Greet& g) -> hookd::pdk::Result<Reply> {...});
//   }
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "msgpack.hpp"
#include "pdk.h"

namespace hookd::pdk {

using Bytes = std::span<const uint8_t>;

enum class Format : int {
  bytes = HOOKD_FORMAT_BYTES,
  msgpack = HOOKD_FORMAT_MSGPACK,
  json = HOOKD_FORMAT_JSON,
  text = HOOKD_FORMAT_TEXT,
};

// status: HTTP-style status 400..599 the plugin asks for (0 = host default).
// code: for host_call failures, HOOKD_HOST_ERROR or HOOKD_HOST_NOT_FOUND.
struct Error {
  int status = 0;
  std::string message;
  int code = HOOKD_ERROR;
};

template <class T>
class [[nodiscard]] Result {
 public:
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, Error> &&
           !std::is_same_v<std::remove_cvref_t<U>, Result>) Result(U&& v)
      : v_(std::in_place_index<0>, std::forward<U>(v)) {}
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Only valid when ok() / !ok(); get_if keeps this free of exception paths.
  T& value() & { return *std::get_if<0>(&v_); }
  const T& value() const& { return *std::get_if<0>(&v_); }
  T&& value() && { return std::move(*std::get_if<0>(&v_)); }
  T* operator->() { return std::get_if<0>(&v_); }
  T& operator*() { return value(); }
  const Error& error() const { return *std::get_if<1>(&v_); }

 private:
  std::variant<T, Error> v_;
};

namespace log {
inline void write(int level, std::string_view m) { hookd_log_n(level, m.data(), m.size()); }
inline void trace(std::string_view m) { write(HOOKD_LOG_TRACE, m); }
inline void debug(std::string_view m) { write(HOOKD_LOG_DEBUG, m); }
inline void info(std::string_view m) { write(HOOKD_LOG_INFO, m); }
inline void warn(std::string_view m) { write(HOOKD_LOG_WARN, m); }
inline void error(std::string_view m) { write(HOOKD_LOG_ERROR, m); }
}  // namespace log

namespace detail {
// Owned outputs must outlive the call: they are moved here and replaced by the
// next call's output (the host has copied the previous one by then).
inline std::string out_string;
inline std::vector<uint8_t> out_bytes;

inline int fail(const Error& e) { return hookd_error_n(e.status, e.message.data(), e.message.size()); }
inline int emit(std::string&& s) {
  out_string = std::move(s);
  return hookd_output(out_string.data(), out_string.size());
}
inline int emit(std::vector<uint8_t>&& v) {
  out_bytes = std::move(v);
  return hookd_output(out_bytes.data(), out_bytes.size());
}
// Views are output without a copy: they must point at the input or at data
// that outlives the call.
inline int emit(std::span<const uint8_t> v) { return hookd_output(v.data(), v.size()); }
inline int emit(std::string_view v) { return hookd_output(v.data(), v.size()); }

template <class F>
int register_closure(const char* name, F&& f, Format in, Format out, hookd_fn_ctx tramp) {
  using Fn = std::decay_t<F>;
  auto* held = new Fn(std::forward<F>(f));  // lives as long as the instance
  int rc = hookd_register_ctx(name, tramp, held, int(in), int(out));
  if (rc != 0) delete held;
  return rc;
}
}  // namespace detail

// Registers `f(hookd::pdk::Bytes) -> Result<R>` with R one of std::string,
// std::vector<uint8_t>, std::span<const uint8_t>, std::string_view. Call from
// HOOKD_INIT(). Returns 0 or a negative HOOKD_REGISTER_* code.
template <class F>
int fn(const char* name, F&& f, Format in = Format::bytes, Format out = Format::bytes) {
  using Fn = std::decay_t<F>;
  hookd_fn_ctx tramp = [](void* ctx, const uint8_t* p, size_t n) -> int {
    auto r = (*static_cast<Fn*>(ctx))(Bytes(p, n));
    if (!r) return detail::fail(r.error());
    return detail::emit(std::move(r).value());
  };
  return detail::register_closure(name, std::forward<F>(f), in, out, tramp);
}

// Decodes msgpack into T (described struct or any supported type).
template <class T>
Result<T> unpack(Bytes in) {
  T v{};
  std::string err;
  if (!msgpack::unpack(in, v, &err)) return Error{400, "invalid msgpack input: " + err};
  return v;
}

// Registers a msgpack -> msgpack function `f(const In&) -> Result<Out>`.
// Undecodable input is answered with status 400 before f runs.
template <class In, class Out, class F>
int typed_fn(const char* name, F&& f) {
  using Fn = std::decay_t<F>;
  hookd_fn_ctx tramp = [](void* ctx, const uint8_t* p, size_t n) -> int {
    Result<In> in = unpack<In>(Bytes(p, n));
    if (!in) return detail::fail(in.error());
    Result<Out> r = (*static_cast<Fn*>(ctx))(std::as_const(in.value()));
    if (!r) return detail::fail(r.error());
    detail::out_bytes.clear();  // keeps its capacity: no allocation once warm
    msgpack::pack(detail::out_bytes, r.value());
    return hookd_output(detail::out_bytes.data(), detail::out_bytes.size());
  };
  return detail::register_closure(name, std::forward<F>(f), Format::msgpack, Format::msgpack, tramp);
}

// Calls a host function. Errors carry code HOOKD_HOST_ERROR (message from
// the host) or HOOKD_HOST_NOT_FOUND ("host function not found: <name>").
inline Result<std::vector<uint8_t>> host_call(std::string_view name, Bytes in) {
  size_t len = 0;
  int rc = hookd_host_call_start(name.data(), name.size(), in.data(), in.size(), &len);
  if (rc == HOOKD_HOST_NOT_FOUND)
    return Error{0, "host function not found: " + std::string(name), HOOKD_HOST_NOT_FOUND};
  std::vector<uint8_t> buf(len);
  buf.resize(hookd_host_result(buf.data(), buf.size()));
  if (rc == HOOKD_HOST_OK) return buf;
  return Error{0, std::string(buf.begin(), buf.end()), HOOKD_HOST_ERROR};
}

inline Result<std::vector<uint8_t>> host_call(std::string_view name, std::string_view in) {
  return host_call(name, Bytes(reinterpret_cast<const uint8_t*>(in.data()), in.size()));
}

// A typed (msgpack -> msgpack) host function:
//   hookd::pdk::HostFn<Query, Rows> db("db.query");  auto rows = db.call(q);
template <class In, class Out>
class HostFn {
 public:
  explicit HostFn(std::string name) : name_(std::move(name)) {}

  Result<Out> call(const In& in) const {
    std::vector<uint8_t> req = msgpack::pack(in);
    auto res = host_call(name_, Bytes(req));
    if (!res) return res.error();
    Out out{};
    std::string err;
    if (!msgpack::unpack(Bytes(res.value()), out, &err))
      return Error{502, "invalid msgpack from host function " + name_ + ": " + err};
    return out;
  }

 private:
  std::string name_;
};

}  // namespace hookd::pdk
