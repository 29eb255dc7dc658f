// `handlers:` and `routes:` in gw.yaml (ConfigLoader, ConfigSection::eachEntry/eachItem).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config_enums.h"
#include "config/config_loader.h"
#include "minimal_config.h"
#include "../scratch_dir.h"

namespace mqttd {
namespace {

using namespace std::chrono_literals;
using test::ScratchDir;
using testing::ElementsAre;
using testing::IsEmpty;

constexpr std::string_view kMinimal = test::kMinimalConfig;

std::string minimalPlus(std::string_view extra) {
  return std::string(kMinimal) + std::string(extra);
}

Config load(std::string_view extra) {
  auto r = ConfigLoader::loadString(minimalPlus(extra), "gw.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : toString(r.error()));
  return r.ok() ? std::move(r).value() : Config{};
}

// Every error of loading kMinimal + `extra` as "gw.yaml", one string each.
std::vector<std::string> errors(std::string_view extra) {
  const auto r = ConfigLoader::loadString(minimalPlus(extra), "gw.yaml");
  EXPECT_FALSE(r.ok()) << "loaded without errors:\n" << extra;
  std::vector<std::string> out;
  if (!r.ok())
    for (const ConfigError& e : r.error()) out.push_back(e.toString());
  return out;
}

HandlerConfig handler(std::string name, HandlerType type) {
  HandlerConfig h;
  h.name = std::move(name);
  h.type = type;
  return h;
}

RouteConfig route(std::string filter, RouteAction action, std::string handler_name = "") {
  RouteConfig r;
  r.filter = std::move(filter);
  r.action = action;
  r.handler = std::move(handler_name);
  return r;
}

class RoutesConfigTest : public testing::Test {
 protected:
  ScratchDir dir_;
  const std::string audit_ = dir_.path() + "/audit.jsonl";  // missing; its directory exists
  const std::string enrich_ = dir_.writeExecutable("bin/enrich", "#!/bin/sh\ncat\n");
};

// ---- the example of docs/configuration.md -----------------------------------------------------

TEST_F(RoutesConfigTest, FullExampleParses) {
  const Config c = load(
      "handlers:\n"
      "  audit:   { type: file, path: " + audit_ + " }\n"
      "  alarms:  { type: webhook, url: http://127.0.0.1:8080/alarms, timeout: 2s, retries: 2 }\n"
      "  enrich:  { type: exec, command: [" + enrich_ + ", --json], queue_length: 100 }\n"
      "  console: { type: log }\n"
      "routes:\n"
      "  - filter: \"sensors/#\"\n"
      "    action: tap\n"
      "    handler: audit\n"
      "  - filter: \"local/#\"\n"
      "    action: local\n"
      "    handler: enrich\n"
      "  - filter: \"blocked/#\"\n"
      "    action: drop\n"
      "    on_drop: disconnect\n"
      "  - filter: \"alarms/#\"\n"
      "    source: broker\n"
      "    action: tap\n"
      "    handler: alarms\n"
      "    qos: 1\n");
  HandlerConfig audit = handler("audit", HandlerType::kFile);
  audit.path = audit_;
  HandlerConfig alarms = handler("alarms", HandlerType::kWebhook);
  alarms.url = "http://127.0.0.1:8080/alarms";
  alarms.timeout = 2s;
  alarms.retries = 2;
  HandlerConfig enrich = handler("enrich", HandlerType::kExec);
  enrich.command = {enrich_, "--json"};
  enrich.queue_length = 100;
  EXPECT_THAT(c.handlers, ElementsAre(audit, alarms, enrich, handler("console", HandlerType::kLog)));

  RouteConfig blocked = route("blocked/#", RouteAction::kDrop);
  blocked.on_drop = DropPolicy::kDisconnect;
  RouteConfig from_broker = route("alarms/#", RouteAction::kTap, "alarms");
  from_broker.source = RouteSource::kBroker;
  from_broker.qos = 1;
  EXPECT_THAT(c.routes, ElementsAre(route("sensors/#", RouteAction::kTap, "audit"),
                                    route("local/#", RouteAction::kLocal, "enrich"), blocked,
                                    from_broker));
}

TEST_F(RoutesConfigTest, DefaultsAndAbsentSections) {
  const Config none = load("");
  EXPECT_THAT(none.handlers, IsEmpty());
  EXPECT_THAT(none.routes, IsEmpty());
  // Keys with no value and empty collections are empty.
  EXPECT_THAT(load("handlers:\nroutes:\n").handlers, IsEmpty());
  EXPECT_THAT(load("handlers: {}\nroutes: []\n").routes, IsEmpty());

  const Config c = load(
      "handlers:\n"
      "  console: {type: log}\n"
      "  hook: {type: webhook, url: 'http://[::1]/'}\n"
      "routes:\n"
      "  - {filter: a/#, action: forward}\n");
  ASSERT_EQ(c.handlers.size(), 2u);
  const HandlerConfig& console = c.handlers[0];
  EXPECT_EQ(console.name, "console");
  EXPECT_EQ(console.type, HandlerType::kLog);
  EXPECT_EQ(console.queue_length, 1024u);
  EXPECT_EQ(console.queue_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(console, handler("console", HandlerType::kLog));
  EXPECT_EQ(c.handlers[1].timeout, 5s);
  EXPECT_EQ(c.handlers[1].retries, 3u);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].on_drop, DropPolicy::kIgnore);
  EXPECT_EQ(c.routes[0].source, RouteSource::kClients);
  EXPECT_EQ(c.routes[0].qos, 1u);
  EXPECT_EQ(c.routes[0], route("a/#", RouteAction::kForward));
}

TEST_F(RoutesConfigTest, EnumValuesAreTheirTextForms) {
  for (const HandlerType type : kHandlerTypes) {
    const std::string extra = type == HandlerType::kFile      ? ", path: " + audit_
                              : type == HandlerType::kWebhook ? ", url: http://127.0.0.1/"
                              : type == HandlerType::kExec    ? ", command: [" + enrich_ + "]"
                                                              : "";
    EXPECT_EQ(load("handlers: {h: {type: " + std::string(toString(type)) + extra + "}}\n")
                  .handlers.at(0)
                  .type,
              type);
  }
  for (const RouteAction action : kRouteActions) {
    const bool needs_handler = action == RouteAction::kTap || action == RouteAction::kLocal;
    EXPECT_EQ(load("handlers: {h: {type: log}}\n"
                   "routes: [{filter: a, action: " + std::string(toString(action)) +
                   (needs_handler ? ", handler: h" : "") + "}]\n")
                  .routes.at(0)
                  .action,
              action);
  }
  for (const DropPolicy policy : kDropPolicies)
    EXPECT_EQ(load("routes: [{filter: a, action: drop, on_drop: " +
                   std::string(toString(policy)) + "}]\n")
                  .routes.at(0)
                  .on_drop,
              policy);
  for (const RouteSource source : kRouteSources)
    EXPECT_EQ(load("handlers: {h: {type: log}}\n"
                   "routes: [{filter: a, action: tap, handler: h, source: " +
                   std::string(toString(source)) + "}]\n")
                  .routes.at(0)
                  .source,
              source);
}

// ---- handlers ----------------------------------------------------------------------------------

TEST_F(RoutesConfigTest, HandlersMustBeAMapOfMaps) {
  EXPECT_THAT(errors("handlers: [audit]\n"),
              ElementsAre("gw.yaml:8:11: handlers: expected a map of names, each to a map of "
                          "keys, got a list"));
  EXPECT_THAT(errors("handlers: file\n"),
              ElementsAre("gw.yaml:8:11: handlers: expected a map of names, each to a map of "
                          "keys, got the value 'file'"));
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: file\n"
                     "  alarms: [webhook]\n"),
              ElementsAre("gw.yaml:9:10: handlers.audit: expected a map of keys, got the value "
                          "'file'",
                          "gw.yaml:10:11: handlers.alarms: expected a map of keys, got a list"));
  EXPECT_THAT(errors("handlers:\n"
                     "  ? [a, b]\n"
                     "  : {type: log}\n"),
              ElementsAre("gw.yaml:9:5: handlers: keys must be plain names, not a list"));
  // A name with no value is an empty map: its type is missing.
  EXPECT_THAT(errors("handlers:\n"
                     "  console:\n"),
              ElementsAre("gw.yaml:9:3: handlers.console.type: required key is missing"));
}

