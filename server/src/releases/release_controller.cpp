#include "releases/release_controller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "admin/admin_replies.hpp"
#include "observability/plugin_latency.hpp"
#include "observability/time_series.hpp"

namespace hookd::server {
namespace json = boost::json;

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);

std::string_view state_name(int s) {
  static constexpr std::string_view kNames[] = {"starting",  "running",    "paused",
                                                "promoting", "promoted",   "rolled_back",
                                                "aborted",   "superseded", "failed"};
  return kNames[s];
}

SecondRing::Second total_of(const SecondRing::Window& w) {
  SecondRing::Second total;
  for (const auto& s : w.seconds) {
    total.errors += s.errors;
    for (size_t i = 0; i < kSeriesBuckets; ++i) total.buckets[i] += s.buckets[i];
  }
  return total;
}

double rate_of(const SecondRing::Second& s) {
  const uint64_t n = s.requests();
  return n == 0 ? 0.0 : static_cast<double>(s.errors) / static_cast<double>(n);
}

std::string percent_text(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g ms", ms);
  return buf;
}

json::value optional_number(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object sticky_json(const StickyKey& s) {
  switch (s.kind) {
    case StickyKey::Kind::kNone:
      return {};
    case StickyKey::Kind::kHeader:
      return {{"header", s.name}};
    case StickyKey::Kind::kCookie:
      return {{"cookie", s.name}};
    case StickyKey::Kind::kClient:
      return {{"client", true}};
  }
  return {};
}

}  // namespace

ReleaseController::~ReleaseController() { stop(); }

void ReleaseController::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ReleaseController::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReleaseController::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kTick, [this] { return stopping_; });
    if (stopping_) break;
    for (auto& [name, r] : releases_) {
      if (r->state == State::kRunning || r->state == State::kPaused) decide(*r);
    }
  }
}

void ReleaseController::tick() {
  std::lock_guard lock(mu_);
  for (auto& [name, r] : releases_) {
    if (r->state == State::kRunning || r->state == State::kPaused) decide(*r);
  }
}

void ReleaseController::record(Release& r, std::string action, std::string reason) {
  spdlog::info("release of plugin {} (canary version {}): {}: {}", r.plugin, r.canary_version, action,
               reason);
  r.decisions.push_back({std::chrono::system_clock::now(), std::move(action), std::move(reason)});
  while (r.decisions.size() > kMaxDecisions) r.decisions.pop_front();
}

void ReleaseController::begin(const std::string& name, uint64_t stable_version, ReleasePolicy policy,
                              std::shared_ptr<StoredPlugin> canary, ReplyFn done) {
  if (parts_.cluster) {
    done({501,
          {{"error",
            "canary releases are not available in cluster mode yet (docs/releases.md); upload or roll "
            "back instead"}}});
    return;
  }
  auto r = std::make_shared<Release>();
  {
    std::lock_guard lock(mu_);
    if (auto it = releases_.find(name); it != releases_.end() && live(it->second->state)) {
      const Release& running = *it->second;
      done({409,
            {{"error", "a release of plugin " + name + " is running (canary version " +
                           std::to_string(running.canary_version) + ", " +
                           std::string(state_name(static_cast<int>(running.state))) +
                           "); promote or abort it first"}}});
      return;
    }
    r->plugin = name;
    r->stable_version = stable_version;
    r->canary_version = policy.version;
    r->split = std::make_shared<TrafficSplit>(policy.steps.front().weight, policy.sticky);
    r->policy = std::move(policy);
    r->canary = std::move(canary);
    r->started = std::chrono::system_clock::now();
    releases_[name] = r;
  }
  parts_.manager.install_canary_async(
      name, r->canary->wasm, r->canary->settings,
      PluginManager::CanaryOf{
          .version = r->canary_version, .stable_version = stable_version, .split = r->split},
      [this, r, done = std::move(done)](engine::Result<PluginManager::Installed> installed) {
        std::unique_lock lock(mu_);
        if (!installed) {
          // A release that never began leaves nothing to show.
          if (auto it = releases_.find(r->plugin); it != releases_.end() && it->second == r)
            releases_.erase(it);
          lock.unlock();
          json::object body{{"error", installed.error().describe()}};
          done({static_cast<int>(status_for_load_error(installed.error())), std::move(body)});
          return;
        }
        if (r->state != State::kStarting) {
          // Aborted while it loaded.
          lock.unlock();
          parts_.manager.drop_canary(r->plugin, r->split.get());
          done({409, {{"error", "the release was aborted while its canary loaded"}}});
          return;
        }
        r->state = State::kRunning;
        r->step_since = std::chrono::steady_clock::now();
        r->first_second = r->step_first_second = unix_second_now();
        record(*r, "start",
               "version " + std::to_string(r->canary_version) + " serves " +
                   percent_text(weight_percent(r->split->weight.load()) / 100) +
                   " of the calls beside version " + std::to_string(r->stable_version));
        json::object body = describe(*r);
        lock.unlock();
        done({201, std::move(body)});
      });
}

