#include "mosquitto_broker.h"

#include <signal.h>

#include <fstream>

#include "test_net.h"

namespace mqttd::test {

MosquittoBroker::MosquittoBroker(const std::string& dir, uint16_t port)
    : port_(port != 0 ? port : freeTcpPort()) {
  const std::string conf = dir + "/mosquitto-" + std::to_string(port_) + ".conf";
  {
    std::ofstream out(conf);
    out << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        << "persistence false\n"
        << "log_dest stderr\n"
        << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  }
  const char* binary = std::getenv("MOSQUITTO");
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary != nullptr ? binary : "/usr/sbin/mosquitto", "-c", conf},
      dir + "/mosquitto.log", dir + "/mosquitto.out");
  started_ = waitForTcp(port_, std::chrono::seconds(10));
}

MosquittoBroker::~MosquittoBroker() {
  if (process_) {
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(5))) kill();
  }
}

void MosquittoBroker::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  (void)process_->wait(std::chrono::seconds(5));
  process_.reset();
}

}  // namespace mqttd::test
