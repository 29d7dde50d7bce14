// The host objects of one component instance (HostState): every fields,
// request, response, body, stream, pollable and error the guest holds a
// handle to, by representation (the u32 the guest's handle stands for).
//
// One table for all kinds: a representation is an index + 1, and each slot
// knows its kind, so a representation used as another kind (or after its
// drop) traps instead of reaching the wrong object. Each kind is bounded
// (WasiOptions::max_objects_per_kind); freed slots are reused.
//
// The objects of a call (the request, its body, the outparam, responses and
// their bodies) carry the call's number: used after their call ended they
// trap, though the guest may still drop them.
//
// A pointer get() returns stays valid until that object is taken or dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "component/host_interface.hpp"
#include "component/wasi/fields.hpp"
#include "component/wasi/options.hpp"
#include "component/wasi/resources.hpp"
#include "hookd/engine/http_exchange.hpp"
#include "hookd/engine/plugin.hpp"

namespace hookd::engine::component::wasi {

using Clock = std::chrono::steady_clock;

struct FieldsObj {
  static constexpr Res kKind = Res::kFields;
  Fields fields;
};
struct IncomingRequestObj {
  static constexpr Res kKind = Res::kIncomingRequest;
  bool consumed = false;
};
struct IncomingBodyObj {
  static constexpr Res kKind = Res::kIncomingBody;
  std::optional<uint32_t> exchange;  // a fetched response's body; none: the call's request body
  bool stream_taken = false;
};
struct InputStreamObj {
  static constexpr Res kKind = Res::kInputStream;
  enum class Source : uint8_t { kRequestBody, kFetchedBody, kEmpty } source = Source::kEmpty;
  uint32_t exchange = 0;  // kFetchedBody: index into the call's exchanges
  size_t offset = 0;
};
struct OutputStreamObj {
  static constexpr Res kKind = Res::kOutputStream;
  enum class Sink : uint8_t { kResponseBody, kRequestBody, kStdout, kStderr } sink = Sink::kStdout;
  uint32_t response = 0;  // kResponseBody: index into the call's responses
  uint32_t exchange = 0;  // kRequestBody: index into the call's exchanges
  bool closed = false;    // a write failed: every later operation reports closed
};
struct FutureTrailersObj {
  static constexpr Res kKind = Res::kFutureTrailers;
  bool taken = false;  // get() answered some(...) once
};
struct ResponseOutparamObj {
  static constexpr Res kKind = Res::kResponseOutparam;
};
struct OutgoingResponseObj {
  static constexpr Res kKind = Res::kOutgoingResponse;
  uint32_t response = 0;
};
struct OutgoingBodyObj {
  static constexpr Res kKind = Res::kOutgoingBody;
  uint32_t response = 0;
  std::optional<uint32_t> exchange;  // set: an outgoing request's body, not a response's
  bool stream_taken = false;
};
struct PollableObj {
  static constexpr Res kKind = Res::kPollable;
  std::optional<Clock::time_point> when;  // none: ready at once (unless `exchange`)
  std::optional<uint32_t> exchange;       // ready once that outgoing request has its answer
};
struct ErrorObj {
  static constexpr Res kKind = Res::kError;
  std::string message;
};
struct OutgoingRequestObj {
  static constexpr Res kKind = Res::kOutgoingRequest;
  Fields headers;
  canonical::Value method = canonical::Value::variant(0);  // get
  std::optional<std::string> path_with_query;
  std::optional<canonical::Value> scheme;
  std::optional<std::string> authority;
  bool body_taken = false;
  // The exchange its body() started, and the call that owns it.
  std::optional<uint32_t> exchange;
  uint64_t exchange_call = 0;
};
struct RequestOptionsObj {
  static constexpr Res kKind = Res::kRequestOptions;
  std::optional<uint64_t> connect_timeout;
  std::optional<uint64_t> first_byte_timeout;
  std::optional<uint64_t> between_bytes_timeout;
};

struct FutureIncomingResponseObj {
  static constexpr Res kKind = Res::kFutureIncomingResponse;
  uint32_t exchange = 0;
};
struct IncomingResponseObj {
  static constexpr Res kKind = Res::kIncomingResponse;
  uint32_t exchange = 0;
};
// A wasi:keyvalue bucket: its keys are the plugin's keys that start with
// `prefix` (empty for the plugin's own bucket), seen without it.
struct BucketObj {
  static constexpr Res kKind = Res::kBucket;
  std::string prefix;
};

using Object = std::variant<FieldsObj, IncomingRequestObj, IncomingBodyObj, InputStreamObj, OutputStreamObj,
                            FutureTrailersObj, ResponseOutparamObj, OutgoingResponseObj, OutgoingBodyObj,
                            PollableObj, ErrorObj, OutgoingRequestObj, RequestOptionsObj,
                            FutureIncomingResponseObj, IncomingResponseObj, BucketObj>;

// A response the guest built in this call.
struct ResponseData {
  uint16_t status = 200;
  Fields headers;
  std::string body;
  bool body_taken = false;
  bool body_finished = false;
};

// An outgoing request of this call (wasi:http/outgoing-handler) and, once
// sent through hookd.fetch, its answer. The fetch is lazy: it runs when the
// guest first waits for or asks for the response and the request body is
// finished (or was never taken), since a guest usually calls `handle`
// before it writes the body.
struct OutgoingExchange {
  // The request, set by `handle` (the body by its stream).
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool body_taken = false;
  bool body_finished = false;
  std::string refused;  // set: the request is never sent, and why (its body was dropped unfinished ...)
  bool handled = false;
  // The request-options timeouts (ns) the guest gave; they only shorten the call's deadline.
  std::optional<uint64_t> connect_timeout;
  std::optional<uint64_t> first_byte_timeout;
  // The answer: none until sent; then a response or an error-code.
  bool done = false;
  bool delivered = false;  // future-incoming-response.get handed it out
  std::optional<canonical::Value> error;
  uint16_t status = 0;
  Fields response_headers;
  std::string response_body;
  bool consumed = false;
};

// The representations of the incoming-handler's arguments for one request.
struct IncomingHandlerArgs {
  uint32_t request = 0;       // own<incoming-request>
  uint32_t response_out = 0;  // own<response-outparam>
};

class WasiState final : public HostState {
 public:
  explicit WasiState(const WasiOptions& options);

