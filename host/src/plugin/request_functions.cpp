// hookd.request.*: what a plugin may read about the HTTP request its call
// answers. Everything is read from the embedder's views when the plugin asks
// and written into the reply buffer the engine reuses, so a call that never
// asks costs nothing and one that does allocates nothing once warm.
#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "hookd/engine/guest_memory.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/host/plugin_services.hpp"
#include "hookd/util/wire.hpp"
#include "plugin/services.hpp"

namespace hookd::host::detail {
namespace wire = util::wire;
namespace {

using engine::CallContext;
using engine::ErrorKind;
using engine::HostFunction;
using engine::RequestView;
using Bytes = std::span<const uint8_t>;
using Out = std::vector<uint8_t>;

std::unexpected<engine::Error> no_request(std::string_view fn) {
  return engine::fail(ErrorKind::kHostError, std::string(fn) + ": this call has no HTTP request");
}

// A function that answers with one string of the request.
template <class Field>
HostFunction string_field(std::string_view name, Field field) {
  return HostFunction{std::string(name),
                      [name, field](const CallContext& ctx, Bytes, Out& out) -> engine::Result<void> {
                        if (ctx.request == nullptr) return no_request(name);
                        wire::Writer(out).raw(field(ctx, *ctx.request));
                        return {};
                      }};
}

// The reply of a lookup: u8 found, then the value.
void found(Out& out, const std::string_view* value) {
  wire::Writer w(out);
  w.fixed<uint8_t>(value ? 1 : 0);
  if (value) w.raw(*value);
}

// Scratch for decoded text, reused by every call on this thread.
std::string& scratch() {
  thread_local std::string s;
  return s;
}

// The index-th value of header `name` (case-insensitive).
class NthHeader final : public engine::HeaderVisitor {
 public:
  NthHeader(std::string_view name, uint32_t index) : name_(name), left_(index) {}
  bool field(std::string_view name, std::string_view value) override {
    if (!engine::header_name_equal(name, name_)) return true;
    if (left_-- > 0) return true;
    value_ = value;
    found_ = true;
    return false;
  }
  [[nodiscard]] const std::string_view* value() const { return found_ ? &value_ : nullptr; }

 private:
  std::string_view name_;
  uint32_t left_;
  std::string_view value_;
  bool found_ = false;
};

// Every header, encoded as hookd.request.headers replies.
class AllHeaders final : public engine::HeaderVisitor {
 public:
  explicit AllHeaders(Out& out) : w_(out) { w_.fixed<uint32_t>(0); }
  bool field(std::string_view name, std::string_view value) override {
    w_.bytes(name).bytes(value);
    ++count_;
    return true;
  }
  [[nodiscard]] uint32_t count() const { return count_; }

