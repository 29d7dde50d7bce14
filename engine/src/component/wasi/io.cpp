// wasi:io/streams, poll and error. Bodies are buffered (the request body
// is the call's input, the response body is collected for the call's
// output, an outgoing request's body is collected and its response read
// whole), so every stream is ready at once. A pollable waits when it is a
// clock's; an outgoing response's is ready once the request could be sent
// (sending it, outgoing_fetch.hpp), and never while the guest has yet to
// finish that request's body.
#include <algorithm>
#include <string>
#include <thread>

#include "component/wasi/interfaces.hpp"
#include "component/wasi/outgoing_fetch.hpp"
#include "component/wasi/state.hpp"

namespace hookd::engine::component::wasi {
namespace {

constexpr size_t kMaxPollList = 1024;

struct Streams {
  TypeId in_own, in_borrow, out_borrow, pollable_own, bytes, stream_error, read_result, u64_result,
      unit_result;
};

Streams stream_types(Decl& d) {
  Streams t{};
  t.in_own = d.own(Res::kInputStream);
  t.in_borrow = d.borrow(Res::kInputStream);
  t.out_borrow = d.borrow(Res::kOutputStream);
  t.pollable_own = d.own(Res::kPollable);
  t.bytes = d.list(d.types().u8());
  t.stream_error = stream_error_type(d);
  t.read_result = d.result(t.bytes, t.stream_error);
  t.u64_result = d.result(d.types().u64(), t.stream_error);
  t.unit_result = d.result(std::nullopt, t.stream_error);
  return t;
}

// Reads (or skips) up to `len` bytes of an input stream.
Result<void> read(HostCall& call, std::span<const Value> args, std::vector<Value>& results, bool skip) {
  WasiState& st = wasi_state(call);
  auto in = st.get<InputStreamObj>(args[0].handle_rep());
  if (!in) return std::unexpected(in.error());
  std::span<const uint8_t> all;
  if ((*in)->source == InputStreamObj::Source::kRequestBody) {
    all = st.request_body();
  } else if ((*in)->source == InputStreamObj::Source::kFetchedBody) {
    const std::string& fetched = st.exchange((*in)->exchange).response_body;
    all = {reinterpret_cast<const uint8_t*>(fetched.data()), fetched.size()};
  }
  const size_t offset = std::min((*in)->offset, all.size());
  if (offset == all.size() && args[1].as_u64() > 0) {
    auto e = stream_error(st, "");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  const size_t n = static_cast<size_t>(
      std::min<uint64_t>({args[1].as_u64(), all.size() - offset, st.options().max_chunk_bytes}));
  (*in)->offset = offset + n;
  if (skip) return give(results, Value::ok(Value::u64(n)));
  return give(results, Value::ok(Value::bytes(all.subspan(offset, n))));
}

// Where an output stream's bytes go, and how many more it takes.
struct Target {
  OutputStreamObj* stream;
  std::string* body;  // the response's or outgoing request's; null: stdout or stderr
  size_t room;
};

Result<Target> target(WasiState& st, uint32_t rep) {
  auto out = st.get<OutputStreamObj>(rep);
  if (!out) return std::unexpected(out.error());
  Target t{*out, nullptr, st.options().max_log_write_bytes};
  bool finished = false;
  if ((*out)->sink == OutputStreamObj::Sink::kResponseBody) {
    ResponseData& resp = st.response((*out)->response);
    t.body = &resp.body;
    finished = resp.body_finished;
  } else if ((*out)->sink == OutputStreamObj::Sink::kRequestBody) {
    OutgoingExchange& x = st.exchange((*out)->exchange);
    t.body = &x.body;
    finished = x.body_finished || x.done || !x.refused.empty();
  }
  if (t.body != nullptr) {
    if (finished) (*out)->closed = true;
    const size_t limit = st.body_limit();
    t.room = limit - std::min(limit, t.body->size());
  }
  return t;
}

// Writes `data` (or `zeroes` zero bytes) to an output stream.
Result<void> write(HostCall& call, uint32_t rep, std::span<const uint8_t> data, uint64_t zeroes,
                   std::vector<Value>& results) {
  WasiState& st = wasi_state(call);
  auto t = target(st, rep);
  if (!t) return std::unexpected(t.error());
  const uint64_t n = data.empty() ? zeroes : data.size();
  if (t->stream->closed) {
    auto e = stream_error(st, "");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  if (t->body == nullptr) {
    if (data.empty()) {
      const std::string z(static_cast<size_t>(std::min<uint64_t>(zeroes, st.options().max_log_write_bytes)),
                          '\0');
      st.log_write(t->stream->sink, {reinterpret_cast<const uint8_t*>(z.data()), z.size()});
    } else {
      st.log_write(t->stream->sink, data);
    }
    return give(results, Value::ok());
  }
  if (n > t->room) {
    t->stream->closed = true;
    auto e = stream_error(st, "the body would pass " + std::to_string(st.body_limit()) + " bytes");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  if (data.empty()) {
    t->body->append(static_cast<size_t>(n), '\0');
  } else {
    t->body->append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  return give(results, Value::ok());
}

Result<void> check_write(HostCall& call, std::span<const Value> args, std::vector<Value>& results) {
  WasiState& st = wasi_state(call);
  auto t = target(st, args[0].handle_rep());
  if (!t) return std::unexpected(t.error());
  if (!t->stream->closed && t->room == 0) {
    t->stream->closed = true;
    auto e = stream_error(st, "the body reached " + std::to_string(st.body_limit()) + " bytes");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  if (t->stream->closed) {
    auto e = stream_error(st, "");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  return give(results, Value::ok(Value::u64(std::min(t->room, st.options().max_chunk_bytes))));
}

Result<void> flush(HostCall& call, std::span<const Value> args, std::vector<Value>& results) {
  WasiState& st = wasi_state(call);
  auto t = target(st, args[0].handle_rep());
  if (!t) return std::unexpected(t.error());
  if (t->stream->closed) {
    auto e = stream_error(st, "");
    if (!e) return std::unexpected(e.error());
    return give(results, Value::err(std::move(*e)));
  }
  return give(results, Value::ok());
}

Result<void> splice(HostCall& call, std::span<const Value> args, std::vector<Value>& results) {
  // Read from the source, then write what was read.
  std::vector<Value> got;
  const std::array<Value, 2> read_args{args[1], args[2]};
  if (auto ok = read(call, read_args, got, false); !ok) return ok;
  if (got[0].case_index() != 0) return give(results, std::move(got[0]));
  const Value& bytes = *got[0].payload();
  std::vector<Value> wrote;
  if (auto ok = write(call, args[0].handle_rep(), bytes.bytes(), 0, wrote); !ok) return ok;
  if (wrote[0].case_index() != 0) return give(results, std::move(wrote[0]));
  return give(results, Value::ok(Value::u64(bytes.bytes().size())));
}

// Whether `p` is ready; an outgoing response's is once its request could
// be sent, which sends it.
bool ready(WasiState& st, const PollableObj& p) {
  if (p.exchange) return settle_exchange(st, *p.exchange);
  return !p.when || Clock::now() >= *p.when;
}

Result<void> waits_forever() {
  return fail(ErrorKind::kTrap,
              "wasi: waiting for an outgoing response whose request body the component has not finished");
}

// Waits until `when`, within the call's deadline and WasiOptions::max_wait.
Result<void> wait_until(WasiState& st, Clock::time_point when) {
  const Clock::time_point now = Clock::now();
  if (now >= when) return {};
  const CallContext* call = st.call();
  if (call == nullptr) return fail(ErrorKind::kTrap, "wasi: a pollable blocked outside a call");
  Clock::time_point stop = now + st.options().max_wait;
  if (call->deadline != Clock::time_point{}) stop = std::min(stop, call->deadline);
  if (stop < when) {
    std::this_thread::sleep_until(stop);
    return fail(ErrorKind::kTimeout, "wasi: a pollable would wait past the call's deadline");
  }
  std::this_thread::sleep_until(when);
  return {};
}

Result<HostInterface> streams() {
  Decl d("wasi:io/streams", "0.2");
  const Streams t = stream_types(d);
  const TypeId u64 = d.types().u64();
  d.resource(Res::kInputStream);
  d.resource(Res::kOutputStream);
  for (const char* name : {"[method]input-stream.read", "[method]input-stream.blocking-read"}) {
    d.fn(name, {t.in_borrow, u64}, t.read_result,
         [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) { return read(c, a, r, false); });
  }
  for (const char* name : {"[method]input-stream.skip", "[method]input-stream.blocking-skip"}) {
    d.fn(name, {t.in_borrow, u64}, t.u64_result,
         [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) { return read(c, a, r, true); });
  }
  const auto subscribe = [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
    WasiState& st = wasi_state(c);
    // The stream must be live (either kind: the caller's declared type says which).
    (void)a;
    auto p = ready_pollable(st);
    if (!p) return std::unexpected(p.error());
    return give(r, std::move(*p));
  };
  d.fn("[method]input-stream.subscribe", {t.in_borrow}, t.pollable_own,
       [subscribe](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         if (auto in = wasi_state(c).get<InputStreamObj>(a[0].handle_rep()); !in)
           return std::unexpected(in.error());
         return subscribe(c, a, r);
       });
  d.fn("[method]output-stream.subscribe", {t.out_borrow}, t.pollable_own,
       [subscribe](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         if (auto o = wasi_state(c).get<OutputStreamObj>(a[0].handle_rep()); !o)
           return std::unexpected(o.error());
         return subscribe(c, a, r);
       });
  d.fn("[method]output-stream.check-write", {t.out_borrow}, t.u64_result, check_write);
  for (const char* name : {"[method]output-stream.write", "[method]output-stream.blocking-write-and-flush"}) {
    d.fn(name, {t.out_borrow, t.bytes}, t.unit_result,
         [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) {
           return write(c, a[0].handle_rep(), a[1].bytes(), 0, r);
         });
  }
  for (const char* name :
       {"[method]output-stream.write-zeroes", "[method]output-stream.blocking-write-zeroes-and-flush"}) {
    d.fn(name, {t.out_borrow, u64}, t.unit_result,
         [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) {
           return write(c, a[0].handle_rep(), {}, a[1].as_u64(), r);
         });
  }
  for (const char* name : {"[method]output-stream.flush", "[method]output-stream.blocking-flush"}) {
    d.fn(name, {t.out_borrow}, t.unit_result, flush);
  }
  for (const char* name : {"[method]output-stream.splice", "[method]output-stream.blocking-splice"}) {
    d.fn(name, {t.out_borrow, t.in_borrow, u64}, t.u64_result, splice);
  }
  return std::move(d).finish();
}

Result<HostInterface> poll() {
  Decl d("wasi:io/poll", "0.2");
  d.resource(Res::kPollable);
  const TypeId borrow = d.borrow(Res::kPollable);
  d.fn("[method]pollable.ready", {borrow}, d.types().boolean(),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto p = st.get<PollableObj>(a[0].handle_rep());
         if (!p) return std::unexpected(p.error());
         return give(r, Value::boolean(ready(st, **p)));
       });
  d.fn("[method]pollable.block", {borrow}, std::nullopt,
       [](HostCall& c, std::span<const Value> a, std::vector<Value>&) -> Result<void> {
         WasiState& st = wasi_state(c);
         auto p = st.get<PollableObj>(a[0].handle_rep());
         if (!p) return std::unexpected(p.error());
         if ((*p)->exchange) return ready(st, **p) ? Result<void>{} : waits_forever();
         if (!(*p)->when) return {};
         return wait_until(st, *(*p)->when);
       });
  d.fn("poll", {d.list(borrow)}, d.list(d.types().u32()),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         WasiState& st = wasi_state(c);
         const auto list = a[0].items();
         if (list.empty()) return fail(ErrorKind::kTrap, "wasi: poll of an empty list");
         if (list.size() > kMaxPollList) {
           return fail(ErrorKind::kTrap,
                       "wasi: poll of more than " + std::to_string(kMaxPollList) + " pollables");
         }
         std::vector<const PollableObj*> ps;
         ps.reserve(list.size());
         // The earliest a pollable may be ready: now for one ready already
         // (an outgoing response is sent here), a clock's instant, never for
         // an outgoing response whose body is still open.
         std::optional<Clock::time_point> earliest;
         for (const Value& v : list) {
           auto p = st.get<PollableObj>(v.handle_rep());
           if (!p) return std::unexpected(p.error());
           ps.push_back(*p);
           if ((*p)->exchange && !ready(st, **p)) continue;
           const Clock::time_point when =
               (*p)->exchange ? Clock::time_point{} : (*p)->when.value_or(Clock::time_point{});
           if (!earliest || when < *earliest) earliest = when;
         }
         if (!earliest) return waits_forever();
         if (auto ok = wait_until(st, *earliest); !ok) return ok;
         std::vector<Value> out;
         for (size_t i = 0; i < ps.size(); ++i) {
           if (ready(st, *ps[i])) out.push_back(Value::u32(static_cast<uint32_t>(i)));
         }
         return give(r, Value::list(std::move(out)));
       });
  return std::move(d).finish();
}

Result<HostInterface> error() {
  Decl d("wasi:io/error", "0.2");
  d.resource(Res::kError);
  d.fn("[method]error.to-debug-string", {d.borrow(Res::kError)}, d.types().string(),
       [](HostCall& c, std::span<const Value> a, std::vector<Value>& r) -> Result<void> {
         auto e = wasi_state(c).get<ErrorObj>(a[0].handle_rep());
         if (!e) return std::unexpected(e.error());
         return give(r, Value::string((*e)->message));
       });
  return std::move(d).finish();
}

}  // namespace

TypeId stream_error_type(Decl& d) {
  return d.variant({"last-operation-failed", "closed"}, {d.own(Res::kError), std::nullopt});
}

Result<Value> stream_error(WasiState& state, std::string message) {
  if (message.empty()) return Value::variant(1);
  auto e = state.make(ErrorObj{std::move(message)});
  if (!e) return std::unexpected(e.error());
  return Value::variant(0, Value::handle(*e));
}

Result<Value> ready_pollable(WasiState& state) {
  auto p = state.make(PollableObj{});
  if (!p) return std::unexpected(p.error());
  return Value::handle(*p);
}

Result<void> add_io_interfaces(std::vector<HostInterface>& out) {
  for (auto make : {streams, poll, error}) {
    auto iface = make();
    if (!iface) return std::unexpected(iface.error());
    out.push_back(std::move(*iface));
  }
  return {};
}

}  // namespace hookd::engine::component::wasi