void ReleaseController::decide(Release& r) {
  // Still the canary this release put there? An upload, a rollback or a
  // delete of the plugin takes it away.
  const auto catalog = parts_.registry.snapshot();
  const auto it = catalog->canaries.find(r.plugin);
  if (it == catalog->canaries.end() || it->second.split != r.split) {
    r.state = State::kSuperseded;
    r.ended = std::chrono::system_clock::now();
    record(r, "superseded", "the plugin's stable version changed (an upload, a rollback or a delete)");
    return;
  }
  const uint32_t now = unix_second_now();
  const ReleaseThresholds& t = r.policy.thresholds;
  const uint32_t span = std::clamp<uint32_t>(now - r.first_second + 1, 1, r.policy.window_seconds);
  const SecondRing::Second canary =
      total_of(version_window(parts_.metrics, r.plugin, r.canary_version, now, span));
  const SecondRing::Second stable =
      total_of(version_window(parts_.metrics, r.plugin, r.stable_version, now, span));
  const std::string over = " over the last " + std::to_string(span) + " s";
  if (canary.requests() >= t.min_requests) {
    const double rate = rate_of(canary);
    if (rate > t.max_error_rate) {
      return roll_back(r, "canary error rate " + percent_text(rate) + " (" + std::to_string(canary.errors) +
                              " of " + std::to_string(canary.requests()) + " calls)" + over +
                              " is above max_error_rate " + percent_text(t.max_error_rate));
    }
    if (stable.requests() >= t.min_requests) {
      const double stable_rate = rate_of(stable);
      if (t.max_error_rate_above_stable && rate - stable_rate > *t.max_error_rate_above_stable) {
        return roll_back(r, "canary error rate " + percent_text(rate) + " is " +
                                percent_text(rate - stable_rate) + " above the stable version's " +
                                percent_text(stable_rate) + over + " (max_error_rate_above_stable " +
                                percent_text(*t.max_error_rate_above_stable) + ")");
      }
      const auto canary_p99 = quantile_ms(canary.buckets, 0.99);
      const auto stable_p99 = quantile_ms(stable.buckets, 0.99);
      if (t.max_p99_ratio && canary_p99 && stable_p99 && *canary_p99 > *t.max_p99_ratio * *stable_p99) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, "%.1f", *canary_p99 / *stable_p99);
        return roll_back(r, "canary p99 " + ms_text(*canary_p99) + " is " + ratio + " times the stable p99 " +
                                ms_text(*stable_p99) + over + " (max_p99_ratio " +
                                json::serialize(json::value(*t.max_p99_ratio)) + ")");
      }
    }
  }
  if (r.state != State::kRunning) return;
  const ReleaseStep& step = r.policy.steps[r.step];
  const auto ran = r.step_ran + (std::chrono::steady_clock::now() - r.step_since);
  if (ran < std::chrono::seconds(step.seconds)) return;
  // The step's calls to the canary: a step judged on too few waits for more.
  const uint32_t step_span = std::clamp<uint32_t>(now - r.step_first_second + 1, 1, SecondRing::kSlots);
  const SecondRing::Second in_step =
      total_of(version_window(parts_.metrics, r.plugin, r.canary_version, now, step_span));
  if (step.weight != 0 && in_step.requests() < t.min_requests) return;
  if (r.step + 1 == r.policy.steps.size()) {
    return promote(r, "passed all " + std::to_string(r.policy.steps.size()) +
                          " steps (the last: " + std::to_string(in_step.requests()) + " canary calls, " +
                          std::to_string(in_step.errors) + " errors)");
  }
  ++r.step;
  const ReleaseStep& next = r.policy.steps[r.step];
  r.split->weight.store(next.weight, std::memory_order_relaxed);
  r.step_ran = {};
  r.step_since = std::chrono::steady_clock::now();
  r.step_first_second = now;
  record(r, "step",
         "step " + std::to_string(r.step) + " passed (" + std::to_string(in_step.requests()) +
             " canary calls, " + std::to_string(in_step.errors) + " errors); the canary now serves " +
             percent_text(weight_percent(next.weight) / 100) + " for " + std::to_string(next.seconds) + " s");
}

