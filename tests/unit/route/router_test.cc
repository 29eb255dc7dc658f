#include "route/router.h"

#include <gtest/gtest.h>

namespace mqttd {
namespace {

TEST(RouterTest, SetReplacesTheTableAndBumpsTheVersion) {
  Router router;
  const uint64_t v0 = router.version();
  EXPECT_TRUE(router.current()->passThrough());
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  routes.push_back(std::make_unique<RouteTable::Route>());
  routes.back()->filter = "a";
  routes.back()->action = RouteAction::kDrop;
  router.set(std::make_shared<const RouteTable>(std::move(routes), std::vector<RouteTable::Subscription>{}));
  EXPECT_GT(router.version(), v0);
  EXPECT_EQ(router.current()->decide("a").action, RouteAction::kDrop);
  const uint64_t v1 = router.version();
  router.set(nullptr);  // back to forwarding everything
  EXPECT_GT(router.version(), v1);
  EXPECT_TRUE(router.current()->passThrough());
}

}  // namespace
}  // namespace mqttd
