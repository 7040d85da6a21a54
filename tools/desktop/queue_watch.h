#pragma once
// The unit's queue, live: one WatchQueue stream read on a thread of its own.
// Each message comes to the UI thread as a queued signal. When the stream
// breaks (the gateway restarted), it reconnects from the last position seen:
// no change is lost and no snapshot is read again. Never polls.
#include <grpcpp/client_context.h>

#include <QByteArray>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "tools/desktop/gateway.h"

namespace hotline::desktop {

class QueueWatch : public QObject {
  Q_OBJECT
 public:
  QueueWatch(Gateway& gateway, std::string unit_code, QObject* parent = nullptr);
  ~QueueWatch() override;  // cancels the stream and joins the thread

 signals:
  // A serialized v1::WatchQueueResponse.
  void message(QByteArray response);
  // The stream ended with this status; `retrying`: it reconnects.
  void broken(int code, QString text, bool retrying);

 private:
  void Run();

  Gateway& gateway_;
  const std::string unit_code_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  grpc::ClientContext* live_ = nullptr;  // the open stream's context, to cancel it
  std::thread thread_;
};

}  // namespace hotline::desktop
