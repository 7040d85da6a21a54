// hotline-sla: the SLA monitor. Keeps every open order's deadlines on the
// working-day calendar, fires warnings, breaches and escalations exactly
// once, handles extensions and answers who made an order late. Several
// replicas may run; they share the "sla" consumer group and the due set.
// The working-day calendar comes from Redis (seeded from data/calendar) and
// follows `hotline-admin calendar load` while it runs (calendar/live_calendar.h).
#include "absl/time/time.h"
#include "clock/city.h"
#include "log/log.h"
#include "refdata/directory_source.h"
#include "server/service_runner.h"
#include "sla/archive_reader.h"
#include "sla/calendar_metrics.h"
#include "sla/loops.h"
#include "sla/redis_deadline_store.h"
#include "sla/reference_data.h"
#include "sla/sla_service.h"
#include "sla/start_calendar.h"

int main(int argc, char** argv) {
  using namespace hotline;
  server::ServiceRunner runner(
      {.server = {.service_name = "sla", .grpc_port = 50054, .metrics_port = 9104},
       .summary = "keeps work orders' deadlines, warns and escalates",
       .data_dir_help = "folder with sla_policies.textproto, calendar/YYYY.textproto and the unit directory",
       .city_clock = true,
       .consumer_group = "sla"});
  absl::Duration pass_interval = absl::Milliseconds(100);
  int pass_batch = 200;
  sla::CalendarFlags calendar_flags;
  sla::ArchiveFlags archive_flags;
  config::Flags& flags = runner.flags();
  flags.Duration("pass_interval", "HOTLINE_SLA_PASS_INTERVAL", "how often to look for due deadlines", &pass_interval);
  flags.Int("pass_batch", "HOTLINE_SLA_PASS_BATCH", "most orders one due pass settles", &pass_batch);
  sla::AddCalendarFlags(flags, &calendar_flags);
  sla::AddArchiveFlags(flags, &archive_flags);
  return runner.Run(argc, argv, [&](server::ServiceRunner& s) -> absl::Status {
    // The unit tree (unit scoping of reads and extensions) and the SLA policies.
    absl::StatusOr<refdata::Live<sla::SlaReferenceData>*> reference =
        s.Reference(sla::MakeLiveSlaReferenceData, "cannot load the directory and the SLA policies");
    if (!reference.ok()) return reference.status();
    auto& dir = s.Make<refdata::PartSource<directory::Directory, sla::SlaReferenceData>>(
        **reference, &sla::SlaReferenceData::directory);
    auto& policies = s.Make<refdata::PartSource<sla::Policies, sla::SlaReferenceData>>(
        **reference, &sla::SlaReferenceData::policies);
    sla::SlaKeys keys;
    auto& store = s.Make<sla::RedisDeadlineStore>(s.redis(), keys);
    auto& calendar_store = s.Make<calendar::CalendarStore>(s.redis());
    absl::StatusOr<std::unique_ptr<calendar::LiveCalendar>> live_calendar =
        sla::StartCalendar(calendar_store, s.data_dir() + "/calendar", s.clock(), calendar_flags.options,
                          calendar_flags.wait);
    if (!live_calendar.ok()) return server::Fail(1, "cannot load the working-day calendar", live_calendar.status());
    auto& calendar = s.Make<std::unique_ptr<calendar::LiveCalendar>>(*std::move(live_calendar));
    auto& monitor = s.Make<sla::Monitor>(store, policies, *calendar, s.clock(), dir);
    // Fire lag is measured in city time and reported in wall time.
    const auto* scaled = dynamic_cast<const ScaledClock*>(&s.clock());
    auto& metrics = s.Make<sla::SlaMetrics>(s.metrics(), scaled ? scaled->rate() : 1.0);
    auto& calendar_metrics = s.Make<sla::CalendarMetrics>(s.metrics(), *calendar, s.clock());
    monitor.OnFire([&metrics](const sla::Mark& mark, absl::Duration lag) { metrics.Fired(mark, lag); });
    sla::ReadArchivedOrders(s, archive_flags, monitor);
    s.Serve(s.Make<sla::SlaService>(monitor, s.metrics()), "hotline.v1.Sla");
    sla::FollowCalendar(*calendar, monitor);
    calendar->Start();  // loads are followed before the first request is served
    calendar_metrics.Start();
    s.Background(nullptr, [&calendar, &calendar_metrics] {
      calendar_metrics.Stop();
      calendar->Stop();
    });
    s.ConsumeEvents(keys.orders().Events(), keys.orders().Events() + ":dead", sla::EventHandler(monitor));
    s.Background(s.Make<sla::DueLoop>(monitor, store, metrics, pass_interval, pass_batch,
                                           scaled ? scaled->rate() : 1.0));
    log::Info("sla monitor running",
              {{"consumer", s.events().consumer},
               {"city_time", absl::FormatTime(absl::RFC3339_sec, s.clock().Now(), CityTimeZone())}});
    return absl::OkStatus();
  });
}
