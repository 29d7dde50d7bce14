#include "observability/tracer.hpp"

#include <atomic>
#include <cmath>
#include <cstring>
#include <optional>

namespace hookd::server {
namespace {

// Each Tracer's generators are told apart by a serial number, not by the
// tracer's address, which a later tracer (another gateway in the same
// process) may reuse.
std::atomic<uint64_t> next_tracer_serial{1};

// A thread's id generator: splitmix64 over a seed from the tracer's entropy
// source, taken once per thread. Ids need to be unique and unpredictable
// enough for sampling, not secret; a system call per id would cost more
// than the rest of an unsampled request's tracing.
struct IdGenerator {
  uint64_t owner = 0;
  uint64_t state = 0;

  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

thread_local IdGenerator ids;

}  // namespace

Tracer::Tracer(double ratio, const util::Clock& clock, util::RandomSource& entropy, SpanSink& sink)
    : serial_(next_tracer_serial.fetch_add(1, std::memory_order_relaxed)),
      // ratio x 2^64, short of 2^64 itself (ratio 1 samples everything anyway).
      threshold_(ratio <= 0 ? 0 : static_cast<uint64_t>(std::min(std::ldexp(ratio, 64), 0x1p64 - 2048))),
      always_(ratio >= 1.0),
      clock_(clock),
      entropy_(entropy),
      sink_(sink) {}

uint64_t Tracer::next_random() const {
  if (ids.owner != serial_) {
    uint64_t seed = 0;
    // The address of the thread's state is mixed in, so that two threads
    // never share a sequence, even from a source of fixed bytes (tests) or
    // none at all (then the time is too).
    if (!entropy_.fill({reinterpret_cast<uint8_t*>(&seed), sizeof seed})) seed = now_unix_ns();
    ids = {serial_, seed ^ (reinterpret_cast<uintptr_t>(&ids) * 0x9e3779b97f4a7c15ULL)};
  }
  return ids.next();
}

util::SpanId Tracer::new_span_id() const {
  util::SpanId id{};
  uint64_t v = 0;
  while (v == 0) v = next_random();
  std::memcpy(id.data(), &v, sizeof v);
  return id;
}

int64_t Tracer::now_unix_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
}

bool Tracer::sample_new(const util::TraceId& id) const {
  if (always_) return true;
  uint64_t low = 0;
  for (std::size_t i = 8; i < 16; ++i) low = (low << 8) | id[i];
  return low < threshold_;
}

void Tracer::begin(std::string_view traceparent, std::string_view tracestate, RequestTrace& out) const {
  out.tracer = this;
  out.active = true;
  out.tracestate.clear();
  out.plugin_version = 0;
  out.route = {};
  std::optional<util::TraceContext> parent;
  if (!traceparent.empty()) parent = util::parse_traceparent(traceparent);
  if (parent) {
    out.ctx.trace_id = parent->trace_id;
    out.ctx.flags = parent->flags;
    out.parent = parent->span_id;
    // A tracestate only means something beside the traceparent it came with.
    if (!tracestate.empty() && util::acceptable_tracestate(tracestate)) out.tracestate.assign(tracestate);
  } else {
    const uint64_t hi = next_random();
    uint64_t lo = next_random();
    while (hi == 0 && lo == 0) lo = next_random();
    std::memcpy(out.ctx.trace_id.data(), &hi, sizeof hi);
    std::memcpy(out.ctx.trace_id.data() + 8, &lo, sizeof lo);
    out.ctx.flags = sample_new(out.ctx.trace_id) ? util::TraceContext::kSampled : 0;
    out.parent = {};
  }
  out.ctx.span_id = new_span_id();
  out.start_unix_ns = out.ctx.sampled() ? now_unix_ns() : 0;
}

}  // namespace hookd::server