TEST_F(RoutesConfigTest, HandlerNames) {
  const std::string longest(64, 'x');
  const Config c = load("handlers:\n"
                        "  a-b_c-1: {type: log}\n"
                        "  " + longest + ": {type: log}\n");
  EXPECT_EQ(c.handlers.at(0).name, "a-b_c-1");
  EXPECT_EQ(c.handlers.at(1).name, longest);
  const std::string rule =
      "handler names must be 1..64 characters of A-Z a-z 0-9 _ - (they become metrics labels and "
      "key paths)";
  EXPECT_THAT(errors("handlers:\n"
                     "  \"bad name\": {type: log}\n"
                     "  " + longest + "y: {type: log}\n"
                     "  'a/b': {type: log}\n"),
              ElementsAre("gw.yaml:9:3: handlers.bad name: " + rule,
                          "gw.yaml:10:3: handlers." + longest + "y: " + rule,
                          "gw.yaml:11:3: handlers.a/b: " + rule));
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: {type: log}\n"
                     "  audit: {type: log}\n"),
              ElementsAre("gw.yaml:10:3: handlers.audit: duplicate key (first set at line 9)"));
}

TEST_F(RoutesConfigTest, HandlerTypeIsRequiredAndChecked) {
  EXPECT_THAT(errors("handlers:\n"
                     "  a: {queue_length: 5}\n"
                     "  b: {type: fil}\n"
                     "  c: {type: FILE}\n"),
              ElementsAre("gw.yaml:9:3: handlers.a.type: required key is missing",
                          "gw.yaml:10:13: handlers.b.type: unknown value 'fil' (did you mean "
                          "'file'?)",
                          "gw.yaml:11:13: handlers.c.type: unknown value 'FILE' (expected one "
                          "of: log, file, webhook, exec)"));
  // With no valid type, the other keys are still checked, but none is required or misplaced.
  EXPECT_THAT(errors("handlers:\n"
                     "  a: {type: hook, url: 'https://x/'}\n"),
              ElementsAre("gw.yaml:9:13: handlers.a.type: unknown value 'hook' (expected one of: "
                          "log, file, webhook, exec)",
                          "gw.yaml:9:24: handlers.a.url: https is not supported; put a "
                          "TLS-terminating proxy in front, or use http:// on a trusted network"));
}

