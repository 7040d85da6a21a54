#include "tools/desktop/text.h"

#include "absl/status/status.h"
#include "tools/hotline/local_time.h"

namespace hotline::desktop {

QString LocalTime(const google::protobuf::Timestamp& t) { return Q(cli::FormatLocalTime(t)); }

QString CallError(const QString& what, const grpc::Status& status) {
  QString text = what + " 失败: " +
                 Q(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))) + ": " +
                 Q(status.error_message());
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) text += "（网关不可达）";
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) text += "（检查 HOTLINE_TOKEN）";
  return text;
}

}  // namespace hotline::desktop
