#include "calls/version_pick.hpp"

#include <cstdint>

#include "hookd/util/ascii.hpp"

namespace hookd::server {

namespace {

// A fast generator per thread for calls assigned one by one (splitmix64):
// no lock, no system call; the split needs shares, not secrecy.
uint32_t random_bucket() noexcept {
  thread_local uint64_t state = reinterpret_cast<uintptr_t>(&state) ^ 0x9e3779b97f4a7c15ULL;
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<uint32_t>((z >> 32) % kFullWeight);
}

std::string_view sticky_key(const StickyKey& sticky, const VersionHints& hints) {
  switch (sticky.kind) {
    case StickyKey::Kind::kNone:
      return {};
    case StickyKey::Kind::kHeader:
      return header_named(*hints.request, sticky.name);
    case StickyKey::Kind::kCookie:
      return cookie_named(*hints.request, sticky.name);
    case StickyKey::Kind::kClient:
      return hints.client;
  }
  return {};
}

std::string serving_list(const BoundPlugin& stable) {
  std::string out = "stable " + std::to_string(stable.entry->upload_version);
  if (stable.canary != nullptr) out += ", canary " + std::to_string(stable.canary->entry->upload_version);
  return out;
}

// X-Hookd-Version: canary, stable or a serving version's number.
BoundPlugin* asked_version(BoundPlugin& stable, std::string_view asked, VersionRefusal& refusal) {
  const std::string& name = stable.entry->name;
  if (asked == "stable") return &stable;
  if (asked == "canary") {
    if (stable.canary != nullptr) return stable.canary;
    refusal = {http::status::not_found, "plugin " + name + " has no canary release running"};
    return nullptr;
  }
  uint64_t n = 0;
  bool digits = !asked.empty() && asked.size() <= 19;
  for (const char c : asked) {
    if (c < '0' || c > '9') digits = false;
    if (digits) n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!digits || n == 0) {
    refusal = {http::status::bad_request, "X-Hookd-Version must be canary, stable or a version number"};
    return nullptr;
  }
  if (stable.entry->upload_version == n) return &stable;
  if (stable.canary != nullptr && stable.canary->entry->upload_version == n) return stable.canary;
  refusal = {http::status::not_found, "version " + std::to_string(n) + " of plugin " + name +
                                          " is not serving (serving: " + serving_list(stable) + ")"};
  return nullptr;
}

}  // namespace

std::string_view header_named(const HttpRequest& req, std::string_view name) {
  for (const auto& f : req) {
    if (util::iequals({f.name_string().data(), f.name_string().size()}, name))
      return {f.value().data(), f.value().size()};
  }
  return {};
}

std::string_view cookie_named(const HttpRequest& req, std::string_view name) {
  for (const auto& f : req) {
    if (f.name() != http::field::cookie) continue;
    std::string_view rest{f.value().data(), f.value().size()};
    while (!rest.empty()) {
      const size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    }
  }
  return {};
}

BoundPlugin* pick_version(BoundPlugin& stable, const VersionHints& hints, VersionRefusal& refusal) {
  if (hints.request == nullptr) return &stable;
  if (hints.honour_override) {
    if (const std::string_view asked = header_named(*hints.request, kVersionHeader); !asked.empty())
      return asked_version(stable, asked, refusal);
  }
  if (stable.canary == nullptr) return &stable;
  const uint32_t weight = stable.split->weight.load(std::memory_order_relaxed);
  if (weight == 0) return &stable;
  if (weight >= kFullWeight) return stable.canary;
  const std::string_view key = sticky_key(stable.split->sticky, hints);
  const uint32_t bucket = key.empty() ? random_bucket() : sticky_bucket(key);
  return bucket < weight ? stable.canary : &stable;
}

}  // namespace hookd::server
