#include "tools/hotline/health_probe.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace hotline::cli {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Reads a varint at `pos`; false when it runs past the end or is too long.
bool ReadVarint(absl::string_view bytes, size_t& pos, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= bytes.size()) return false;
    const auto byte = static_cast<unsigned char>(bytes[pos++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

absl::Status Malformed() {
  return absl::InvalidArgumentError("malformed grpc.health.v1.HealthCheckResponse");
}

}  // namespace

absl::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kUnknown:
      return "UNKNOWN";
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
  }
  return "UNKNOWN";
}

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string out;
  if (service.empty()) return out;                 // proto3 leaves a default field out
  out.push_back(static_cast<char>((1 << 3) | 2));  // field 1, length-delimited
  AppendVarint(service.size(), out);
  out.append(service.data(), service.size());
  return out;
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes) {
  ServingStatus status = ServingStatus::kUnknown;
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t key = 0;
    if (!ReadVarint(bytes, pos, key)) return Malformed();
    const uint64_t field = key >> 3;
    const int wire_type = static_cast<int>(key & 7);
    uint64_t value = 0;
    switch (wire_type) {
      case 0:  // varint
        if (!ReadVarint(bytes, pos, value)) return Malformed();
        if (field == 1) status = static_cast<ServingStatus>(static_cast<int>(value));
        break;
      case 1:  // 64-bit
        if (bytes.size() - pos < 8) return Malformed();
        pos += 8;
        break;
      case 2:  // length-delimited
        if (!ReadVarint(bytes, pos, value) || value > bytes.size() - pos) return Malformed();
        pos += value;
        break;
      case 5:  // 32-bit
        if (bytes.size() - pos < 4) return Malformed();
        pos += 4;
        break;
      default:
        return Malformed();
    }
    if (field == 0) return Malformed();
  }
  return status;
}

absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          absl::string_view service, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       absl::ToChronoNanoseconds(timeout)));

  const std::string request_bytes = EncodeHealthCheckRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);

  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&ctx, kCheckMethod, request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, /*tag=*/&status);
  void* tag = nullptr;
  bool ok = false;
  // The deadline bounds the wait: Finish always completes by then.
  if (!cq.Next(&tag, &ok) || tag != &status) {
    return absl::InternalError("health check call did not complete");
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }

  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  grpc::Slice flat;
  if (!response.DumpToSingleSlice(&flat).ok()) return Malformed();
  return DecodeHealthCheckResponse(
      absl::string_view(reinterpret_cast<const char*>(flat.begin()), flat.size()));
}

}  // namespace hotline::cli