TEST_F(RoutesConfigTest, KeysOfOtherTypesAreErrors) {
  EXPECT_THAT(errors("handlers:\n"
                     "  audit:\n"
                     "    type: file\n"
                     "    path: " + audit_ + "\n"
                     "    url: http://127.0.0.1/\n"
                     "    command: [cat]\n"
                     "  console:\n"
                     "    type: log\n"
                     "    timeout: 1s\n"
                     "    retries: 1\n"
                     "    path: " + audit_ + "\n"
                     "  hook:\n"
                     "    type: webhook\n"
                     "    url: http://127.0.0.1/\n"
                     "    command: [cat]\n"),
              ElementsAre("gw.yaml:12:5: handlers.audit.url: only applies to type: webhook "
                          "(this handler is type: file)",
                          "gw.yaml:13:5: handlers.audit.command: only applies to type: exec "
                          "(this handler is type: file)",
                          "gw.yaml:16:5: handlers.console.timeout: only applies to type: "
                          "webhook (this handler is type: log)",
                          "gw.yaml:17:5: handlers.console.retries: only applies to type: "
                          "webhook (this handler is type: log)",
                          "gw.yaml:18:5: handlers.console.path: only applies to type: file "
                          "(this handler is type: log)",
                          "gw.yaml:22:5: handlers.hook.command: only applies to type: exec "
                          "(this handler is type: webhook)"));
}

TEST_F(RoutesConfigTest, UnknownHandlerKeys) {
  EXPECT_THAT(errors("handlers:\n"
                     "  hook:\n"
                     "    type: webhook\n"
                     "    url: http://127.0.0.1/\n"
                     "    timout: 1s\n"
                     "    queue_lenght: 5\n"
                     "    colour: red\n"),
              ElementsAre("gw.yaml:12:5: handlers.hook.timout: unknown key (did you mean "
                          "'timeout'?)",
                          "gw.yaml:13:5: handlers.hook.queue_lenght: unknown key (did you mean "
                          "'queue_length'?)",
                          "gw.yaml:14:5: handlers.hook.colour: unknown key (valid keys here: "
                          "type, path, url, timeout, retries, command, queue_length, "
                          "queue_bytes)"));
}