  void begin_call(CallContext& call) override;
  void end_call() override;

  // --- What the runtime calls around wasi:http/incoming-handler.handle ---
  //
  // After begin_call: makes the request (read from the call's RequestView)
  // and the outparam, and lends the request body (`body`, the call's input,
  // which must stay valid until end_call). Once per call.
  Result<IncomingHandlerArgs> begin_request(std::span<const uint8_t> body);
  // After handle returned: the response the guest set. Writes its status
  // and headers to `sink` (when not null; Content-Length and hop-by-hop
  // headers, which a clone of the request's fields may carry, are left to
  // the server) and returns its body, valid until end_call. A kPluginError with
  // status 500 when the guest set none, set an error-code (named in the
  // message), or took the body and never finished it.
  Result<std::span<const uint8_t>> take_response(ResponseSink* sink);

  // --- For the interfaces' functions ---
  [[nodiscard]] const WasiOptions& options() const { return options_; }
  [[nodiscard]] CallContext* call() const { return call_; }
  [[nodiscard]] uint64_t call_number() const { return call_number_; }

  template <class T>
  Result<uint32_t> make(T object, bool per_call = false) {
    return insert(Object(std::move(object)), T::kKind, per_call);
  }
  // The live object behind `rep`, or a kTrap naming what went wrong.
  template <class T>
  Result<T*> get(uint32_t rep) {
    auto slot = find(rep, T::kKind);
    if (!slot) return std::unexpected(slot.error());
    return &std::get<T>((*slot)->object);
  }
  // Removes the object (an own<> handed to the host) and returns it.
  template <class T>
  Result<T> take(uint32_t rep) {
    auto slot = find(rep, T::kKind);
    if (!slot) return std::unexpected(slot.error());
    T out = std::move(std::get<T>((*slot)->object));
    release(rep);
    return out;
  }
  // A resource-drop: kTrap for a representation that is not live.
  Result<void> drop(Res kind, uint32_t rep);

