#include "route/file_sink.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "route/message_json.h"
#include "route/sink_factory.h"
#include "route_test_support.h"

namespace mqttd {
namespace {

using test::readLines;
using test::sampleMessage;

TEST(FileSinkTest, AppendsOneJsonLinePerMessage) {
  test::ScratchDir dir;
  const std::string path = dir.file("out.jsonl");
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("existing\n", f);
    std::fclose(f);
  }
  auto sink = FileSink::open("f", path);
  ASSERT_TRUE(sink.ok()) << sink.error();
  const Message m1 = sampleMessage("a", "1");
  const Message m2 = sampleMessage("b", std::string("\x00\xFF", 2));
  ASSERT_TRUE((*sink)->deliver(m1).ok());
  ASSERT_TRUE((*sink)->deliver(m2).ok());
  const auto lines = readLines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "existing");
  EXPECT_EQ(lines[1], messageToJson(m1));
  EXPECT_EQ(lines[2], messageToJson(m2));
}

TEST(FileSinkTest, CreatesTheFileWithMode0640) {
  test::ScratchDir dir;
  const std::string path = dir.file("new.jsonl");
  auto sink = FileSink::open("f", path);
  ASSERT_TRUE(sink.ok()) << sink.error();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);
}

TEST(FileSinkTest, ReopenFollowsLogRotation) {
  test::ScratchDir dir;
  const std::string path = dir.file("out.jsonl");
  auto sink = FileSink::open("f", path);
  ASSERT_TRUE(sink.ok()) << sink.error();
  ASSERT_TRUE((*sink)->deliver(sampleMessage("one")).ok());
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  ASSERT_TRUE((*sink)->deliver(sampleMessage("two")).ok());  // still the old file
  (*sink)->reopen();
  ASSERT_TRUE((*sink)->deliver(sampleMessage("three")).ok());
  const auto old_lines = readLines(path + ".1");
  const auto new_lines = readLines(path);
  ASSERT_EQ(old_lines.size(), 2u);
  EXPECT_EQ(old_lines[1], messageToJson(sampleMessage("two")));
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(new_lines[0], messageToJson(sampleMessage("three")));
}

TEST(FileSinkTest, FailedReopenKeepsWritingToTheOldFile) {
  test::ScratchDir dir;
  const std::string sub = dir.file("logs");
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  auto sink = FileSink::open("f", sub + "/out.jsonl");
  ASSERT_TRUE(sink.ok()) << sink.error();
  ASSERT_EQ(std::rename(sub.c_str(), (sub + ".moved").c_str()), 0);
  (*sink)->reopen();  // its directory is gone: cannot open
  ASSERT_TRUE((*sink)->deliver(sampleMessage("kept")).ok());
  EXPECT_EQ(readLines(sub + ".moved/out.jsonl").size(), 1u);
}

TEST(FileSinkTest, OpenFailureNamesThePathAndTheReason) {
  test::ScratchDir dir;
  const std::string path = dir.file("missing/out.jsonl");
  auto sink = FileSink::open("f", path);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.error(), "cannot open " + path + ": No such file or directory");

  HandlerConfig config;
  config.name = "audit";
  config.type = HandlerType::kFile;
  config.path = path;
  auto made = makeSink(config);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), "handler 'audit': cannot open " + path + ": No such file or directory");
}

}  // namespace
}  // namespace mqttd