TEST_F(RoutesConfigTest, FilePath) {
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: {type: file}\n"),
              ElementsAre("gw.yaml:9:3: handlers.audit.path: required key is missing"));
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: {type: file, path: ''}\n"),
              ElementsAre("gw.yaml:9:29: handlers.audit.path: must not be empty; expected a "
                          "file path"));
  // Missing is fine (it is created); an existing regular file is fine.
  EXPECT_EQ(load("handlers: {a: {type: file, path: " + audit_ + "}}\n").handlers.at(0).path,
            audit_);
  const std::string existing = dir_.write("existing.jsonl", "{}\n");
  EXPECT_EQ(load("handlers: {a: {type: file, path: " + existing + "}}\n").handlers.at(0).path,
            existing);

  const std::string fifo = dir_.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string head = "handlers:\n  a:\n    type: file\n    path: ";  // path: line 11, col 11
  const std::string prefix = "gw.yaml:11:11: handlers.a.path: cannot write output file '";
  EXPECT_THAT(errors(head + dir_.path() + "/nodir/a.jsonl\n"),
              ElementsAre(prefix + dir_.path() + "/nodir/a.jsonl': directory '" + dir_.path() +
                          "/nodir': No such file or directory"));
  EXPECT_THAT(errors(head + dir_.path() + "\n"),
              ElementsAre(prefix + dir_.path() + "': Is a directory"));
  EXPECT_THAT(errors(head + fifo + "\n"), ElementsAre(prefix + fifo + "': not a regular file"));
  EXPECT_THAT(errors(head + existing + "/a.jsonl\n"),
              ElementsAre(prefix + existing + "/a.jsonl': Not a directory"));
  if (::geteuid() != 0) {  // root writes whatever the mode
    ASSERT_EQ(::chmod(existing.c_str(), 0444), 0);
    EXPECT_THAT(errors(head + existing + "\n"),
                ElementsAre(prefix + existing + "': Permission denied"));
    const std::string locked = dir_.path() + "/locked";
    ASSERT_EQ(::mkdir(locked.c_str(), 0555), 0);
    EXPECT_THAT(errors(head + locked + "/a.jsonl\n"),
                ElementsAre(prefix + locked + "/a.jsonl': cannot create it in directory '" +
                            locked + "': Permission denied"));
  }
}

