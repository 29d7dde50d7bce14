// The per-connection arena for header fields (field_arena.hpp): alignment,
// growth into heap blocks and back, and Beast's fields on it, including a
// request with far more fields than the inline block holds. Built with the
// life-cycle suite, which CI also runs under AddressSanitizer (where the
// arena's free parts are poisoned).
#include "net/field_arena.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "net/http_types.hpp"

namespace hookd::server {
namespace {

TEST(FieldArena, AllocationsAreAlignedAndDistinct) {
  FieldArena arena;
  auto* a = static_cast<char*>(arena.allocate(1));
  auto* b = static_cast<char*>(arena.allocate(17));
  auto* c = static_cast<char*>(arena.allocate(64));
  for (char* p : {a, b, c}) EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % FieldArena::kAlign, 0u);
  EXPECT_GE(b - a, 1);
  EXPECT_GE(c - b, 17);
  EXPECT_EQ(arena.heap_blocks(), 0u);
}

TEST(FieldArena, GrowsIntoHeapBlocksAndResetFreesAllButOneSmallOne) {
  FieldArena arena;
  for (int i = 0; i < 100; ++i) {
    auto* p = static_cast<char*>(arena.allocate(100));
    std::fill(p, p + 100, static_cast<char>(i));  // writable (ASan: unpoisoned)
  }
  EXPECT_GE(arena.heap_blocks(), 2u);
  auto* big = static_cast<char*>(arena.allocate(100'000));  // larger than any block so far
  big[99'999] = 'x';
  arena.reset();
  EXPECT_EQ(arena.heap_blocks(), 0u);
  // After a reset the inline block serves again, and then the kept block.
  arena.allocate(FieldArena::kInlineBytes);
  EXPECT_EQ(arena.heap_blocks(), 0u);
  arena.allocate(100);
  EXPECT_EQ(arena.heap_blocks(), 1u);
}

TEST(FieldArena, AllocatorFallsBackToTheHeapAndCopiesLeaveTheArena) {
  FieldArena arena;
  HttpFields on_arena{FieldsAllocator(&arena)};
  on_arena.set("X-One", std::string(2000, 'a'));  // beyond the inline block
  on_arena.set(http::field::content_type, "text/plain");
  HttpFields copy(on_arena);
  EXPECT_EQ(copy.get_allocator().arena(), nullptr);
  EXPECT_EQ(on_arena.get_allocator().arena(), &arena);
  on_arena.clear();
  arena.reset();
  // The copy's fields are on the heap: still readable after the reset.
  EXPECT_EQ(copy["X-One"], std::string(2000, 'a'));
  EXPECT_EQ(copy[http::field::content_type], "text/plain");
  HttpFields heap;
  EXPECT_EQ(heap.get_allocator().arena(), nullptr);
}

TEST(FieldArena, AParsedRequestWithThousandsOfFieldsUsesHeapBlocksThatResetReturns) {
  std::string wire = "GET /x HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 3000; ++i) wire += "X-F" + std::to_string(i) + ": " + std::to_string(i * 7) + "\r\n";
  wire += "\r\n";
  FieldArena arena;
  for (int round = 0; round < 3; ++round) {
    {
      http::request_parser<http::string_body, FieldsAllocator> parser(
          std::piecewise_construct, std::make_tuple(), std::make_tuple(FieldsAllocator(&arena)));
      parser.header_limit(1u << 20);
      boost::beast::error_code ec;
      parser.put(boost::asio::buffer(wire), ec);
      ASSERT_FALSE(ec) << ec.message();
      ASSERT_TRUE(parser.is_done());
      const HttpRequest& req = parser.get();
      EXPECT_EQ(req["X-F2999"], std::to_string(2999 * 7));
      EXPECT_EQ(req[http::field::host], "h");
      EXPECT_GE(arena.heap_blocks(), 1u);
    }
    arena.reset();
    EXPECT_EQ(arena.heap_blocks(), 0u);
  }
}

}  // namespace
}  // namespace hookd::server