void ReleaseController::end_canary(Release& r, State state, std::string action, std::string reason) {
  // The weight first: the next call on every worker reads it, before any
  // worker has seen the catalog without the canary.
  r.split->weight.store(0, std::memory_order_relaxed);
  r.state = state;
  r.ended = std::chrono::system_clock::now();
  record(r, std::move(action), std::move(reason));
  parts_.manager.drop_canary(r.plugin, r.split.get());
}

void ReleaseController::roll_back(Release& r, std::string reason) {
  spdlog::warn("release of plugin {}: rolling back canary version {}: {}", r.plugin, r.canary_version,
               reason);
  end_canary(r, State::kRolledBack, "rollback", std::move(reason));
}

void ReleaseController::promote(Release& r, std::string reason) {
  r.state = State::kPromoting;
  record(r, "promote", std::move(reason));
  // Published exactly as a rollback to the canary's version: kept as the
  // serving version, so a restart serves it. The canary keeps its weight
  // until the new stable version replaces both.
  PluginManager::Persist persist{PluginManager::Persist::kRollback, &parts_.catalog};
  persist.version = r.canary_version;
  std::shared_ptr<Release> self = releases_.at(r.plugin);
  parts_.manager.install_async(
      r.plugin, r.canary->wasm, r.canary->settings, std::move(persist),
      [this, self](engine::Result<PluginManager::Installed> installed) {
        std::lock_guard lock(mu_);
        if (installed) {
          self->state = State::kPromoted;
          self->ended = std::chrono::system_clock::now();
          record(*self, "promoted",
                 "version " + std::to_string(self->canary_version) + " is the stable version (was " +
                     std::to_string(self->stable_version) + ")");
        } else {
          end_canary(*self, State::kFailed, "promote",
                     "the promotion failed, version " + std::to_string(self->stable_version) +
                         " stays stable: " + installed.error().describe());
        }
      });
}

ReleaseController::Reply ReleaseController::show(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = releases_.find(name);
  if (it == releases_.end())
    return {404, {{"error", "plugin " + name + " has had no release since the start"}}};
  return {200, describe(*it->second)};
}

ReleaseController::Reply ReleaseController::act(const std::string& name, Action action) {
  std::lock_guard lock(mu_);
  auto it = releases_.find(name);
  if (it == releases_.end() || !live(it->second->state)) {
    return {409, {{"error", "no release of plugin " + name + " is running"}}};
  }
  Release& r = *it->second;
  const auto not_now = [&](std::string_view what) -> Reply {
    return {409,
            {{"error", "the release of plugin " + name + " is " +
                           std::string(state_name(static_cast<int>(r.state))) + ": it cannot " +
                           std::string(what)}}};
  };
  switch (action) {
    case Action::kPause:
      if (r.state != State::kRunning) return not_now("pause");
      r.step_ran += std::chrono::steady_clock::now() - r.step_since;
      r.state = State::kPaused;
      record(r, "pause", "paused by the operator: the steps wait; a breach still rolls back");
      break;
    case Action::kResume:
      if (r.state != State::kPaused) return not_now("resume");
      r.step_since = std::chrono::steady_clock::now();
      r.state = State::kRunning;
      record(r, "resume", "resumed by the operator");
      break;
    case Action::kPromote:
      if (r.state != State::kRunning && r.state != State::kPaused) return not_now("be promoted");
      promote(r, "promoted by the operator at step " + std::to_string(r.step + 1));
      return {202, describe(r)};
    case Action::kAbort:
      if (r.state == State::kPromoting) return not_now("be aborted");
      if (r.state == State::kStarting) {
        r.state = State::kAborted;
        r.ended = std::chrono::system_clock::now();
        record(r, "abort", "aborted by the operator while the canary loaded");
        break;
      }
      end_canary(r, State::kAborted, "abort", "aborted by the operator");
      break;
  }
  return {200, describe(r)};
}