TEST_F(RoutesConfigTest, RelativeFilePathIsRelativeToTheConfigFile) {
  std::filesystem::create_directories(dir_.path() + "/etc/logs");
  const std::string path = dir_.write("etc/gw.yaml", minimalPlus("handlers:\n"
                                                                 "  audit:\n"
                                                                 "    type: file\n"
                                                                 "    path: logs/audit.jsonl\n"));
  const auto r = ConfigLoader::loadFile(path);
  ASSERT_TRUE(r.ok()) << toString(r.error());
  EXPECT_EQ(r->handlers.at(0).path, dir_.path() + "/etc/logs/audit.jsonl");

  const std::string bad = dir_.write("etc/bad.yaml", minimalPlus("handlers:\n"
                                                                 "  audit:\n"
                                                                 "    type: file\n"
                                                                 "    path: log/audit.jsonl\n"));
  const auto e = ConfigLoader::loadFile(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(toString(e.error()), bad + ":11:11: handlers.audit.path: cannot write output file '" +
                                     dir_.path() + "/etc/log/audit.jsonl': directory '" +
                                     dir_.path() + "/etc/log': No such file or directory\n");
}

TEST_F(RoutesConfigTest, WebhookUrl) {
  EXPECT_THAT(errors("handlers:\n"
                     "  hook: {type: webhook}\n"),
              ElementsAre("gw.yaml:9:3: handlers.hook.url: required key is missing"));
  const std::string head = "handlers:\n  hook:\n    type: webhook\n    url: ";  // 11:10
  EXPECT_THAT(errors(head + "https://hooks.example.com/alarms\n"),
              ElementsAre("gw.yaml:11:10: handlers.hook.url: https is not supported; put a "
                          "TLS-terminating proxy in front, or use http:// on a trusted network"));
  EXPECT_THAT(errors(head + "ftp://127.0.0.1/x\n"),
              ElementsAre("gw.yaml:11:10: handlers.hook.url: invalid URL 'ftp://127.0.0.1/x': "
                          "unsupported scheme 'ftp'; expected http://host[:port][/path]"));
  EXPECT_THAT(errors(head + "127.0.0.1:8080/alarms\n"),
              ElementsAre("gw.yaml:11:10: handlers.hook.url: invalid URL "
                          "'127.0.0.1:8080/alarms': expected http://host[:port][/path], e.g. "
                          "http://127.0.0.1:8080/alarms"));
  EXPECT_THAT(errors(head + "http://127.0.0.1:0/\n"),
              ElementsAre("gw.yaml:11:10: handlers.hook.url: invalid URL 'http://127.0.0.1:0/': "
                          "port 0 is out of range 1..65535"));
  EXPECT_THAT(errors(head + "\n"),
              ElementsAre("gw.yaml:11:5: handlers.hook.url: missing value; expected a URL such as "
                          "http://127.0.0.1:8080/hook"));
  // Host names are kept for the handler to resolve at start: no DNS here.
  EXPECT_EQ(load(head + "http://no-such-host.invalid:8080/x?y=1\n").handlers.at(0).url,
            "http://no-such-host.invalid:8080/x?y=1");
}

TEST_F(RoutesConfigTest, WebhookTimeoutAndRetries) {
  const std::string head = "handlers:\n  hook:\n    type: webhook\n    url: http://127.0.0.1/\n";
  const HandlerConfig edge = load(head + "    timeout: 1ms\n    retries: 0\n").handlers.at(0);
  EXPECT_EQ(edge.timeout, 1ms);
  EXPECT_EQ(edge.retries, 0u);
  const HandlerConfig high = load(head + "    timeout: 24h\n    retries: 10\n").handlers.at(0);
  EXPECT_EQ(high.timeout, 24h);
  EXPECT_EQ(high.retries, 10u);
  EXPECT_THAT(errors(head + "    timeout: 0s\n    retries: 11\n"),
              ElementsAre("gw.yaml:12:14: handlers.hook.timeout: 0s is out of range 1ms..24h",
                          "gw.yaml:13:14: handlers.hook.retries: 11 is out of range 0..10"));
  EXPECT_THAT(errors(head + "    timeout: 2\n    retries: -1\n"),
              ElementsAre("gw.yaml:12:14: handlers.hook.timeout: duration '2' has no unit; write "
                          "e.g. 2s or 2ms (units: us, ms, s, m, h)",
                          "gw.yaml:13:14: handlers.hook.retries: -1 is out of range 0..10"));
}

TEST_F(RoutesConfigTest, ExecCommand) {
  EXPECT_THAT(errors("handlers:\n"
                     "  run: {type: exec}\n"),
              ElementsAre("gw.yaml:9:3: handlers.run.command: required key is missing"));
  const std::string head = "handlers:\n  run:\n    type: exec\n    command: ";  // 11:14
  EXPECT_THAT(errors(head + "/bin/cat\n"),
              ElementsAre("gw.yaml:11:14: handlers.run.command: expected a list of strings such "
                          "as [/usr/local/bin/enrich, --json], got the value '/bin/cat'"));
  EXPECT_THAT(errors(head + "[]\n"),
              ElementsAre("gw.yaml:11:14: handlers.run.command: must not be empty; expected a "
                          "list of strings such as [/usr/local/bin/enrich, --json]"));
  EXPECT_THAT(errors(head + "[" + enrich_ + ", '', {a: 1}]\n"),
              ElementsAre("gw.yaml:11:" + std::to_string(15 + enrich_.size() + 2) +
                              ": handlers.run.command[1]: must not be empty",
                          "gw.yaml:11:" + std::to_string(15 + enrich_.size() + 6) +
                              ": handlers.run.command[2]: expected a string, got a map"));
  // The program must be runnable now; the error is at entry 0.
  EXPECT_THAT(errors(head + "[enrichh-5c1f, --json]\n"),
              ElementsAre("gw.yaml:11:15: handlers.run.command[0]: program 'enrichh-5c1f' not "
                          "found in PATH"));
  const std::string data = dir_.write("data.txt", "not a program\n");  // mode 0644
  EXPECT_THAT(errors(head + "[" + dir_.path() + "/none]\n"),
              ElementsAre("gw.yaml:11:15: handlers.run.command[0]: cannot run '" + dir_.path() +
                          "/none': No such file or directory"));
  EXPECT_THAT(errors(head + "[" + data + "]\n"),
              ElementsAre("gw.yaml:11:15: handlers.run.command[0]: cannot run '" + data +
                          "': Permission denied"));
  EXPECT_THAT(errors(head + "\n      - " + dir_.path() + "\n"),
              ElementsAre("gw.yaml:12:9: handlers.run.command[0]: cannot run '" + dir_.path() +
                          "': Is a directory"));
  // Arguments may repeat; a bare name is looked up in PATH.
  EXPECT_THAT(load(head + "[" + enrich_ + ", -e, x, -e, x]\n").handlers.at(0).command,
              ElementsAre(enrich_, "-e", "x", "-e", "x"));
  EXPECT_THAT(load(head + "[sh, -c, 'cat >/dev/null']\n").handlers.at(0).command,
              ElementsAre("sh", "-c", "cat >/dev/null"));
}

TEST_F(RoutesConfigTest, QueueLimits) {
  const HandlerConfig low =
      load("handlers: {a: {type: log, queue_length: 1, queue_bytes: 1KiB}}\n").handlers.at(0);
  EXPECT_EQ(low.queue_length, 1u);
  EXPECT_EQ(low.queue_bytes, 1024u);
  const HandlerConfig high =
      load("handlers: {a: {type: log, queue_length: 1000000, queue_bytes: 4294967295}}\n")
          .handlers.at(0);
  EXPECT_EQ(high.queue_length, 1000000u);
  EXPECT_EQ(high.queue_bytes, 4294967295u);
  EXPECT_THAT(errors("handlers:\n"
                     "  a:\n"
                     "    type: log\n"
                     "    queue_length: 0\n"
                     "    queue_bytes: 1000\n"
                     "  b:\n"
                     "    type: log\n"
                     "    queue_length: 1000001\n"
                     "    queue_bytes: 4GiB\n"),
              ElementsAre("gw.yaml:11:19: handlers.a.queue_length: 0 is out of range 1..1000000",
                          "gw.yaml:12:18: handlers.a.queue_bytes: 1000 is out of range "
                          "1024..4294967295 bytes",
                          "gw.yaml:15:19: handlers.b.queue_length: 1000001 is out of range "
                          "1..1000000",
                          "gw.yaml:16:18: handlers.b.queue_bytes: 4GiB is out of range "
                          "1024..4294967295 bytes"));
}

// ---- routes ------------------------------------------------------------------------------------

TEST_F(RoutesConfigTest, RoutesMustBeAListOfMaps) {
  EXPECT_THAT(errors("routes: {filter: a/#}\n"),
              ElementsAre("gw.yaml:8:9: routes: expected a list of maps, got a map"));
  EXPECT_THAT(errors("routes: tap\n"),
              ElementsAre("gw.yaml:8:9: routes: expected a list of maps, got the value 'tap'"));
  EXPECT_THAT(errors("routes:\n"
                     "  - sensors/#\n"
                     "  - [a]\n"
                     "  -\n"
                     "  - {filter: a/#, action: forward}\n"),
              // An empty item is reported at the list, as in stringList().
              ElementsAre("gw.yaml:9:3: routes[2]: expected a map of keys, got nothing",
                          "gw.yaml:9:5: routes[0]: expected a map of keys, got the value "
                          "'sensors/#'",
                          "gw.yaml:10:5: routes[1]: expected a map of keys, got a list"));
}

TEST_F(RoutesConfigTest, ErrorsNameTheItemByItsIndex) {
  // The bad item does not shift the later ones: the filter error is routes[2]'s.
  EXPECT_THAT(errors("routes:\n"
                     "  - filter: a/#\n"
                     "    action: forward\n"
                     "  - 42\n"
                     "  - filter: \"b/#/c\"\n"
                     "    action: forward\n"
                     "  - filter: c/#\n"
                     "    action: drop\n"
                     "    handler: x\n"),
              ElementsAre("gw.yaml:11:5: routes[1]: expected a map of keys, got the value '42'",
                          "gw.yaml:12:13: routes[2].filter: invalid topic filter 'b/#/c': '#' "
                          "must be the last level (as in sensors/#)",
                          "gw.yaml:16:14: routes[3].handler: not allowed with action: drop "
                          "(drop sends the messages nowhere); remove it"));
}

TEST_F(RoutesConfigTest, RequiredAndUnknownRouteKeys) {
  EXPECT_THAT(errors("handlers: {audit: {type: log}}\n"
                     "routes:\n"
                     "  - filter: a/#\n"
                     "    actoin: tap\n"
                     "    handler: audit\n"
                     "  - handler: audit\n"
                     "    fliter: x\n"
                     "    colour: red\n"),
              // A misspelt required key is not also missing; nor is its route checked further.
              ElementsAre("gw.yaml:11:5: routes[0].actoin: unknown key (did you mean 'action'?)",
                          "gw.yaml:13:5: routes[1].action: required key is missing",
                          "gw.yaml:14:5: routes[1].fliter: unknown key (did you mean 'filter'?)",
                          "gw.yaml:15:5: routes[1].colour: unknown key (valid keys here: filter, "
                          "action, handler, on_drop, source, qos)"));
  // Without an action the route's rules are not checked: no "handler required" here.
  EXPECT_THAT(errors("routes:\n"
                     "  - {filter: a/#, actoin: tap}\n"),
              ElementsAre("gw.yaml:9:19: routes[0].actoin: unknown key (did you mean "
                          "'action'?)"));
  EXPECT_THAT(errors("routes:\n"
                     "  - {}\n"),
              ElementsAre("gw.yaml:9:5: routes[0].filter: required key is missing",
                          "gw.yaml:9:5: routes[0].action: required key is missing"));
}

TEST_F(RoutesConfigTest, FilterMustBeAValidTopicFilter) {
  EXPECT_THAT(errors("routes:\n"
                     "  - {filter: \"sensors/#/x\", action: forward}\n"
                     "  - {filter: \"sensors#\", action: forward}\n"
                     "  - {filter: \"a/b+\", action: forward}\n"
                     "  - {filter: \"\", action: forward}\n"
                     "  - filter: #\n"
                     "    action: forward\n"
                     "  - {filter: [a], action: forward}\n"),
              ElementsAre("gw.yaml:9:14: routes[0].filter: invalid topic filter 'sensors/#/x': "
                          "'#' must be the last level (as in sensors/#)",
                          "gw.yaml:10:14: routes[1].filter: invalid topic filter 'sensors#': "
                          "'#' must occupy a whole level (as in sensors/#)",
                          "gw.yaml:11:14: routes[2].filter: invalid topic filter 'a/b+': '+' "
                          "must occupy a whole level (as in sensors/+/temperature)",
                          "gw.yaml:12:14: routes[3].filter: empty filter; write a topic filter "
                          "such as sensors/#",
                          // YAML: '#' after a space starts a comment.
                          "gw.yaml:13:5: routes[4].filter: missing value; expected a topic "
                          "filter such as sensors/# (quote a filter that starts with #)",
                          "gw.yaml:15:14: routes[5].filter: expected a topic filter such as "
                          "sensors/# (quote a filter that starts with #), got a list"));
  for (const char* filter : {"#", "+", "+/+/x", "$SYS/#", "sensors/+/temp", "a//b", "/"}) {
    const Config c =
        load("routes: [{filter: '" + std::string(filter) + "', action: forward}]\n");
    ASSERT_EQ(c.routes.size(), 1u) << filter;
    EXPECT_EQ(c.routes[0].filter, filter);
  }
}

TEST_F(RoutesConfigTest, HandlerMustExist) {
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: {type: log}\n"
                     "  alarms: {type: log}\n"
                     "routes:\n"
                     "  - {filter: a/#, action: tap, handler: audti}\n"
                     "  - {filter: b/#, action: local, handler: zzz}\n"),
              ElementsAre("gw.yaml:12:41: routes[0].handler: unknown handler 'audti' (did you "
                          "mean 'audit'?)",
                          "gw.yaml:13:43: routes[1].handler: unknown handler 'zzz' (defined "
                          "handlers: audit, alarms)"));
  EXPECT_THAT(errors("routes:\n"
                     "  - {filter: a/#, action: tap, handler: audit}\n"),
              ElementsAre("gw.yaml:9:41: routes[0].handler: unknown handler 'audit' (no "
                          "handlers are defined; add one under handlers)"));
  // A handler whose entry is broken is reported once, at the handler.
  EXPECT_THAT(errors("handlers:\n"
                     "  audit: file\n"
                     "routes:\n"
                     "  - {filter: a/#, action: tap, handler: audit}\n"),
              ElementsAre("gw.yaml:9:10: handlers.audit: expected a map of keys, got the value "
                          "'file'"));
  EXPECT_THAT(errors("handlers: {audit: {type: log}}\n"
                     "routes:\n"
                     "  - {filter: a/#, action: tap, handler: ''}\n"),
              ElementsAre("gw.yaml:10:41: routes[0].handler: must not be empty; expected a "
                          "handler name (a key of handlers)"));
}

