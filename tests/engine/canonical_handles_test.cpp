// Resource handle tables: own and borrow handles under the canonical ABI's
// rules, bounded, with destructors for host resources.
#include <gtest/gtest.h>

#include <vector>

#include "canonical_abi_fixture.hpp"
#include "component/canonical/handle_table.hpp"

namespace hookd::engine::canonical {
namespace {

using testing::fails;
using testing::ok;

class CanonicalHandles : public ::testing::Test {
 protected:
  CanonicalHandles()
      : fields(table.add_resource_type("fields",
                                       [this](uint32_t rep) -> Result<void> {
                                         destroyed.push_back(rep);
                                         return {};
                                       })),
        body(table.add_resource_type("incoming-body", nullptr)) {}

  std::vector<uint32_t> destroyed;
  HandleTable table{8};
  ResourceTypeId fields;
  ResourceTypeId body;
};

TEST_F(CanonicalHandles, HandlesStartAtOneAndFreedOnesAreReused) {
  const uint32_t a = ok(table.new_own(fields, 100));
  const uint32_t b = ok(table.new_own(fields, 200));
  EXPECT_EQ(a, 1U);
  EXPECT_EQ(b, 2U);
  EXPECT_EQ(ok(table.rep(fields, b)), 200U);
  ok(table.drop(fields, a));
  EXPECT_EQ(ok(table.new_own(body, 300)), 1U);
  EXPECT_EQ(table.live_handles(), 2U);
}

TEST_F(CanonicalHandles, DroppingAnOwnHandleRunsTheDestructorOnce) {
  const uint32_t h = ok(table.new_own(fields, 7));
  ok(table.drop(fields, h));
  EXPECT_EQ(destroyed, (std::vector<uint32_t>{7}));
  EXPECT_NE(fails(table.drop(fields, h)).find("unknown handle"), std::string::npos);
  EXPECT_EQ(destroyed.size(), 1U);
}

TEST_F(CanonicalHandles, UsingAHandleAsAnotherTypeTraps) {
  const uint32_t h = ok(table.new_own(fields, 7));
  fails(table.rep(body, h));
  fails(table.drop(body, h));
  fails(table.take_own(body, h));
  EXPECT_EQ(table.live_handles(), 1U);
}

TEST_F(CanonicalHandles, NullAndUnknownHandlesTrap) {
  fails(table.rep(fields, 0));
  fails(table.rep(fields, 1));
  fails(table.rep(fields, 0xffffffffU));
  fails(table.drop(fields, 5));
}

TEST_F(CanonicalHandles, AnOwnHandleLentToACallCannotBeDroppedOrMovedUntilTheCallEnds) {
  const uint32_t h = ok(table.new_own(fields, 7));
  CallScope call;
  EXPECT_EQ(ok(table.lend(fields, h, call)), 7U);
  EXPECT_EQ(ok(table.lend(fields, h, call)), 7U);  // passed twice in one call
  EXPECT_NE(fails(table.drop(fields, h)).find("lent"), std::string::npos);
  fails(table.take_own(fields, h));
  ok(table.end_call(call));
  EXPECT_EQ(ok(table.take_own(fields, h)), 7U);
  EXPECT_TRUE(destroyed.empty());  // moved out, not dropped
  EXPECT_EQ(table.live_handles(), 0U);
}

TEST_F(CanonicalHandles, ABorrowHandleCannotBeMovedOutAsOwn) {
  CallScope call;
  const uint32_t h = ok(table.new_borrow(fields, 9, call));
  EXPECT_NE(fails(table.take_own(fields, h)).find("is a borrow"), std::string::npos);
  EXPECT_EQ(ok(table.rep(fields, h)), 9U);
  ok(table.drop(fields, h));
  EXPECT_TRUE(destroyed.empty());  // a borrow's drop is not the resource's
  ok(table.end_call(call));
}

TEST_F(CanonicalHandles, ACallThatReturnsHoldingABorrowTrapsAndTheBorrowIsRemoved) {
  CallScope call;
  const uint32_t kept = ok(table.new_borrow(fields, 1, call));
  const uint32_t dropped = ok(table.new_borrow(fields, 2, call));
  ok(table.drop(fields, dropped));
  EXPECT_EQ(call.borrows(), 1U);
  EXPECT_NE(fails(table.end_call(call)).find("1 borrowed handle"), std::string::npos);
  fails(table.rep(fields, kept));
  EXPECT_EQ(table.live_handles(), 0U);
}

TEST_F(CanonicalHandles, BorrowsOfAGuestResourceAreItsRepresentation) {
  const ResourceTypeId own_type = table.add_resource_type("guest-thing", nullptr, true);
  CallScope call;
  EXPECT_EQ(ok(table.new_borrow(own_type, 0xabcd, call)), 0xabcdU);
  EXPECT_EQ(call.borrows(), 0U);
  EXPECT_EQ(table.live_handles(), 0U);
}

TEST_F(CanonicalHandles, TheTableIsBounded) {
  // 8 slots, index 0 reserved: 7 live handles.
  for (uint32_t i = 0; i < 7; ++i) ok(table.new_own(body, i));
  EXPECT_NE(fails(table.new_own(body, 99)).find("handle table full"), std::string::npos);
  ok(table.drop(body, 3));
  EXPECT_EQ(ok(table.new_own(body, 99)), 3U);
}

TEST_F(CanonicalHandles, ADestructorsErrorReachesTheDropper) {
  const ResourceTypeId failing = table.add_resource_type(
      "failing", [](uint32_t) -> Result<void> { return fail(ErrorKind::kTrap, "destructor trapped"); });
  const uint32_t h = ok(table.new_own(failing, 1));
  EXPECT_EQ(fails(table.drop(failing, h)), "destructor trapped");
  EXPECT_EQ(table.live_handles(), 0U);
}

TEST(CanonicalHandleTable, DestroyingTheTableReleasesHostResourcesStillOwned) {
  std::vector<uint32_t> destroyed;
  {
    HandleTable table;
    const ResourceTypeId host = table.add_resource_type("fields", [&](uint32_t rep) -> Result<void> {
      destroyed.push_back(rep);
      return {};
    });
    const ResourceTypeId guest = table.add_resource_type(
        "guest", [&](uint32_t) -> Result<void> { return fail(ErrorKind::kInternal, "must not run"); }, true);
    ok(table.new_own(host, 11));
    ok(table.new_own(guest, 12));
    const uint32_t gone = ok(table.new_own(host, 13));
    ok(table.drop(host, gone));
  }
  EXPECT_EQ(destroyed, (std::vector<uint32_t>{13, 11}));
}

}  // namespace
}  // namespace hookd::engine::canonical
