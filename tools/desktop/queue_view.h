#pragma once
// A unit handler's queue, live (WatchQueue through QueueWatch): the orders to
// sign, in progress and sent back, coloured by their deadline (green, yellow
// after a warning, red once breached), and the handler's actions on the
// selected one: sign, return, hand down, reply, extend. The requests are
// built by the CLI's own builders (tools/hotline), so the desk and `hotline
// act` follow the same rules.
#include <QWidget>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hotline/v1/gateway.pb.h"
#include "tools/desktop/gateway.h"

class QLabel;
class QLineEdit;
class QTableWidget;

namespace hotline::cli {
struct CommandLine;
}

namespace hotline::desktop {

class QueueWatch;

class QueueView : public QWidget {
  Q_OBJECT
 public:
  QueueView(Gateway& gateway, QWidget* parent = nullptr);
  ~QueueView() override;

  // Starts watching `unit_code` (replacing any watch).
  void Watch(const QString& unit_code);
  bool snapshot_done() const { return snapshot_done_; }
  bool Has(const QString& order_id) const { return rows_.count(order_id.toStdString()) > 0; }
  v1::SlaColour ColourOf(const QString& order_id) const;
  v1::OrderState StateOf(const QString& order_id) const;
  int size() const { return static_cast<int>(rows_.size()); }
  QString selected() const;
  void Select(const QString& order_id);

 public slots:
  void Sign();
  void Return();
  void HandDown();
  void Reply();
  void Extend();

 signals:
  void changed();
  void openOrder(QString id);
  void acted(bool ok);

 private:
  struct Row {
    v1::WorkOrder order;
    v1::OrderState state = v1::ORDER_STATE_UNSPECIFIED;
    v1::SlaColour colour = v1::SLA_COLOUR_UNSPECIFIED;
  };
  void Apply(const v1::WatchQueueResponse& m);
  void Render();
  // Runs `hotline act ORDER ACTION extra...` as the CLI would build it.
  void Act(const std::vector<std::string>& args);
  void Extend(const std::string& due, const std::string& reason);
  // The request the CLI builds from `line` (e.g. act ID sign); nullopt, with
  // the builder's message shown, when it refuses.
  template <typename Request>
  std::optional<Request> Built(const std::vector<std::string>& line,
                               absl::StatusOr<Request> (*build)(const cli::CommandLine&));

  Gateway& gateway_;
  std::unique_ptr<QueueWatch> watch_;
  std::string unit_;
  std::map<std::string, Row> rows_;
  std::set<std::string> snapshot_ids_;  // named by the snapshot being read
  bool snapshot_done_ = false;
  QLineEdit* unit_edit_;
  QTableWidget* table_;
  QLabel* status_;
};

}  // namespace hotline::desktop
