#include "hookd/load/runner.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <thread>

#include "plan.hpp"
#include "worker.hpp"

namespace hookd::load {
namespace asio = boost::asio;

double RunResult::requests_per_second() const {
  const double s = std::chrono::duration<double>(measured).count();
  return s > 0 ? static_cast<double>(total.requests) / s : 0.0;
}

double RunResult::bytes_per_second() const {
  const double s = std::chrono::duration<double>(measured).count();
  return s > 0 ? static_cast<double>(total.bytes_received) / s : 0.0;
}

namespace {

/// Trims the series to the measured time: the last second may be partial,
/// and a worker's final report can open a second that never really ran.
void fit_timeline(std::vector<Sample>& samples, Nanos measured) {
  const double total_s = std::chrono::duration<double>(measured).count();
  std::erase_if(samples,
                [&](const Sample& s) { return static_cast<double>(s.second) >= total_s && s.requests == 0; });
  for (auto& s : samples) {
    const double left = total_s - static_cast<double>(s.second);
    s.length_s = std::clamp(left, 1e-3, 1.0);
  }
}

}  // namespace

std::expected<RunResult, std::string> run(const Options& options, const RunHooks& hooks) {
  auto plan = make_plan(options);
  if (!plan) return std::unexpected(plan.error());
  if (auto probe = probe_target(*plan); !probe) return std::unexpected(probe.error());

  // All workers and the per-second series are coordinated from this thread;
  // workers only post to it.
  asio::io_context control(1);
  auto guard = asio::make_work_guard(control);
  Timeline timeline(options.threads);
  asio::signal_set signals(control);
  bool interrupted = false;

  RunWindow window;
  window.start = Clock::now();
  window.measure_start = window.start + options.warmup;
  if (options.duration) window.end = window.measure_start + *options.duration;

  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < options.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(*plan, i, window, [&](IntervalReport r) {
      asio::post(control, [&, r = std::move(r)] {
        for (const auto& sample : timeline.submit(r.worker, r.second, *r.stats, r.final))
          if (hooks.on_second) hooks.on_second(sample, timeline.cumulative());
      });
    }));
  }
  if (hooks.stop_on_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      interrupted = true;
      for (auto& w : workers) w->request_stop();
    });
  }

  unsigned remaining = options.threads;
  std::vector<std::jthread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&, worker = w.get()] {
      worker->run();
      asio::post(control, [&] {
        if (--remaining == 0) {
          signals.cancel();
          guard.reset();
        }
      });
    });
  }
  control.run();
  threads.clear();  // joins

  RunResult result;
  result.total = Stats(options.histogram_digits);
  Clock::time_point finished = window.measure_start;
  for (const auto& w : workers) {
    if (!w->failure().empty()) return std::unexpected("worker failed: " + w->failure());
    result.total.merge(w->total());
    result.unsent += w->unsent();
    result.in_flight_at_end += w->in_flight_at_end();
    finished = std::max(finished, w->finished_at());
  }
  result.measured = std::chrono::duration_cast<Nanos>(finished - window.measure_start);
  if (options.duration) result.measured = std::min(result.measured, *options.duration);
  result.timeline = timeline.samples();
  fit_timeline(result.timeline, result.measured);
  result.interrupted = interrupted;
  return result;
}

}  // namespace hookd::load
