#pragma once
// The desktop's one connection to the gateway. Every call runs on a worker
// thread (never on the UI thread) and its answer comes back to the UI thread
// as a queued signal of a Reply object, so a slow or dead gateway never
// freezes the window. The stub is thread-safe; the token rides on each call.
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <QObject>
#include <QThreadPool>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

#include "hotline/v1/gateway.grpc.pb.h"

namespace hotline::desktop {

// How a finished call is handed back: the status and the serialized answer
// (a QByteArray travels through a queued connection with no registration).
class Reply : public QObject {
  Q_OBJECT
 signals:
  void finished(int code, QString message, QByteArray answer);
};

struct GatewayOptions {
  std::string address;     // host:port
  std::string token;       // the bearer token (HOTLINE_TOKEN)
  std::string tls_ca;      // the CA certificate file (PEM) to trust; empty: plaintext
  bool tls_system = false; // TLS with the system's CAs
};

class Gateway {
 public:
  template <typename Request, typename Response>
  using Method = grpc::Status (v1::Hotline::Stub::*)(grpc::ClientContext*, const Request&, Response*);

  // The channel is created lazily by gRPC: construction never blocks.
  static absl::StatusOr<std::unique_ptr<Gateway>> Open(const GatewayOptions& options);

  // A context with the token and a deadline.
  std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds timeout) const;

  // Runs `method` off the UI thread; `done(status, response)` runs later on
  // the thread of `receiver` (the UI), through Reply::finished, queued. If
  // `receiver` is gone by then, nothing runs.
  template <typename Request, typename Response>
  void Call(Method<Request, Response> method, Request request, QObject* receiver,
            std::function<void(const grpc::Status&, const Response&)> done,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto* reply = new Reply;
    QObject::connect(reply, &Reply::finished, receiver,
                     [done](int code, const QString& message, const QByteArray& answer) {
                       Response response;
                       response.ParseFromArray(answer.constData(), static_cast<int>(answer.size()));
                       done(grpc::Status(static_cast<grpc::StatusCode>(code), message.toStdString()),
                            response);
                     },
                     Qt::QueuedConnection);
    // The Reply frees itself once delivered, whether or not `receiver` is
    // still there to hear it.
    QObject::connect(reply, &Reply::finished, reply, &QObject::deleteLater, Qt::QueuedConnection);
    pool_.start([this, method, request = std::move(request), reply, timeout] {
      Response response;
      grpc::Status status = Invoke(method, request, &response, timeout);
      const std::string bytes = status.ok() ? response.SerializeAsString() : std::string();
      emit reply->finished(status.error_code(), QString::fromStdString(status.error_message()),
                           QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size())));
    });
  }

  // The blocking call itself (worker threads only). Writes that carry an
  // idempotency key wait for the gateway to come back (wait_for_ready) and
  // are retried with the same key while it is unreachable, until `timeout`:
  // a gateway restarted mid-call still files one order.
  template <typename Request, typename Response>
  grpc::Status Invoke(Method<Request, Response> method, const Request& request, Response* response,
                      std::chrono::milliseconds timeout) {
    constexpr bool kKeyed = requires { request.idempotency_key(); };
    const auto give_up = std::chrono::system_clock::now() + timeout;
    while (true) {
      auto ctx = Context(timeout);
      ctx->set_deadline(give_up);
      if constexpr (kKeyed) ctx->set_wait_for_ready(true);
      grpc::Status status = (stub_.get()->*method)(ctx.get(), request, response);
      const bool retry = kKeyed && (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                                    status.error_code() == grpc::StatusCode::UNKNOWN);
      if (!retry || std::chrono::system_clock::now() + kRetryPause >= give_up) return status;
      std::this_thread::sleep_for(kRetryPause);
    }
  }

  v1::Hotline::Stub& stub() { return *stub_; }
  const GatewayOptions& options() const { return options_; }
  ~Gateway() { pool_.waitForDone(); }

 private:
  static constexpr std::chrono::milliseconds kRetryPause{200};
  Gateway(GatewayOptions options, std::shared_ptr<grpc::Channel> channel);

  GatewayOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Hotline::Stub> stub_;
  QThreadPool pool_;
};

}  // namespace hotline::desktop
