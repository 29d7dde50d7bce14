// The dashboard's ring of recent plugin logs and call errors
// (server/src/observability/event_log.hpp): bounded, ordered, filterable.
#include "observability/event_log.hpp"

#include <gtest/gtest.h>

#include "observability/call_events.hpp"

namespace hookd::server {
namespace {

Event log_line(std::string plugin, EventLevel level, std::string message) {
  Event e;
  e.kind = "log";
  e.plugin = std::move(plugin);
  e.level = level;
  e.message = std::move(message);
  return e;
}

TEST(EventLog, KeepsTheNewestEventsUpToItsCapacityInOrder) {
  EventLog log(5);
  for (int i = 1; i <= 12; ++i) log.add(log_line("p", EventLevel::kInfo, "line " + std::to_string(i)));
  auto all = log.query({});
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].message, "line " + std::to_string(8 + i));
    EXPECT_EQ(all[i].seq, 8 + i);
  }
  EXPECT_EQ(log.last_seq(), 12u);
}

TEST(EventLog, ClientErrorsHaveTheirOwnRingAndMergeInOrder) {
  EventLog log(4, 2);
  log.add(log_line("p", EventLevel::kInfo, "kept"));
  for (int i = 0; i < 100; ++i) note_call_error(log, "p", "", "r", 404, "not_found", "{\"error\":\"no fn\"}");
  note_call_error(log, "p", "f", "r", 500, "trap", "{\"error\":\"boom\"}");
  auto all = log.query({});
  ASSERT_EQ(all.size(), 4u);  // kept, the two newest 404s, then the 500
  EXPECT_EQ(all[0].message, "kept");
  EXPECT_EQ(all[1].status, 404);
  EXPECT_EQ(all[2].status, 404);
  EXPECT_EQ(all[3].status, 500);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
  EXPECT_EQ(log.query({.limit = 2}).front().status, 404);  // the newest two, across rings
}

TEST(EventLog, FiltersByLevelPluginKindAndSequence) {
  EventLog log;
  log.add(log_line("a", EventLevel::kDebug, "a-debug"));
  log.add(log_line("a", EventLevel::kWarn, "a-warn"));
  log.add(log_line("b", EventLevel::kError, "b-error"));
  note_call_error(log, "b", "fn", "req-1", 500, "trap", R"({"error":"trap: unreachable","plugin":"b"})");

  EventFilter warn;
  warn.min_level = EventLevel::kWarn;
  EXPECT_EQ(log.query(warn).size(), 3u);

  EventFilter only_a;
  only_a.plugin = "a";
  auto a = log.query(only_a);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].message, "a-debug");

  EventFilter errors;
  errors.kind = "error";
  auto e = log.query(errors);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].request_id, "req-1");
  EXPECT_EQ(e[0].status, 500);
  EXPECT_EQ(e[0].fn, "fn");
  EXPECT_EQ(e[0].level, EventLevel::kError);
  EXPECT_EQ(e[0].message, "trap: trap: unreachable");

  EventFilter newer;
  newer.after_seq = 2;
  EXPECT_EQ(log.query(newer).size(), 2u);

  EventFilter two;
  two.limit = 2;
  auto last = log.query(two);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[1].kind, "error");  // the newest, oldest first
}

TEST(EventLog, LongMessagesAreCutAtACharacterBoundary) {
  EventLog log;
  std::string big;
  while (big.size() < 3 * EventLog::kMaxMessageBytes) big += "é";  // two bytes each
  log.add(log_line("p", EventLevel::kInfo, big));
  auto e = log.query({});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_LE(e[0].message.size(), EventLog::kMaxMessageBytes + 3);
  EXPECT_TRUE(e[0].message.ends_with("…"));
  EXPECT_EQ((e[0].message.size() - 3) % 2, 0u);  // no half character
}

TEST(EventLog, OnlyErrorsOfLoadedPluginsAreNoted) {
  EventLog log;
  note_call_error(log, "", "", "r", 404, "not_found", R"({"error":"unknown plugin"})");  // client's typo
  note_call_error(log, "p", "f", "r", 200, "", "ok");                                    // not an error
  note_call_error(log, "p", "f", "r", 422, "plugin_error", "not json at all");
  auto e = log.query({});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].level, EventLevel::kWarn);
  EXPECT_EQ(e[0].message, "plugin_error: not json at all");
}

TEST(EventLog, LevelNamesRoundTrip) {
  for (auto l :
       {EventLevel::kTrace, EventLevel::kDebug, EventLevel::kInfo, EventLevel::kWarn, EventLevel::kError})
    EXPECT_EQ(event_level_from(event_level_name(l)), l);
  EXPECT_FALSE(event_level_from("loud").has_value());
}

}  // namespace
}  // namespace hookd::server