json::object ReleaseController::describe(const Release& r) const {
  const ReleaseThresholds& t = r.policy.thresholds;
  json::array steps;
  for (const ReleaseStep& s : r.policy.steps)
    steps.push_back(json::object{{"weight", weight_percent(s.weight)}, {"seconds", s.seconds}});
  json::object thresholds{{"max_error_rate", t.max_error_rate},
                          {"max_error_rate_above_stable", optional_number(t.max_error_rate_above_stable)},
                          {"max_p99_ratio", optional_number(t.max_p99_ratio)},
                          {"min_requests", t.min_requests}};
  json::object out{
      {"plugin", r.plugin},
      {"state", state_name(static_cast<int>(r.state))},
      {"stable_version", r.stable_version},
      {"canary_version", r.canary_version},
      {"weight", weight_percent(r.split->weight.load(std::memory_order_relaxed))},
      {"steps", std::move(steps)},
      {"thresholds", std::move(thresholds)},
      {"window_seconds", r.policy.window_seconds},
      {"sticky", r.policy.sticky.kind == StickyKey::Kind::kNone ? json::value(nullptr)
                                                                : json::value(sticky_json(r.policy.sticky))},
      {"started", rfc3339(r.started)},
      {"ended", r.ended ? json::value(rfc3339(*r.ended)) : json::value(nullptr)}};
  if (r.state == State::kRunning || r.state == State::kPaused) {
    const ReleaseStep& s = r.policy.steps[r.step];
    auto ran = r.step_ran;
    if (r.state == State::kRunning) ran += std::chrono::steady_clock::now() - r.step_since;
    out["step"] = json::object{{"index", r.step + 1},
                               {"of", r.policy.steps.size()},
                               {"weight", weight_percent(s.weight)},
                               {"seconds", s.seconds},
                               {"elapsed_seconds", std::chrono::duration<double>(ran).count()}};
  } else {
    out["step"] = nullptr;
  }
  // Each version's figures over the window, side by side.
  if (r.first_second != 0) {
    const uint32_t now = unix_second_now();
    const uint32_t span = std::clamp<uint32_t>(now - r.first_second + 1, 1, r.policy.window_seconds);
    json::object versions;
    for (const auto& [label, number] :
         {std::pair{"stable", r.stable_version}, std::pair{"canary", r.canary_version}}) {
      const SecondRing::Second s = total_of(version_window(parts_.metrics, r.plugin, number, now, span));
      json::object v = total_summary(s, span);
      v["version"] = number;
      v["requests_per_second"] = static_cast<double>(s.requests()) / span;
      v["error_rate"] = s.requests() == 0 ? json::value(nullptr) : json::value(rate_of(s));
      versions[label] = std::move(v);
    }
    out["versions"] = std::move(versions);
  } else {
    out["versions"] = nullptr;
  }
  json::array decisions;
  for (const Decision& d : r.decisions)
    decisions.push_back(json::object{{"at", rfc3339(d.at)}, {"action", d.action}, {"reason", d.reason}});
  out["last_decision"] = decisions.empty() ? json::value(nullptr) : decisions.back();
  out["decisions"] = std::move(decisions);
  return out;
}

}  // namespace hookd::server
