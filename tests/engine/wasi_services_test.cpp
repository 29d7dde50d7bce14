// The WASI host's wasi:keyvalue over "hookd.kv.*" and wasi:config over
// "hookd.config.get" and "hookd.config.list" (fakes:
// wasi_services_fixture.hpp).
#include <gtest/gtest.h>

#include "wasi_services_fixture.hpp"

namespace hookd::engine::component::wasi::services_test {
namespace {

// ---------------------------------------------------------------- keyvalue

constexpr const char* kStore = "keyvalue/store@0.2.0-draft";

TEST_F(ServicesTest, KeyvalueBucketsReadAndWriteThePluginsNamespace) {
  fake_kv();
  begin();
  const Value own = one(kStore, "open", {Value::string("")});
  ASSERT_EQ(own.case_index(), 0U);
  const Value def = *one(kStore, "open", {Value::string("default")}).payload();
  const Value counters = *one(kStore, "open", {Value::string("counters")}).payload();
  const Value bad = one(kStore, "open", {Value::string("no/slashes")});
  ASSERT_EQ(bad.case_index(), 1U);
  EXPECT_EQ(bad.payload()->case_index(), 0U);  // no-such-store

  const Value b = *own.payload();
  EXPECT_EQ(one(kStore, "[method]bucket.get", {b, Value::string("k")}).payload()->case_index(), 0U);  // none
  EXPECT_EQ(one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v1")}).case_index(), 0U);
  EXPECT_EQ(one(kStore, "[method]bucket.set", {counters, Value::string("k"), bytes("7")}).case_index(), 0U);
  EXPECT_EQ(kv, (std::map<std::string, std::string>{{"k", "v1"}, {"counters/k", "7"}}));
  const Value got = one(kStore, "[method]bucket.get", {def, Value::string("k")});
  ASSERT_EQ(got.case_index(), 0U);
  EXPECT_EQ(text(*got.payload()->payload()), "v1");
  EXPECT_EQ(text(*one(kStore, "[method]bucket.get", {counters, Value::string("k")}).payload()->payload()),
            "7");
  EXPECT_TRUE(one(kStore, "[method]bucket.exists", {b, Value::string("k")}).payload()->as_bool());
  EXPECT_FALSE(one(kStore, "[method]bucket.exists", {b, Value::string("nope")}).payload()->as_bool());
  EXPECT_EQ(one(kStore, "[method]bucket.delete", {b, Value::string("k")}).case_index(), 0U);
  EXPECT_EQ(one(kStore, "[method]bucket.delete", {b, Value::string("k")}).case_index(),
            0U);  // gone: no error
  EXPECT_FALSE(one(kStore, "[method]bucket.exists", {b, Value::string("k")}).payload()->as_bool());
  EXPECT_EQ(kv, (std::map<std::string, std::string>{{"counters/k", "7"}}));

  const Value n =
      one("keyvalue/atomics@0.2.0-draft", "increment", {counters, Value::string("k"), Value::u64(5)});
  ASSERT_EQ(n.case_index(), 0U);
  EXPECT_EQ(n.payload()->as_u64(), 12U);
  EXPECT_EQ(kv["counters/k"], "12");
  end();
}

TEST_F(ServicesTest, ListKeysPagesWithCursorsAndStripsTheBucketsPrefix) {
  fake_kv();
  kv_page = 2;
  kv = {{"a", "1"}, {"b", "1"}, {"c", "1"}, {"logs/x", "1"}, {"logs/y", "1"}, {"logs/z", "1"}, {"m", "1"}};
  begin();
  const Value logs = *one(kStore, "open", {Value::string("logs")}).payload();
  std::vector<std::string> seen;
  std::optional<Value> cursor;
  for (int page = 0; page < 5; ++page) {
    const Value r =
        one(kStore, "[method]bucket.list-keys", {logs, cursor ? Value::some(*cursor) : Value::none()});
    ASSERT_EQ(r.case_index(), 0U);
    for (const Value& k : r.payload()->items()[0].items()) seen.push_back(text(k));
    const Value& next = r.payload()->items()[1];
    if (next.case_index() == 0) break;
    cursor = *next.payload();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(list_limits.front(), 1000U);
  // The default bucket sees every key; a cursor is its bucket's.
  const Value all = *one(kStore, "open", {Value::string("")}).payload();
  const Value first = one(kStore, "[method]bucket.list-keys", {all, Value::none()});
  ASSERT_EQ(first.payload()->items()[1].case_index(), 1U);
  const Value token = *first.payload()->items()[1].payload();
  const Value foreign = one(kStore, "[method]bucket.list-keys", {logs, Value::some(token)});
  ASSERT_EQ(foreign.case_index(), 1U);
  EXPECT_EQ(foreign.payload()->case_index(), 2U);  // other
  EXPECT_EQ(one(kStore, "[method]bucket.list-keys", {all, Value::some(Value::u64(999))}).case_index(), 1U);
  end();
}

TEST_F(ServicesTest, KeyvalueErrorsSayWhetherTheGrantRefused) {
  fake_kv();
  begin();
  const Value b = *one(kStore, "open", {Value::string("")}).payload();
  kv_write = false;  // read-only grant
  EXPECT_EQ(one(kStore, "[method]bucket.get", {b, Value::string("k")}).case_index(), 0U);
  Value r = one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 1U);  // access-denied
  kv_read = false;
  r = one(kStore, "[method]bucket.get", {b, Value::string("k")});
  EXPECT_EQ(r.payload()->case_index(), 1U);
  kv_read = kv_write = true;
  kv_failure = "kv: quota exceeded: namespace p holds 10 bytes in 1 keys";
  r = one(kStore, "[method]bucket.set", {b, Value::string("k"), bytes("v")});
  ASSERT_EQ(r.payload()->case_index(), 2U);  // other(message)
  EXPECT_EQ(text(*r.payload()->payload()), *kv_failure);
  end();
  // Without hookd's kv functions: other, naming why.
  fns.clear();
  begin();
  r = one(kStore, "[method]bucket.exists", {b, Value::string("k")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 2U);
  EXPECT_NE(text(*r.payload()->payload()).find("not available"), std::string::npos);
  end();
}

// ------------------------------------------------------------------ config

constexpr const char* kConfig = "config/store@0.2.0-draft";

TEST_F(ServicesTest, ConfigGetReadsThePluginsValuesBehindItsGrant) {
  fake_config();
  config = {{"greeting", "hello from config"},
            {"unicode",
             "gr\xC3\xBC\xC3\x9F"
             "e"},
            {"raw", "\xFF"}};
  begin();
  Value r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 0U);
  EXPECT_EQ(text(*r.payload()->payload()), "hello from config");
  EXPECT_EQ(text(*one(kConfig, "get", {Value::string("unicode")}).payload()->payload()),
            "gr\xC3\xBC\xC3\x9F"
            "e");
  EXPECT_EQ(one(kConfig, "get", {Value::string("missing")}).payload()->case_index(), 0U);  // none
  r = one(kConfig, "get", {Value::string("raw")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 0U);  // upstream: not UTF-8
  r = one(kConfig, "get-all");
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 0U);  // upstream: raw's value is not UTF-8
  config.erase("raw");
  r = one(kConfig, "get-all");
  ASSERT_EQ(r.case_index(), 0U);
  ASSERT_EQ(r.payload()->items().size(), 2U);
  EXPECT_EQ(text(r.payload()->items()[0].items()[0]), "greeting");
  EXPECT_EQ(text(r.payload()->items()[0].items()[1]), "hello from config");
  EXPECT_EQ(text(r.payload()->items()[1].items()[0]), "unicode");
  config_granted = false;
  r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(text(*r.payload()->payload()), "config is not granted to plugin p");
  end();
  fns.clear();
  begin();
  r = one(kConfig, "get", {Value::string("greeting")});
  ASSERT_EQ(r.case_index(), 1U);
  EXPECT_EQ(r.payload()->case_index(), 1U);  // io: not available
  end();
}

TEST_F(ServicesTest, KeyvalueAndConfigAreServedAtTheirDraftVersion) {
  EXPECT_NE(host->find("wasi:keyvalue/store@0.2.0-draft"), nullptr);
  EXPECT_NE(host->find("wasi:keyvalue/atomics@0.2.0-draft"), nullptr);
  EXPECT_NE(host->find("wasi:config/store@0.2.0-draft"), nullptr);
  EXPECT_EQ(host->find("wasi:keyvalue/store@0.2.0"), nullptr);
  EXPECT_EQ(host->find("wasi:keyvalue/batch@0.2.0-draft"), nullptr);
}

}  // namespace
}  // namespace hookd::engine::component::wasi::services_test