  // The call's responses (cleared when a call begins).
  Result<uint32_t> add_response(Fields headers);
  ResponseData& response(uint32_t index) { return responses_[index]; }

  // The call's outgoing requests (cleared when a call begins and ends); at
  // most max_outgoing_requests_per_call, then a kHostError.
  Result<uint32_t> add_exchange();
  OutgoingExchange& exchange(uint32_t index) { return exchanges_[index]; }
  // The response body bytes this call's fetches hold: together they stay
  // within body_limit().
  [[nodiscard]] size_t fetched_bytes() const;

  // Runs the embedder's host function `name` for the running call, with
  // `ctx` instead of the call's own context when given. kNotFound when the
  // embedder has none by that name, kHostError outside a call, else what the
  // function answered.
  Result<void> call_host(std::string_view name, std::span<const uint8_t> input, std::vector<uint8_t>& out,
                         const CallContext* ctx = nullptr);

  // wasi:keyvalue list-keys cursors: the store's cursor (a key) for a
  // bucket, kept under a number the guest hands back; the instance keeps
  // the latest max_kv_cursors.
  uint64_t save_cursor(std::string bucket_prefix, std::string cursor);
  [[nodiscard]] std::optional<std::string> find_cursor(uint64_t token, std::string_view bucket_prefix) const;

  // The request body lent for this call (empty outside one).
  [[nodiscard]] std::span<const uint8_t> request_body() const { return request_body_; }
  // The most response body bytes this call may produce.
  [[nodiscard]] size_t body_limit() const;

  // stdout/stderr: passes `bytes` on, within the call's log budget.
  void log_write(OutputStreamObj::Sink sink, std::span<const uint8_t> bytes);

  // outparam.set: the guest's answer (a response index or an error).
  Result<void> set_response(std::optional<uint32_t> response, std::string error);

  [[nodiscard]] uint32_t live(Res kind) const { return counts_[static_cast<size_t>(kind)]; }

 private:
  struct Slot {
    Res kind = Res::kCount;  // kCount: free
    uint64_t call = 0;       // 0: lives with the instance
    Object object;
  };

  Result<uint32_t> insert(Object object, Res kind, bool per_call);
  Result<Slot*> find(uint32_t rep, Res kind);
  void release(uint32_t rep);

  const WasiOptions& options_;
  // A deque: making an object never moves the others, so a pointer from
  // get() stays valid across make().
  std::deque<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> counts_;

  CallContext* call_ = nullptr;
  uint64_t call_number_ = 0;
  std::span<const uint8_t> request_body_;
  std::vector<ResponseData> responses_;
  std::vector<OutgoingExchange> exchanges_;
  struct SavedCursor {
    uint64_t token = 0;
    std::string bucket_prefix;
    std::string cursor;
  };
  std::deque<SavedCursor> cursors_;
  uint64_t next_cursor_ = 1;
  bool request_made_ = false;
  bool answered_ = false;
  std::optional<uint32_t> answer_;
  std::string answer_error_;
  size_t logged_bytes_ = 0;
  bool log_cut_noted_ = false;
};

// The WasiState behind a host call (our interfaces only ever get ours).
inline WasiState& wasi_state(HostCall& call) { return static_cast<WasiState&>(call.state); }

}  // namespace hookd::engine::component::wasi
