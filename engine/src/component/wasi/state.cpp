#include "component/wasi/state.hpp"

#include <algorithm>
#include <string>

namespace hookd::engine::component::wasi {
namespace {

std::string describe(Res kind, uint32_t rep) {
  return "wasi: " + std::string(resource_name(kind)) + " #" + std::to_string(rep);
}

}  // namespace

std::string_view resource_name(Res r) {
  switch (r) {
    case Res::kFields:
      return "fields";
    case Res::kIncomingRequest:
      return "incoming-request";
    case Res::kOutgoingRequest:
      return "outgoing-request";
    case Res::kRequestOptions:
      return "request-options";
    case Res::kResponseOutparam:
      return "response-outparam";
    case Res::kIncomingResponse:
      return "incoming-response";
    case Res::kIncomingBody:
      return "incoming-body";
    case Res::kFutureTrailers:
      return "future-trailers";
    case Res::kOutgoingResponse:
      return "outgoing-response";
    case Res::kOutgoingBody:
      return "outgoing-body";
    case Res::kFutureIncomingResponse:
      return "future-incoming-response";
    case Res::kInputStream:
      return "input-stream";
    case Res::kOutputStream:
      return "output-stream";
    case Res::kPollable:
      return "pollable";
    case Res::kError:
      return "error";
    case Res::kTerminalInput:
      return "terminal-input";
    case Res::kTerminalOutput:
      return "terminal-output";
    case Res::kDescriptor:
      return "descriptor";
    case Res::kBucket:
      return "bucket";
    case Res::kCount:
      break;
  }
  return "?";
}

WasiState::WasiState(const WasiOptions& options)
    : options_(options), counts_(static_cast<size_t>(Res::kCount), 0) {}

void WasiState::begin_call(CallContext& call) {
  call_ = &call;
  ++call_number_;
  request_body_ = {};
  responses_.clear();
  exchanges_.clear();
  request_made_ = false;
  answered_ = false;
  answer_.reset();
  answer_error_.clear();
  logged_bytes_ = 0;
  log_cut_noted_ = false;
}

void WasiState::end_call() {
  call_ = nullptr;
  request_body_ = {};
  responses_.clear();
  exchanges_.clear();
  answered_ = false;
  answer_.reset();
  // Per-call objects stay in their slots until the guest drops them (its
  // handles still name them); find() refuses them from now on.
}

Result<uint32_t> WasiState::insert(Object object, Res kind, bool per_call) {
  if (per_call && call_ == nullptr) {
    return fail(ErrorKind::kTrap, "wasi: " + std::string(resource_name(kind)) + " made outside a call");
  }
  auto& count = counts_[static_cast<size_t>(kind)];
  if (count >= options_.max_objects_per_kind) {
    return fail(ErrorKind::kTrap, "wasi: more than " + std::to_string(options_.max_objects_per_kind) +
                                      " live " + std::string(resource_name(kind)) + " objects");
  }
  uint32_t index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.kind = kind;
  slot.call = per_call ? call_number_ : 0;
  slot.object = std::move(object);
  ++count;
  return index + 1;
}

Result<WasiState::Slot*> WasiState::find(uint32_t rep, Res kind) {
  if (rep == 0 || rep > slots_.size() || slots_[rep - 1].kind != kind) {
    return fail(ErrorKind::kTrap, describe(kind, rep) + " is not live");
  }
  Slot& slot = slots_[rep - 1];
  if (slot.call != 0 && (call_ == nullptr || slot.call != call_number_)) {
    return fail(ErrorKind::kTrap, describe(kind, rep) + " belongs to a call that ended");
  }
  return &slot;
}

void WasiState::release(uint32_t rep) {
  Slot& slot = slots_[rep - 1];
  --counts_[static_cast<size_t>(slot.kind)];
  slot.kind = Res::kCount;
  slot.object = Object{};
  free_.push_back(rep - 1);
}

Result<void> WasiState::drop(Res kind, uint32_t rep) {
  if (rep == 0 || rep > slots_.size() || slots_[rep - 1].kind != kind) {
    return fail(ErrorKind::kTrap, describe(kind, rep) + " dropped but not live");
  }
  release(rep);
  return {};
}

Result<uint32_t> WasiState::add_response(Fields headers) {
  if (responses_.size() >= options_.max_responses_per_call) {
    return fail(ErrorKind::kTrap, "wasi: more than " + std::to_string(options_.max_responses_per_call) +
                                      " responses in one call");
  }
  headers.freeze();
  responses_.push_back(ResponseData{.headers = std::move(headers)});
  return static_cast<uint32_t>(responses_.size() - 1);
}

Result<uint32_t> WasiState::add_exchange() {
  if (call_ == nullptr) return fail(ErrorKind::kHostError, "outgoing requests are made only during a call");
  if (exchanges_.size() >= options_.max_outgoing_requests_per_call) {
    return fail(ErrorKind::kHostError, "more than " +
                                           std::to_string(options_.max_outgoing_requests_per_call) +
                                           " outgoing requests in one call");
  }
  exchanges_.push_back(OutgoingExchange{.response_headers = Fields(options_.request_fields)});
  return static_cast<uint32_t>(exchanges_.size() - 1);
}

size_t WasiState::fetched_bytes() const {
  size_t n = 0;
  for (const OutgoingExchange& x : exchanges_) n += x.response_body.size();
  return n;
}

Result<void> WasiState::call_host(std::string_view name, std::span<const uint8_t> input,
                                  std::vector<uint8_t>& out, const CallContext* ctx) {
  const hookd::engine::HostFunction* fn = options_.host_function ? options_.host_function(name) : nullptr;
  if (fn == nullptr || !fn->fn) return fail(ErrorKind::kNotFound, std::string(name) + " is not available");
  if (call_ == nullptr)
    return fail(ErrorKind::kHostError, std::string(name) + " is called only during a call");
  out.clear();
  return fn->fn(ctx != nullptr ? *ctx : *call_, input, out);
}

uint64_t WasiState::save_cursor(std::string bucket_prefix, std::string cursor) {
  while (!cursors_.empty() && cursors_.size() >= std::max<uint32_t>(options_.max_kv_cursors, 1)) {
    cursors_.pop_front();
  }
  const uint64_t token = next_cursor_++;
  cursors_.push_back(SavedCursor{token, std::move(bucket_prefix), std::move(cursor)});
  return token;
}

std::optional<std::string> WasiState::find_cursor(uint64_t token, std::string_view bucket_prefix) const {
  for (const SavedCursor& c : cursors_) {
    if (c.token == token && c.bucket_prefix == bucket_prefix) return c.cursor;
  }
  return std::nullopt;
}

size_t WasiState::body_limit() const {
  size_t limit = options_.max_body_bytes;
  if (call_ != nullptr && call_->max_result_bytes != 0) limit = std::min(limit, call_->max_result_bytes);
  return limit;
}

void WasiState::log_write(OutputStreamObj::Sink sink, std::span<const uint8_t> bytes) {
  const LogChunkSink& out =
      sink == OutputStreamObj::Sink::kStderr ? options_.stderr_sink : options_.stdout_sink;
  if (!out || bytes.empty()) return;
  const size_t budget =
      options_.max_log_bytes_per_call - std::min(logged_bytes_, options_.max_log_bytes_per_call);
  const size_t n = std::min({bytes.size(), budget, options_.max_log_write_bytes});
  if (n > 0) {
    out(std::string_view(reinterpret_cast<const char*>(bytes.data()), n));
    logged_bytes_ += n;
  }
  if (n < bytes.size() && n == budget && !log_cut_noted_) {
    log_cut_noted_ = true;
    out("[output past " + std::to_string(options_.max_log_bytes_per_call) + " bytes in this call dropped]\n");
  }
}

Result<IncomingHandlerArgs> WasiState::begin_request(std::span<const uint8_t> body) {
  if (call_ == nullptr) return fail(ErrorKind::kInternal, "wasi: begin_request outside a call");
  if (request_made_) return fail(ErrorKind::kInternal, "wasi: begin_request twice in one call");
  request_made_ = true;
  request_body_ = body;
  auto request = make(IncomingRequestObj{}, true);
  if (!request) return std::unexpected(request.error());
  auto out = make(ResponseOutparamObj{}, true);
  if (!out) return std::unexpected(out.error());
  return IncomingHandlerArgs{.request = *request, .response_out = *out};
}

Result<void> WasiState::set_response(std::optional<uint32_t> response, std::string error) {
  if (answered_) return fail(ErrorKind::kTrap, "wasi: response-outparam.set called twice");
  answered_ = true;
  answer_ = response;
  answer_error_ = std::move(error);
  return {};
}

Result<std::span<const uint8_t>> WasiState::take_response(ResponseSink* sink) {
  if (!answered_) return fail(ErrorKind::kPluginError, "the component set no response", 500);
  if (!answer_) return fail(ErrorKind::kPluginError, "the component answered " + answer_error_, 500);
  const ResponseData& r = responses_[*answer_];
  if (r.body_taken && !r.body_finished) {
    return fail(ErrorKind::kPluginError, "the component did not finish the response body", 500);
  }
  if (sink != nullptr) {
    if (auto ok = sink->set_status(r.status); !ok) {
      return fail(ErrorKind::kPluginError, ok.error().message, 500);
    }
    for (const Fields::Entry& h : r.headers.entries()) {
      // The server frames the body and owns the connection: Content-Length
      // (which the guest may set) and the hop-by-hop headers a clone of the
      // request's fields may carry stay out.
      if (is_server_owned_header(h.name)) continue;
      if (auto ok = sink->add_header(h.name, h.value); !ok) {
        return fail(ErrorKind::kPluginError, ok.error().message, 500);
      }
    }
  }
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size());
}

}  // namespace hookd::engine::component::wasi