 private:
  wire::Writer w_;
  uint32_t count_ = 0;
};

// The index-th value of header `name`: through the call's index when the
// engine gave one (one walk of the fields per call), else by walking them.
std::optional<std::string_view> nth_header(const CallContext& ctx, std::string_view name, uint32_t index) {
  if (ctx.request->headers == nullptr) return std::nullopt;
  if (ctx.header_index != nullptr) return ctx.header_index->find(*ctx.request->headers, name, index);
  NthHeader nth(name, index);
  ctx.request->headers->visit(nth);
  if (const std::string_view* v = nth.value()) return *v;
  return std::nullopt;
}

engine::Result<void> header(const CallContext& ctx, Bytes in, Out& out) {
  if (ctx.request == nullptr) return no_request(kRequestHeader);
  wire::Reader r(in);
  auto index = r.fixed<uint32_t>();
  if (!index) return engine::fail(ErrorKind::kHostError, "hookd.request.header: malformed request payload");
  const auto value = nth_header(ctx, r.rest(), *index);
  found(out, value ? &*value : nullptr);
  return {};
}

// hookd.request.header, direct form: (ptr, n) addresses n descriptors of
// kRequestHeaderDescriptorBytes, little-endian u32 fields: name_ptr,
// name_len, index, buf_ptr, cap, then len and found, which the host writes.
// A found value's first min(len, cap) bytes go straight into its buffer:
// nothing is encoded and nothing is copied but the value.
engine::Result<void> header_direct(const CallContext& ctx, std::span<uint8_t> mem, uint32_t ptr, uint32_t n) {
  if (ctx.request == nullptr) return no_request(kRequestHeader);
  if (n > kMaxDirectHeaders) {
    return engine::fail(ErrorKind::kHostError, "hookd.request.header: at most 100 descriptors per call");
  }
  constexpr uint32_t kSize = kRequestHeaderDescriptorBytes;
  auto table = engine::guest_span(mem, static_cast<int32_t>(ptr), static_cast<int32_t>(n * kSize));
  if (!table) return engine::fail(ErrorKind::kTrap, "hookd.request.header: descriptors out of bounds");
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t* d = table->data() + i * kSize;
    uint32_t f[5];
    std::memcpy(f, d, sizeof f);
    auto name = engine::guest_string(mem, static_cast<int32_t>(f[0]), static_cast<int32_t>(f[1]));
    auto buf = engine::guest_span(mem, static_cast<int32_t>(f[3]), static_cast<int32_t>(f[4]));
    if (!name || !buf)
      return engine::fail(ErrorKind::kTrap, "hookd.request.header: name or buffer out of bounds");
    const auto value = nth_header(ctx, *name, f[2]);
    // The value is the embedder's, never guest memory, so it cannot overlap
    // the buffer.
    const auto len = value ? static_cast<uint32_t>(value->size()) : 0u;
    if (len > 0) std::memcpy(buf->data(), value->data(), std::min<std::size_t>(len, buf->size()));
    const uint32_t result[2] = {len, value ? 1u : 0u};
    std::memcpy(d + 20, result, sizeof result);
  }
  return {};
}

engine::Result<void> headers(const CallContext& ctx, Bytes, Out& out) {
  if (ctx.request == nullptr) return no_request(kRequestHeaders);
  AllHeaders all(out);
  if (ctx.request->headers != nullptr) ctx.request->headers->visit(all);
  const uint32_t n = all.count();
  std::memcpy(out.data(), &n, 4);
  return {};
}

engine::Result<void> query_param(const CallContext& ctx, Bytes in, Out& out) {
  if (ctx.request == nullptr) return no_request(kRequestQueryParam);
  std::string& value = scratch();
  const bool present = engine::find_query_param(ctx.request->query(), text(in), value);
  const std::string_view v = value;
  found(out, present ? &v : nullptr);
  return {};
}

engine::Result<void> route_param(const CallContext& ctx, Bytes in, Out& out) {
  if (ctx.request == nullptr) return no_request(kRequestRouteParam);
  for (const engine::HeaderField& p : ctx.request->route_params) {
    if (p.name == text(in)) {
      found(out, &p.value);
      return {};
    }
  }
  found(out, nullptr);
  return {};
}

engine::Result<void> path_decoded(const CallContext& ctx, Bytes, Out& out) {
  if (ctx.request == nullptr) return no_request(kRequestPathDecoded);
  std::string& path = scratch();
  if (!engine::percent_decode(ctx.request->path(), false, path)) {
    return engine::fail(ErrorKind::kHostError, "hookd.request.path_decoded: the path has a malformed escape");
  }
  wire::Writer(out).raw(path);
  return {};
}

}  // namespace

void add_request_functions(std::vector<HostFunction>& fns) {
  fns.push_back(
      string_field(kRequestMethod, [](const CallContext&, const RequestView& r) { return r.method; }));
  fns.push_back(
      string_field(kRequestPath, [](const CallContext&, const RequestView& r) { return r.path(); }));
  fns.push_back(
      string_field(kRequestQuery, [](const CallContext&, const RequestView& r) { return r.query(); }));
  fns.push_back(string_field(kRequestClientAddress,
                             [](const CallContext&, const RequestView& r) { return r.client_address; }));
  fns.push_back(
      string_field(kRequestId, [](const CallContext& ctx, const RequestView&) { return ctx.request_id; }));
  // The call's own span as a W3C traceparent, empty when it is in no trace;
  // not tied to an HTTP request (a WebSocket message's call has one too).
  fns.push_back(HostFunction{std::string(kRequestTraceparent),
                             [](const CallContext& ctx, Bytes, Out& out) -> engine::Result<void> {
                               if (ctx.trace == nullptr) return {};
                               std::array<char, util::kTraceparentSize> text{};
                               util::format_traceparent(*ctx.trace, text);
                               wire::Writer(out).raw(std::string_view(text.data(), text.size()));
                               return {};
                             }});
  fns.push_back(HostFunction{std::string(kRequestPathDecoded), path_decoded});
  fns.push_back(HostFunction{std::string(kRequestQueryParam), query_param});
  fns.push_back(HostFunction{std::string(kRequestRouteParam), route_param});
  fns.push_back(HostFunction{std::string(kRequestHeader), header, header_direct});
  fns.push_back(HostFunction{std::string(kRequestHeaders), headers});
}

}  // namespace hookd::host::detail
