#include "config/config_section.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <limits>

#include "config/byte_size.h"
#include "config/duration.h"
#include "config/file_check.h"
#include "config/http_url.h"
#include "config/integer.h"
#include "config/suggestion.h"
#include "config/topic_filter.h"
#include "net/socket_address.h"

namespace mqttd::config {
namespace {

// Linux MAX_ARG_STRLEN: one exec(3) argument is at most 32 pages (131072 bytes) with its NUL.
constexpr size_t kMaxArgBytes = 131072 - 1;

SourcePosition positionOf(const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; a node built without a position has -1.
  return SourcePosition{std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "the value '" + node.Scalar() + "'";
    default: return "nothing";
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

ConfigSection::ConfigSection(const YAML::Node& map, std::string path, SourcePosition at,
                             ConfigDiagnostics& diag)
    : path_(std::move(path)), at_(at), diag_(&diag) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` returns a temporary
    const SourcePosition key_at = positionOf(key.Mark());
    if (!key.IsScalar()) {
      diag_->add(key_at, path_, "keys must be plain names, not " + describe(key));
      continue;
    }
    const auto first = std::find_if(entries_.begin(), entries_.end(),
                                    [&](const Entry& e) { return e.key == key.Scalar(); });
    if (first != entries_.end()) {
      diag_->add(key_at, pathOf(key.Scalar()),
                 "duplicate key (first set at line " + std::to_string(first->key_at.line) + ")");
      continue;
    }
    entries_.push_back(Entry{key.Scalar(), key_at, it->second});
  }
}

void ConfigSection::readRoot(const YAML::Node& root, ConfigDiagnostics& diag, const Parse& parse) {
  if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
    diag.add(positionOf(root.Mark()), "",
             "expected a map of keys at the top level, got " + describe(root));
    return;
  }
  ConfigSection section(root, "", SourcePosition{}, diag);
  parse(section);
  section.finish();
}

bool ConfigSection::section(std::string_view key, Need need, const Parse& parse) {
  const Entry* entry = find(key, need, "required section is missing");
  if (entry == nullptr) return false;
  const std::string path = pathOf(key);
  diag_->record(path, entry->key_at);
  readChild(entry->value, path, entry->key_at, parse);
  return true;
}

bool ConfigSection::eachEntry(std::string_view key, Need need, const ParseEntry& parse) {
  const Entry* entry = find(key, need, "required section is missing");
  if (entry == nullptr) return false;
  const std::string path = pathOf(key);
  diag_->record(path, entry->key_at);
  const YAML::Node& map = entry->value;
  if (!map.IsNull() && !map.IsMap()) {
    diag_->add(positionOf(map.Mark()), path,
               "expected a map of names, each to a map of keys, got " + describe(map));
    return true;
  }
  // Collects the names, reporting non-scalar and duplicate ones; every name is valid here.
  const ConfigSection names(map, path, entry->key_at, *diag_);
  for (const Entry& e : names.entries_) {
    const std::string entry_path = names.pathOf(e.key);
    diag_->record(entry_path, e.key_at);
    readChild(e.value, entry_path, e.key_at, [&](ConfigSection& child) { parse(e.key, child); });
  }
  return true;
}

bool ConfigSection::eachItem(std::string_view key, Need need, const ParseItem& parse) {
  const Entry* entry = find(key, need, "required section is missing");
  if (entry == nullptr) return false;
  const std::string path = pathOf(key);
  diag_->record(path, entry->key_at);
  const YAML::Node& list = entry->value;
  if (list.IsNull()) return true;
  const SourcePosition list_at = positionOf(list.Mark());
  if (!list.IsSequence()) {
    diag_->add(list_at, path, "expected a list of maps, got " + describe(list));
    return true;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      // An empty item ("-" alone) is marked where the next token starts: use the list's position.
      const SourcePosition at = item.IsNull() ? list_at : positionOf(item.Mark());
      diag_->add(at, item_path, "expected a map of keys, got " + describe(item));
      continue;
    }
    const SourcePosition at = positionOf(item.Mark());
    diag_->record(item_path, at);
    readChild(item, item_path, at, [&](ConfigSection& child) { parse(i, child); });
  }
  return true;
}

void ConfigSection::readChild(const YAML::Node& value, const std::string& path, SourcePosition at,
                              const Parse& parse) {
  if (!value.IsNull() && !value.IsMap()) {
    diag_->add(positionOf(value.Mark()), path, "expected a map of keys, got " + describe(value));
    return;
  }
  ConfigSection child(value, path, at, *diag_);
  parse(child);
  child.finish();
}

std::optional<std::chrono::milliseconds> ConfigSection::durationValue(
    std::string_view key, std::optional<Scalar>& value) {
  value = scalar(key, Need::kOptional, "a duration such as 30s or 500ms");
  if (!value) return std::nullopt;
  const auto parsed = parseDuration(value->text);
  if (!parsed) {
    valueError(*value, key, parsed.error());
    return std::nullopt;
  }
  const auto us = *parsed;
  if (us.count() % 1000 != 0) {
    valueError(*value, key,
               "must be a whole number of milliseconds (got " + formatDuration(us) + ")");
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(us);
}

void ConfigSection::duration(std::string_view key, std::chrono::milliseconds& out,
                             std::chrono::milliseconds min, std::chrono::milliseconds max) {
  std::optional<Scalar> value;
  const auto ms = durationValue(key, value);
  if (!ms) return;
  if (*ms < min || *ms > max)
    return valueError(
        *value, key,
        value->text + " is out of range " + formatDuration(min) + ".." + formatDuration(max));
  out = *ms;
}

void ConfigSection::durationOrOff(std::string_view key, std::chrono::milliseconds& out,
                                  std::chrono::milliseconds min, std::chrono::milliseconds max,
                                  std::string_view off) {
  std::optional<Scalar> value;
  const auto ms = durationValue(key, value);
  if (!ms) return;
  if (ms->count() != 0 && (*ms < min || *ms > max))
    return valueError(*value, key,
                      value->text + " is out of range " + formatDuration(min) + ".." +
                          formatDuration(max) + " (or 0s: " + std::string(off) + ")");
  out = *ms;
}

void ConfigSection::byteSize(std::string_view key, uint32_t& out, uint64_t min, uint64_t max) {
  const auto value = scalar(key, Need::kOptional, "a size such as 64KiB or 65536");
  if (!value) return;
  const auto parsed = parseByteSize(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  max = std::min<uint64_t>(max, std::numeric_limits<uint32_t>::max());
  if (*parsed < min || *parsed > max)
    return valueError(*value, key,
                      value->text + " is out of range " + std::to_string(min) + ".." +
                          std::to_string(max) + " bytes");
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::integer(std::string_view key, int& out, int min, int max) {
  const auto value = scalar(key, Need::kOptional, "a whole number");
  if (!value) return;
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error());
  out = static_cast<int>(*parsed);
}

void ConfigSection::integer(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
  const auto value = scalar(key, Need::kOptional, "a whole number");
  if (!value) return;
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error());
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::boolean(std::string_view key, bool& out) {
  const auto value = scalar(key, Need::kOptional, "true or false");
  if (!value) return;
  static const std::array<std::string_view, 5> yes{"true", "True", "TRUE", "yes", "on"};
  static const std::array<std::string_view, 5> no{"false", "False", "FALSE", "no", "off"};
  if (std::find(yes.begin(), yes.end(), value->text) != yes.end()) {
    out = true;
  } else if (std::find(no.begin(), no.end(), value->text) != no.end()) {
    out = false;
  } else {
    valueError(*value, key, "'" + value->text + "' is not true or false");
  }
}

void ConfigSection::countOrAuto(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
  const auto value = scalar(key, Need::kOptional, "auto or a whole number");
  if (!value) return;
  if (value->text == "auto") {
    out = 0;
    return;
  }
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error() + " (or auto)");
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::address(std::string_view key, std::string& out, Need need, PortUse use) {
  const auto value =
      scalar(key, need,
             "an address such as 127.0.0.1:1883 or '[::1]:1883' (quote IPv6 addresses in YAML)");
  if (!value) return;
  const auto parsed = SocketAddress::parse(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  if (use == PortUse::kConnect && parsed->port() == 0)
    return valueError(*value, key,
                      "port 0 is only valid for listening addresses; give the port to connect to");
  out = value->text;
}

void ConfigSection::text(std::string_view key, std::string& out, Need need, std::string_view what) {
  const auto value = scalar(key, need, what);
  if (!value) return;
  if (value->text.empty())
    return valueError(*value, key, "must not be empty; expected " + std::string(what));
  out = value->text;
}

void ConfigSection::topicFilter(std::string_view key, std::string& out, Need need) {
  // `filter: #` is a YAML comment, so a missing value gets the hint too.
  const auto value =
      scalar(key, need, "a topic filter such as sensors/# (quote a filter that starts with #)");
  if (!value) return;
  if (const auto reason = whyInvalidTopicFilter(value->text))
    return valueError(*value, key, *reason);
  out = value->text;
}

void ConfigSection::httpUrl(std::string_view key, std::string& out, Need need) {
  const auto value = scalar(key, need, "a URL such as http://127.0.0.1:8080/hook");
  if (!value) return;
  const auto parsed = parseHttpUrl(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  out = value->text;
}

void ConfigSection::choice(std::string_view key, std::string& out,
                           const std::vector<std::string>& choices) {
  if (const auto index = choiceIndex(key, choices)) out = choices[*index];
}

std::optional<size_t> ConfigSection::choiceIndex(std::string_view key,
                                                 const std::vector<std::string>& choices,
                                                 Need need) {
  const auto value = scalar(key, need, "one of: " + joined(choices));
  if (!value) return std::nullopt;
  const auto it = std::find(choices.begin(), choices.end(), value->text);
  if (it != choices.end()) return static_cast<size_t>(it - choices.begin());
  const auto suggestion = closestMatch(value->text, choices);
  valueError(*value, key,
             "unknown value '" + value->text + "' (" +
                 (suggestion ? "did you mean '" + *suggestion + "'?"
                             : "expected one of: " + joined(choices)) +
                 ")");
  return std::nullopt;
}

void ConfigSection::stringList(std::string_view key, std::vector<std::string>& out,
                               size_t max_bytes, std::string_view example, Duplicates duplicates) {
  if (auto values = strings(key, Need::kOptional, max_bytes, example, duplicates))
    out = std::move(*values);
}

void ConfigSection::command(std::string_view key, std::vector<std::string>& out, Need need,
                            const std::string& base_dir) {
  auto argv =
      strings(key, need, kMaxArgBytes, "[/usr/local/bin/enrich, --json]", Duplicates::kAllowed);
  if (!argv) return;
  std::string& program = argv->front();
  const std::string program_path = pathOf(key) + "[0]";
  if (program.find('/') != std::string::npos) {
    // A path is taken relative to the config file's directory (as `path` is) and kept absolute,
    // so the program found now is the one started later, whatever the working directory.
    program = resolveConfigPath(program, base_dir);
    if (const auto reason = whyNotExecutable(program))
      return diag_->addAt(program_path, "cannot run '" + program + "': " + *reason);
  } else {
    const char* search_path = std::getenv("PATH");
    if (!findInSearchPath(program, search_path != nullptr ? search_path : kDefaultSearchPath))
      return diag_->addAt(program_path, "program '" + program + "' not found in PATH");
  }
  out = std::move(*argv);
}

std::optional<std::vector<std::string>> ConfigSection::strings(std::string_view key, Need need,
                                                               size_t max_bytes,
                                                               std::string_view example,
                                                               Duplicates duplicates) {
  const Entry* entry = find(key, need, "required key is missing");
  if (entry == nullptr) return std::nullopt;
  const std::string path = pathOf(key);
  const std::string expected = "a list of strings such as " + std::string(example);
  const YAML::Node& list = entry->value;
  if (list.IsNull()) {
    diag_->add(entry->key_at, path, "missing value; expected " + expected);
    return std::nullopt;
  }
  const SourcePosition list_at = positionOf(list.Mark());
  if (!list.IsSequence()) {
    diag_->add(list_at, path, "expected " + expected + ", got " + describe(list));
    return std::nullopt;
  }
  diag_->record(path, list_at);
  if (list.size() == 0) {
    diag_->add(list_at, path, "must not be empty; expected " + expected);
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    // An empty entry ("-" alone) is marked where the next token starts: use the list's position.
    const SourcePosition at = item.IsNull() ? list_at : positionOf(item.Mark());
    diag_->record(item_path, at);
    std::string problem;
    if (!item.IsScalar()) {
      problem = "expected a string, got " + describe(item);
    } else if (item.Scalar().empty()) {
      problem = "must not be empty";
    } else if (item.Scalar().size() > max_bytes) {
      problem = "is " + std::to_string(item.Scalar().size()) + " bytes long; at most " +
                std::to_string(max_bytes) + " are allowed";
    } else if (const auto first = std::find(values.begin(), values.end(), item.Scalar());
               duplicates == Duplicates::kRejected && first != values.end()) {
      problem = "'" + item.Scalar() + "' is already listed (" + path + "[" +
                std::to_string(first - values.begin()) + "])";
    }
    // Keep indexes aligned with the list even for bad entries (they are never stored).
    values.push_back(item.IsScalar() ? item.Scalar() : std::string());
    if (problem.empty()) continue;
    ok = false;
    diag_->add(at, item_path, std::move(problem));
  }
  if (!ok) return std::nullopt;
  return values;
}

void ConfigSection::readableFile(std::string_view key, std::string& out, Need need,
                                 const std::string& base_dir, std::string_view what) {
  filePath(key, out, need, base_dir, "cannot read " + std::string(what), whyUnreadable);
}

void ConfigSection::writableFile(std::string_view key, std::string& out, Need need,
                                 const std::string& base_dir, std::string_view what) {
  filePath(key, out, need, base_dir, "cannot write " + std::string(what), whyUnwritable);
}

void ConfigSection::filePath(std::string_view key, std::string& out, Need need,
                             const std::string& base_dir, const std::string& problem,
                             std::optional<std::string> (*why_not)(const std::string&)) {
  const auto value = scalar(key, need, "a file path");
  if (!value) return;
  if (value->text.empty())
    return valueError(*value, key, "must not be empty; expected a file path");
  const std::string path = resolveConfigPath(value->text, base_dir);
  if (const auto reason = why_not(path))
    return valueError(*value, key, problem + " '" + path + "': " + *reason);
  out = path;
}

bool ConfigSection::forbid(std::string_view key, std::string message) {
  const Entry* entry = find(key, Need::kOptional, "");
  if (entry == nullptr) return false;
  diag_->record(pathOf(key), entry->key_at);
  diag_->add(entry->key_at, pathOf(key), std::move(message));
  return true;
}

void ConfigSection::error(std::string message) {
  diag_->add(at_, path_, std::move(message));
}

std::string ConfigSection::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const ConfigSection::Entry* ConfigSection::find(std::string_view key, Need need,
                                                std::string_view missing_message) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  if (need == Need::kRequired) missing_.emplace_back(key, missing_message);
  return nullptr;
}

std::optional<ConfigSection::Scalar> ConfigSection::scalar(std::string_view key, Need need,
                                                           std::string_view what) {
  const Entry* entry = find(key, need, "required key is missing");
  if (entry == nullptr) return std::nullopt;
  if (entry->value.IsNull()) {
    diag_->add(entry->key_at, pathOf(key), "missing value; expected " + std::string(what));
    return std::nullopt;
  }
  if (!entry->value.IsScalar()) {
    diag_->add(positionOf(entry->value.Mark()), pathOf(key),
               "expected " + std::string(what) + ", got " + describe(entry->value));
    return std::nullopt;
  }
  Scalar out{entry->value.Scalar(), positionOf(entry->value.Mark())};
  diag_->record(pathOf(key), out.at);
  return out;
}

void ConfigSection::valueError(const Scalar& value, std::string_view key, std::string message) {
  diag_->add(value.at, pathOf(key), std::move(message));
}

void ConfigSection::finish() {
  for (const Entry& e : entries_) {
    if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
    const auto suggestion = closestMatch(e.key, known_);
    if (suggestion) {
      // The misspelt key stands for the suggested one: do not also call that one missing.
      std::erase_if(missing_, [&](const auto& m) { return m.first == *suggestion; });
      diag_->add(e.key_at, pathOf(e.key), "unknown key (did you mean '" + *suggestion + "'?)");
    } else {
      diag_->add(e.key_at, pathOf(e.key), "unknown key (valid keys here: " + joined(known_) + ")");
    }
  }
  for (const auto& [key, message] : missing_) diag_->add(at_, pathOf(key), message);
}

}  // namespace mqttd::config
