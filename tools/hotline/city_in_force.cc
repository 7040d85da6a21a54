#include "tools/hotline/city_in_force.h"

#include "absl/strings/str_cat.h"
#include "clock/city.h"
#include "tools/hotline/rpc_call.h"
#include "tools/hotline/table.h"

namespace hotline::cli {

absl::Status AdoptCityInForce(const CommandLine& cl, HotlineStub& stub) {
  v1::GetCityResponse response;
  const grpc::Status status = CallGateway(cl, stub, &HotlineStub::GetCity, v1::GetCityRequest(), &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(response.city().time_zone(), &zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("time zone \"", response.city().time_zone(), "\" is not known here (install tzdata)"));
  }
  SetCity({.time_zone = zone,
           .order_prefix = response.city().order_prefix(),
           .centre_unit_code = response.city().centre_unit_code()});
  return absl::OkStatus();
}

ExitCode RunCity(const CommandLine& cl, HotlineStub& stub, Output io) {
  std::optional<v1::GetCityResponse> response = Call(cl, stub, &HotlineStub::GetCity, v1::GetCityRequest(), io);
  if (!response) return ExitCode::kRpcFailed;
  if (cl.global.json) return PrintMessageJson(*response, io);
  const v1::CityProfile& city = response->city();
  io.out << RenderFields({
      {"城市 (city)", absl::StrCat(city.name(), " (", city.name_en(), ")")},
      {"工单前缀 (order prefix)", city.order_prefix()},
      {"中心 (centre)", city.centre_unit_code()},
      {"时区 (time zone)", city.time_zone()},
      {"版本 (version)", response->version() == 0 ? "0 (data/ seed)" : absl::StrCat(response->version())},
  });
  return ExitCode::kOk;
}

}  // namespace hotline::cli
