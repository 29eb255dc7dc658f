// ConfigSection: one YAML map of the config file being read. It parses typed values into
// Config fields, reports every problem (wrong type, bad value, missing required key) with the
// key's path and position, and, when its parse function returns, every key nobody asked for.
// Every value it reads has its position recorded in ConfigDiagnostics under its key path
// ("handlers.audit.url", "routes[2].filter") for the cross-field checks.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_diagnostics.h"

namespace mqttd::config {

enum class Need {
  kOptional,  // absent: the member initialiser's default stays
  kRequired,  // absent: "required key is missing"
};

enum class Duplicates {
  kRejected,  // a value listed twice is an error: "'mqtt' is already listed"
  kAllowed,   // values may repeat, as arguments may: [grep, -e, a, -e, b]
};

enum class PortUse {
  kListen,   // port 0 is allowed: the kernel picks a free port
  kConnect,  // port 0 is an error
};

class ConfigSection {
 public:
  using Parse = std::function<void(ConfigSection&)>;
  using ParseEntry = std::function<void(const std::string& name, ConfigSection&)>;
  using ParseItem = std::function<void(size_t index, ConfigSection&)>;

  // Reads the document root (a map, or nothing for an empty file) with `parse`.
  static void readRoot(const YAML::Node& root, ConfigDiagnostics& diag, const Parse& parse);

  // Child map `key`, read with `parse`; a key with no value counts as an empty map. Returns
  // whether the key is present (even when its value had the wrong type).
  bool section(std::string_view key, Need need, const Parse& parse);
  // Map `key` from user-chosen names to maps (`handlers: {audit: {type: file}}`): each name's
  // map, in file order, is read with `parse` as the child section "key.name", which reports its
  // own unknown and missing keys. A key with no value counts as an empty map, and so does a name
  // with no value. Names must be plain and distinct; a name whose value is not a map is an
  // error and is not parsed. Returns whether the key is present.
  bool eachEntry(std::string_view key, Need need, const ParseEntry& parse);
  // List `key` of maps (`routes: [{filter: a/#}]`): each item is read with `parse` as the child
  // section "key[index]" (0-based), positioned at the item. A key with no value counts as an
  // empty list. An item that is not a map is an error and is not parsed. Returns whether the key
  // is present.
  bool eachItem(std::string_view key, Need need, const ParseItem& parse);

  // Scalars: on any error `out` keeps its value and an error is recorded.
  void duration(std::string_view key, std::chrono::milliseconds& out, std::chrono::milliseconds min,
                std::chrono::milliseconds max);
  // As duration(), but `0s` is valid too: it turns the feature off (`off`, e.g. "only on
  // SIGHUP", says how in the range error: "500ms is out of range 1s..24h (or 0s: only on SIGHUP)").
  void durationOrOff(std::string_view key, std::chrono::milliseconds& out,
                     std::chrono::milliseconds min, std::chrono::milliseconds max,
                     std::string_view off);
  void byteSize(std::string_view key, uint32_t& out, uint64_t min, uint64_t max);
  void integer(std::string_view key, int& out, int min, int max);
  void integer(std::string_view key, uint32_t& out, uint32_t min, uint32_t max);
  void address(std::string_view key, std::string& out, Need need, PortUse use);
  // YAML's true/false (also yes/no, on/off as YAML 1.1 spells them).
  void boolean(std::string_view key, bool& out);
  // `auto` (out = 0) or a whole number min..max (min >= 1), e.g. `workers: auto`.
  void countOrAuto(std::string_view key, uint32_t& out, uint32_t min, uint32_t max);
  // One of `choices`, exactly as written.
  void choice(std::string_view key, std::string& out, const std::vector<std::string>& choices);
  // One of `values`, written as its toString() (found by ADL, e.g. config/config_enums.h);
  // errors as for choice(): "unknown value 'cubix' (did you mean 'cubic'?)".
  // Returns whether `out` was set.
  template <typename E, size_t N>
  bool enumeration(std::string_view key, E& out, const std::array<E, N>& values,
                   Need need = Need::kOptional) {
    std::vector<std::string> names;
    for (const E value : values) names.emplace_back(toString(value));
    const auto index = choiceIndex(key, names, need);
    if (index) out = values[*index];
    return index.has_value();
  }
  // A non-empty string; `what` describes it in type errors: "a handler name".
  void text(std::string_view key, std::string& out, Need need, std::string_view what);
  // An MQTT topic filter such as sensors/# (mqtt::isValidTopicFilter); errors say what is wrong.
  void topicFilter(std::string_view key, std::string& out, Need need);
  // "http://host[:port][/path]" (config/http_url.h), stored as written; host names are not
  // resolved here.
  void httpUrl(std::string_view key, std::string& out, Need need);
  // A YAML list of 1 or more non-empty strings of at most `max_bytes` bytes each, distinct unless
  // `duplicates` allows repeats, e.g. `[mqtt]`; `example` shows one in type errors. Entry errors
  // name the entry by its 0-based index: "listeners.quic.alpn[1]". On any error `out` keeps its
  // value.
  void stringList(std::string_view key, std::vector<std::string>& out, size_t max_bytes,
                  std::string_view example, Duplicates duplicates = Duplicates::kRejected);
  // A program and its arguments as exec(3) takes them, e.g. [/usr/local/bin/enrich, --json]: a
  // list of non-empty strings, repeats allowed. The program (entry 0) must be runnable now: a
  // path with a '/' (relative ones from `base_dir`, the config file's directory; `out` gets it
  // absolute) to an executable regular file, or a name found in PATH.
  void command(std::string_view key, std::vector<std::string>& out, Need need,
               const std::string& base_dir);
  // A file the gateway reads at start (`what`: "certificate file"): a non-empty path, a relative
  // one taken relative to `base_dir` (the config file's directory; empty: the working
  // directory). It must be a readable regular file now; `out` gets the absolute path.
  void readableFile(std::string_view key, std::string& out, Need need, const std::string& base_dir,
                    std::string_view what);
  // A file the gateway appends to (`what`: "output file"), resolved as for readableFile(). It
  // may be missing, but then its directory must exist and be writable; an existing one must be
  // a writable regular file.
  void writableFile(std::string_view key, std::string& out, Need need, const std::string& base_dir,
                    std::string_view what);
  // Marks `key` as valid here but not in this case (`url` in a file handler): when it is
  // present, an error at the key, "<path>: <message>". Returns whether it is present.
  bool forbid(std::string_view key, std::string message);

