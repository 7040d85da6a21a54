#include "tools/desktop/queue_watch.h"

#include <chrono>

namespace hotline::desktop {

QueueWatch::QueueWatch(Gateway& gateway, std::string unit_code, QObject* parent)
    : QObject(parent), gateway_(gateway), unit_code_(std::move(unit_code)) {
  thread_ = std::thread([this] { Run(); });
}

QueueWatch::~QueueWatch() {
  stop_ = true;
  {
    std::lock_guard lock(mu_);
    if (live_ != nullptr) live_->TryCancel();
  }
  thread_.join();
}

void QueueWatch::Run() {
  std::string position;  // of the last message read: resume after it
  while (!stop_) {
    // A stream has no deadline; a long hour-long watch is the point.
    auto ctx = gateway_.Context(std::chrono::hours(24 * 365));
    ctx->set_wait_for_ready(true);
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
      live_ = ctx.get();
    }
    v1::WatchQueueRequest request;
    request.set_unit_code(unit_code_);
    request.set_from_position(position);
    std::unique_ptr<grpc::ClientReader<v1::WatchQueueResponse>> reader =
        gateway_.stub().WatchQueue(ctx.get(), request);
    v1::WatchQueueResponse response;
    while (reader->Read(&response)) {
      // Resume from the snapshot's position only once it is complete: a
      // stream broken in the middle of one starts a fresh snapshot.
      if (response.change() != v1::QUEUE_CHANGE_SNAPSHOT && !response.position().empty()) {
        position = response.position();
      }
      const std::string bytes = response.SerializeAsString();
      emit message(QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())));
    }
    const grpc::Status status = reader->Finish();
    {
      std::lock_guard lock(mu_);
      live_ = nullptr;
    }
    if (stop_) break;
    // Refusals (scope, bad input) do not pass by retrying; a server going
    // away does.
    const bool retrying = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                          status.error_code() == grpc::StatusCode::OK ||
                          status.error_code() == grpc::StatusCode::UNKNOWN ||
                          status.error_code() == grpc::StatusCode::INTERNAL;
    emit broken(status.error_code(), QString::fromStdString(status.error_message()), retrying);
    if (!retrying) break;
    for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace hotline::desktop
