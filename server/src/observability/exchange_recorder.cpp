#include "observability/exchange_recorder.hpp"

#include "observability/call_events.hpp"

namespace hookd::server {

void ExchangeRecorder::end(const Exchange& e) {
  MetricsShard& shard = metrics_.shard(e.worker);
  if (e.counted) shard.add_in_flight(-1);
  shard.record(e.stats != nullptr ? e.stats : shard.fn(e.plugin, e.fn), e.status, e.error_kind, e.elapsed);
  note_call_error(events_, e.plugin, e.fn, e.request_id, e.status, e.error_kind, e.body);
  if (access_log_ == nullptr || e.access == nullptr) return;
  AccessRecord& line = *e.access;
  line.request_id = e.request_id;
  line.status = e.status;
  line.bytes = e.body.size();
  line.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(e.elapsed).count();
  access_log_->write(e.worker, line);
}

}  // namespace hookd::server
