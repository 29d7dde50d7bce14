// The built-in host functions' byte layout (hookd/util/wire.hpp), which the
// host functions and the WASI host share: little-endian integers whatever
// the machine, u32-length-prefixed bytes, and reads that stop at the end.
#include "hookd/util/wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hookd::util::wire {
namespace {

TEST(Wire, WritesLittleEndianIntegersAndLengthPrefixedBytes) {
  std::vector<uint8_t> out{9, 9, 9};  // emptied by the writer
  Writer(out).fixed<uint32_t>(0x01020304).bytes("ab").fixed<int8_t>(-1).raw("xyz");
  const std::vector<uint8_t> want{4, 3, 2, 1, 2, 0, 0, 0, 'a', 'b', 0xff, 'x', 'y', 'z'};
  EXPECT_EQ(out, want);
}

TEST(Wire, ReadsBackWhatWasWritten) {
  std::vector<uint8_t> out;
  Writer(out).fixed<int64_t>(-5).bytes("").bytes("key").raw("rest of it");
  Reader in(out);
  EXPECT_EQ(in.fixed<int64_t>(), -5);
  EXPECT_EQ(in.bytes(), "");
  EXPECT_EQ(in.bytes(), "key");
  EXPECT_EQ(in.rest(), "rest of it");
  EXPECT_EQ(in.rest(), "");
  EXPECT_FALSE(in.fixed<uint8_t>());
}

TEST(Wire, ShortInputReadsAsNothingAndConsumesNothing) {
  const std::vector<uint8_t> three{1, 2, 3};
  Reader in(three);
  EXPECT_FALSE(in.fixed<uint32_t>());
  EXPECT_EQ(in.fixed<uint16_t>(), 0x0201);
  EXPECT_FALSE(in.bytes());  // one byte left, a length needs four

  // A length longer than what follows it.
  const std::vector<uint8_t> lying{0xff, 0xff, 0xff, 0xff, 'a'};
  Reader liar(lying);
  EXPECT_FALSE(liar.bytes());
}

TEST(Wire, AsBytesViewsTheSameMemory) {
  const std::string s = "hello";
  auto b = as_bytes(s);
  EXPECT_EQ(b.size(), s.size());
  EXPECT_EQ(static_cast<const void*>(b.data()), static_cast<const void*>(s.data()));
}

}  // namespace
}  // namespace hookd::util::wire
