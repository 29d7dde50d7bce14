// A session's memory for its asynchronous operations (handler_memory.hpp):
// its slots serve operations that fit, anything else goes to the heap, and a
// real Asio operation bound to it takes a slot and gives it back.
#include "net/handler_memory.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace hookd::server {
namespace {

TEST(HandlerMemory, SlotsServeWhatFitsAndTheHeapTheRest) {
  WsHandlerMemory memory;
  void* a = memory.allocate(100);
  void* b = memory.allocate(WsHandlerMemory::kSlotBytes);
  EXPECT_EQ(memory.slots_in_use(), 2u);
  void* c = memory.allocate(8);  // no slot left: heap
  void* d = memory.allocate(WsHandlerMemory::kSlotBytes + 1);
  EXPECT_EQ(memory.slots_in_use(), 2u);
  static_cast<char*>(c)[7] = 1;
  static_cast<char*>(d)[WsHandlerMemory::kSlotBytes] = 1;
  memory.deallocate(c);
  memory.deallocate(d);
  memory.deallocate(a);
  EXPECT_EQ(memory.slots_in_use(), 1u);
  EXPECT_EQ(memory.allocate(10), a);  // the freed slot again
  memory.deallocate(a);
  memory.deallocate(b);
  EXPECT_EQ(memory.slots_in_use(), 0u);
}

TEST(HandlerMemory, AnAsioOperationBoundToItUsesASlotUntilItCompletes) {
  boost::asio::io_context io;
  WsHandlerMemory memory;
  boost::asio::steady_timer timer(io, std::chrono::milliseconds(1));
  size_t in_use_during = 99;
  bool ran = false;
  timer.async_wait(with_memory(memory, [&](boost::system::error_code ec) {
    EXPECT_FALSE(ec);
    in_use_during = memory.slots_in_use();  // freed before the handler runs
    ran = true;
  }));
  EXPECT_EQ(memory.slots_in_use(), 1u);
  io.run();
  EXPECT_TRUE(ran);
  EXPECT_EQ(in_use_during, 0u);
  EXPECT_EQ(memory.slots_in_use(), 0u);
}

TEST(HandlerMemory, AHandlerLargerThanASlotGoesToTheHeap) {
  boost::asio::io_context io;
  WsHandlerMemory memory;
  std::array<char, WsHandlerMemory::kSlotBytes * 2> big{};
  big[0] = 'x';
  char seen = 0;
  boost::asio::post(io, with_memory(memory, [big, &seen] { seen = big[0]; }));
  EXPECT_EQ(memory.slots_in_use(), 0u);
  io.run();
  EXPECT_EQ(seen, 'x');
}

}  // namespace
}  // namespace hookd::server