TEST_F(RoutesConfigTest, ActionRules) {
  EXPECT_THAT(errors("handlers: {audit: {type: log}}\n"
                     "routes:\n"
                     "  - filter: a/#\n"
                     "    action: tap\n"
                     "  - filter: b/#\n"
                     "    action: local\n"
                     "  - filter: c/#\n"
                     "    action: drop\n"
                     "    handler: audit\n"
                     "  - filter: d/#\n"
                     "    action: forward\n"
                     "    handler: audit\n"
                     "  - filter: e/#\n"
                     "    action: tap\n"
                     "    handler: audit\n"
                     "    on_drop: disconnect\n"
                     "  - filter: f/#\n"
                     "    action: local\n"
                     "    handler: audit\n"
                     "    source: broker\n"
                     "  - filter: g/#\n"
                     "    action: forward\n"
                     "    qos: 0\n"),
              ElementsAre("gw.yaml:10:5: routes[0].handler: required with action: tap (the "
                          "handler that gets the messages)",
                          "gw.yaml:12:5: routes[1].handler: required with action: local (the "
                          "handler that gets the messages)",
                          "gw.yaml:16:14: routes[2].handler: not allowed with action: drop (drop "
                          "sends the messages nowhere); remove it",
                          "gw.yaml:19:14: routes[3].handler: not allowed with action: forward "
                          "(forward sends the messages to the broker only); remove it",
                          "gw.yaml:23:14: routes[4].on_drop: only applies with action: drop "
                          "(action is tap); remove it",
                          "gw.yaml:27:13: routes[5].source: broker requires action: tap (action "
                          "is local): the gateway only sees copies of what the broker delivers",
                          "gw.yaml:30:10: routes[6].qos: only applies with source: broker "
                          "(source is clients); remove it"));
  // The same keys in their valid combinations.
  const Config c = load("handlers: {audit: {type: log}}\n"
                        "routes:\n"
                        "  - {filter: a/#, action: drop, on_drop: ignore}\n"
                        "  - {filter: b/#, action: forward}\n"
                        "  - {filter: c/#, action: tap, handler: audit, source: broker, qos: 0}\n"
                        "  - {filter: d/#, action: tap, handler: audit, source: broker, qos: 2}\n"
                        "  - {filter: e/#, action: local, handler: audit, source: clients}\n");
  ASSERT_EQ(c.routes.size(), 5u);
  EXPECT_EQ(c.routes[2].qos, 0u);
  EXPECT_EQ(c.routes[3].qos, 2u);
}

TEST_F(RoutesConfigTest, BadRouteValuesSkipTheRulesThatDependOnThem) {
  EXPECT_THAT(errors("routes:\n"
                     "  - {filter: a/#, action: tapp}\n"
                     "  - {filter: b/#, action: drop, on_drop: close}\n"
                     "  - {filter: c/#, action: local, source: brokers, qos: 3}\n"),
              ElementsAre("gw.yaml:9:27: routes[0].action: unknown value 'tapp' (did you mean "
                          "'tap'?)",
                          "gw.yaml:10:42: routes[1].on_drop: unknown value 'close' (expected one "
                          "of: ignore, disconnect)",
                          // The bad source skips only the source rules.
                          "gw.yaml:11:5: routes[2].handler: required with action: local (the "
                          "handler that gets the messages)",
                          "gw.yaml:11:42: routes[2].source: unknown value 'brokers' (did you "
                          "mean 'broker'?)",
                          "gw.yaml:11:56: routes[2].qos: 3 is out of range 0..2"));
}

}  // namespace
}  // namespace mqttd
