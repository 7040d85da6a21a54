#pragma once
// Small conversions between what the API carries and what the window shows.
#include <grpcpp/support/status.h>

#include <QString>
#include <string>

#include "google/protobuf/timestamp.pb.h"

namespace hotline::desktop {

inline QString Q(const std::string& s) { return QString::fromStdString(s); }

// "2026-11-28 14:03:05" in the city's time zone; "" when unset.
QString LocalTime(const google::protobuf::Timestamp& t);

// "提交失败: UNAVAILABLE: ..." with a hint for an unreachable gateway.
QString CallError(const QString& what, const grpc::Status& status);

}  // namespace hotline::desktop