  // An error about the section as a whole, at its key ("at least one listener ...").
  void error(std::string message);
  // "listeners.tcp" + "address" -> "listeners.tcp.address".
  std::string pathOf(std::string_view key) const;

 private:
  struct Entry {
    std::string key;        // the key's text
    SourcePosition key_at;  // where the key is written
    YAML::Node value;       // its value
  };
  struct Scalar {
    std::string text;
    SourcePosition at;
  };

  ConfigSection(const YAML::Node& map, std::string path, SourcePosition at,
                ConfigDiagnostics& diag);

  // readableFile() / writableFile(): `problem` ("cannot read certificate file") and `why_not`
  // (whyUnreadable / whyUnwritable) make the difference.
  void filePath(std::string_view key, std::string& out, Need need, const std::string& base_dir,
                const std::string& problem,
                std::optional<std::string> (*why_not)(const std::string&));
  // Marks `key` as valid here and returns its entry, or nullptr (noting a missing required key).
  const Entry* find(std::string_view key, Need need, std::string_view missing_message);
  // The scalar value of `key`, or nothing (absent, or an error was recorded). `what` describes
  // the expected value for type errors: "a duration such as 30s".
  std::optional<Scalar> scalar(std::string_view key, Need need, std::string_view what);
  // The index in `choices` of the value of `key`, or nothing (absent, or an error was recorded).
  std::optional<size_t> choiceIndex(std::string_view key, const std::vector<std::string>& choices,
                                    Need need = Need::kOptional);
  // The list of strings `key` (see stringList()), each entry's position recorded; nothing when
  // absent or on any error.
  std::optional<std::vector<std::string>> strings(std::string_view key, Need need, size_t max_bytes,
                                                  std::string_view example, Duplicates duplicates);
  // Reads the map `value` of the entry at `path` with `parse` (a child at `at`), or reports
  // that it is not a map. For section(), eachEntry() and eachItem().
  void readChild(const YAML::Node& value, const std::string& path, SourcePosition at,
                 const Parse& parse);
  void valueError(const Scalar& value, std::string_view key, std::string message);
  // The duration `key` as a whole number of milliseconds, not range-checked; nothing when absent
  // or on an error (recorded). `value` gets the scalar for range errors.
  std::optional<std::chrono::milliseconds> durationValue(std::string_view key,
                                                         std::optional<Scalar>& value);
  // Reports unknown keys (with a suggestion) and missing required keys.
  void finish();

  std::string path_;                // dotted path of this map; empty for the root
  SourcePosition at_;               // where this map's key is written (1:1 for the root)
  ConfigDiagnostics* diag_;         // borrowed for the duration of the load
  std::vector<Entry> entries_;      // the map's keys in file order, first of duplicates only
  std::vector<std::string> known_;  // keys the parse function asked for
  std::vector<std::pair<std::string, std::string>> missing_;  // required key -> message
};

}  // namespace mqttd::config
