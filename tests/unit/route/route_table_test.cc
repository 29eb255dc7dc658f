#include "route/route_table.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "route/callback_sink.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

using test::sampleMessage;
using test::waitFor;

// A handler queue whose messages' topics are collected.
struct Collector {
  Collector() {
    queue = std::make_shared<HandlerQueue>(
        "c", "callback", std::make_unique<CallbackSink>([this](const Message& m) {
          std::lock_guard lock(mutex);
          topics.push_back(m.topic);
        }),
        100, 1 << 20);
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex);
    return topics;
  }
  std::shared_ptr<HandlerQueue> queue;
  std::mutex mutex;
  std::vector<std::string> topics;
};

std::unique_ptr<RouteTable::Route> route(const std::string& filter, RouteAction action,
                                         std::shared_ptr<HandlerQueue> handler = nullptr,
                                         RouteSource source = RouteSource::kClients) {
  auto r = std::make_unique<RouteTable::Route>();
  r->filter = filter;
  r->action = action;
  r->handler = std::move(handler);
  r->source = source;
  return r;
}

std::shared_ptr<const Message> message(const std::string& topic) {
  return std::make_shared<const Message>(sampleMessage(topic, "x"));
}

TEST(RouteTableTest, EmptyTableForwardsEverything) {
  RouteTable table;
  EXPECT_TRUE(table.passThrough());
  const auto d = table.decide("a/b");
  EXPECT_EQ(d.action, RouteAction::kForward);
  EXPECT_EQ(d.route, nullptr);
  EXPECT_FALSE(d.capture);
}

TEST(RouteTableTest, FirstMatchingRouteDecidesAndCounts) {
  Collector first;
  Collector second;
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  routes.push_back(route("a/+/x", RouteAction::kLocal, first.queue));
  routes.push_back(route("a/#", RouteAction::kTap, second.queue));
  routes.push_back(route("a/b/y", RouteAction::kDrop));  // shadowed by a/#
  routes.push_back(route("blocked/#", RouteAction::kDrop));
  const RouteTable table(std::move(routes), {});
  EXPECT_FALSE(table.passThrough());

  auto d = table.decide("a/b/x");
  EXPECT_EQ(d.action, RouteAction::kLocal);
  EXPECT_TRUE(d.capture);
  table.deliver(d, message("a/b/x"));
  d = table.decide("a/b/y");
  EXPECT_EQ(d.action, RouteAction::kTap);
  table.deliver(d, message("a/b/y"));
  d = table.decide("blocked/1");
  EXPECT_EQ(d.action, RouteAction::kDrop);
  EXPECT_FALSE(d.capture);
  d = table.decide("other");
  EXPECT_EQ(d.action, RouteAction::kForward);
  EXPECT_EQ(d.route, nullptr);

  ASSERT_TRUE(waitFor([&] { return first.get().size() == 1 && second.get().size() == 1; }));
  EXPECT_EQ(first.get(), std::vector<std::string>{"a/b/x"});
  EXPECT_EQ(second.get(), std::vector<std::string>{"a/b/y"});
  std::string metrics;
  table.appendMetrics(metrics);
  EXPECT_NE(metrics.find("mqttd_route_matched_total{route=\"0\",filter=\"a/+/x\",action=\"local\","
                         "source=\"clients\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("{route=\"2\",filter=\"a/b/y\",action=\"drop\",source=\"clients\"} 0\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("{route=\"3\",filter=\"blocked/#\",action=\"drop\",source=\"clients\"} 1\n"),
            std::string::npos);
  EXPECT_NE(metrics.find("mqttd_handler_delivered_total{handler=\"c\",type=\"callback\"} 1\n"),
            std::string::npos);
}

// [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a $ topic.
TEST(RouteTableTest, WildcardRoutesDoNotTakeDollarTopics) {
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  routes.push_back(route("#", RouteAction::kDrop));
  const RouteTable table(std::move(routes), {});
  EXPECT_EQ(table.decide("$SYS/x").action, RouteAction::kForward);
  EXPECT_EQ(table.decide("x").action, RouteAction::kDrop);
}

TEST(RouteTableTest, SubscriptionsSeeEveryMatchingMessageThatIsNotDropped) {
  Collector sub;
  Collector handler;
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  routes.push_back(route("local/#", RouteAction::kLocal, handler.queue));
  routes.push_back(route("blocked/#", RouteAction::kDrop));
  const RouteTable table(std::move(routes), {RouteTable::Subscription{"#", sub.queue}});
  EXPECT_FALSE(table.passThrough());
  for (const char* topic : {"plain", "local/a", "blocked/b"}) {
    const auto d = table.decide(topic);
    if (d.capture) table.deliver(d, message(topic));
  }
  ASSERT_TRUE(waitFor([&] { return sub.get().size() == 2; }));
  EXPECT_EQ(sub.get(), (std::vector<std::string>{"plain", "local/a"}));
  EXPECT_EQ(handler.get(), std::vector<std::string>{"local/a"});
}

TEST(RouteTableTest, BrokerRoutesOnlyTakeBrokerMessages) {
  Collector alarms;
  std::vector<std::unique_ptr<RouteTable::Route>> routes;
  routes.push_back(route("alarms/#", RouteAction::kTap, alarms.queue, RouteSource::kBroker));
  routes.back()->qos = 2;
  const RouteTable table(std::move(routes), {});
  EXPECT_TRUE(table.passThrough());  // nothing for client traffic to decide
  EXPECT_EQ(table.decide("alarms/1").action, RouteAction::kForward);
  EXPECT_EQ(table.brokerFilters(),
            (std::vector<std::pair<std::string, uint8_t>>{{"alarms/#", 2}}));
  table.deliverFromBroker(message("alarms/1"));
  table.deliverFromBroker(message("other"));
  ASSERT_TRUE(waitFor([&] { return alarms.get().size() == 1; }));
  EXPECT_EQ(alarms.get(), std::vector<std::string>{"alarms/1"});
}

}  // namespace
}  // namespace mqttd
