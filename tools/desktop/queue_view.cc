#include "tools/desktop/queue_view.h"

#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QShortcut>
#include <QTableWidget>
#include <QVBoxLayout>

#include "enums/chinese_names.h"
#include "tools/desktop/queue_watch.h"
#include "tools/desktop/text.h"
#include "tools/hotline/cli_args.h"
#include "tools/hotline/commands.h"
#include "tools/hotline/sla_commands.h"

namespace hotline::desktop {
namespace {

QColor ColourFor(v1::SlaColour c) {
  switch (c) {
    case v1::SLA_COLOUR_GREEN: return QColor("#d8f0d8");
    case v1::SLA_COLOUR_YELLOW: return QColor("#fff1a8");
    case v1::SLA_COLOUR_RED: return QColor("#f6b8b8");
    default: return QColor(Qt::white);
  }
}

const char* ColourText(v1::SlaColour c) {
  switch (c) {
    case v1::SLA_COLOUR_GREEN: return "正常";
    case v1::SLA_COLOUR_YELLOW: return "预警";
    case v1::SLA_COLOUR_RED: return "超时";
    default: return "-";
  }
}

}  // namespace

QueueView::QueueView(Gateway& gateway, QWidget* parent) : QWidget(parent), gateway_(gateway) {
  unit_edit_ = new QLineEdit;
  unit_edit_->setPlaceholderText("单位代码，回车开始实时队列 (Ctrl+U)");
  table_ = new QTableWidget(0, 8);
  table_->setObjectName("queue");
  table_->setHorizontalHeaderLabels({"工单号", "状态", "类型", "分类", "签收时限", "办结时限", "时限", "内容"});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  status_ = new QLabel("签收 Ctrl+S　退回 Ctrl+T　下派 Ctrl+D　办结 Ctrl+P　延期 Ctrl+E");
  status_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(unit_edit_);
  layout->addWidget(table_, 1);
  layout->addWidget(status_);
  connect(table_, &QTableWidget::itemActivated, this,
          [this](QTableWidgetItem* item) { emit openOrder(table_->item(item->row(), 0)->text()); });
  connect(unit_edit_, &QLineEdit::returnPressed, this, [this] { Watch(unit_edit_->text().trimmed()); });

  auto key = [this](QKeySequence keys, auto slot) {
    auto* s = new QShortcut(keys, this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, slot);
  };
  key(QKeySequence(Qt::CTRL | Qt::Key_U), [this] { unit_edit_->setFocus(); });
  key(QKeySequence(Qt::CTRL | Qt::Key_S), &QueueView::Sign);
  key(QKeySequence(Qt::CTRL | Qt::Key_T), &QueueView::Return);
  key(QKeySequence(Qt::CTRL | Qt::Key_D), &QueueView::HandDown);
  key(QKeySequence(Qt::CTRL | Qt::Key_P), &QueueView::Reply);
  key(QKeySequence(Qt::CTRL | Qt::Key_E), qOverload<>(&QueueView::Extend));
}

QueueView::~QueueView() = default;

void QueueView::Watch(const QString& unit_code) {
  if (unit_code.isEmpty()) return;
  watch_.reset();
  unit_ = unit_code.toStdString();
  unit_edit_->setText(unit_code);
  rows_.clear();
  snapshot_ids_.clear();
  snapshot_done_ = false;
  Render();
  watch_ = std::make_unique<QueueWatch>(gateway_, unit_);
  connect(watch_.get(), &QueueWatch::message, this, [this](const QByteArray& bytes) {
    v1::WatchQueueResponse m;
    m.ParseFromArray(bytes.constData(), static_cast<int>(bytes.size()));
    Apply(m);
  }, Qt::QueuedConnection);
  connect(watch_.get(), &QueueWatch::broken, this, [this](int code, const QString& text, bool retrying) {
    status_->setText(CallError("实时队列", grpc::Status(static_cast<grpc::StatusCode>(code), text.toStdString())) +
                     (retrying ? "　重新连接中（从最后位置续传）…" : ""));
  }, Qt::QueuedConnection);
}

void QueueView::Apply(const v1::WatchQueueResponse& m) {
  switch (m.change()) {
    case v1::QUEUE_CHANGE_SNAPSHOT_END:
      // A snapshot (the first, or a fresh one after a reset or a break in the
      // middle of one) is the whole queue: what it did not name is gone.
      for (auto it = rows_.begin(); it != rows_.end();) {
        it = snapshot_ids_.count(it->first) ? std::next(it) : rows_.erase(it);
      }
      snapshot_ids_.clear();
      snapshot_done_ = true;
      break;
    case v1::QUEUE_CHANGE_LEFT:
      rows_.erase(m.order_id());
      break;
    case v1::QUEUE_CHANGE_SNAPSHOT:
      snapshot_ids_.insert(m.order_id());
      [[fallthrough]];
    case v1::QUEUE_CHANGE_ENTERED:
    case v1::QUEUE_CHANGE_UPDATED:
    case v1::QUEUE_CHANGE_SLA: {
      Row& row = rows_[m.order_id()];
      if (m.has_order()) row.order = m.order();
      row.order.set_id(m.order_id());
      row.state = m.state() != v1::ORDER_STATE_UNSPECIFIED ? m.state() : row.order.state();
      if (m.sla_colour() != v1::SLA_COLOUR_UNSPECIFIED || m.change() != v1::QUEUE_CHANGE_SLA) {
        row.colour = m.sla_colour();
      }
      break;
    }
    default:
      return;
  }
  Render();
  emit changed();
}

void QueueView::Render() {
  const QString keep = selected();
  table_->setRowCount(static_cast<int>(rows_.size()));
  int r = 0;
  for (const auto& [id, row] : rows_) {
    const v1::WorkOrder& o = row.order;
    const QStringList cells = {Q(id),
                               Q(enums::ChineseName(row.state)),
                               Q(enums::ChineseName(o.type())),
                               Q(o.category_code()),
                               LocalTime(o.deadlines().sign_off_due()),
                               LocalTime(o.deadlines().closing_due()),
                               QString::fromUtf8(ColourText(row.colour)),
                               Q(o.content()).left(80)};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setBackground(ColourFor(row.colour));
      table_->setItem(r, c, item);
    }
    ++r;
  }
  table_->resizeColumnsToContents();
  if (!keep.isEmpty()) Select(keep);
  if (table_->currentRow() < 0 && table_->rowCount() > 0) table_->selectRow(0);
}

v1::SlaColour QueueView::ColourOf(const QString& order_id) const {
  auto it = rows_.find(order_id.toStdString());
  return it == rows_.end() ? v1::SLA_COLOUR_UNSPECIFIED : it->second.colour;
}

v1::OrderState QueueView::StateOf(const QString& order_id) const {
  auto it = rows_.find(order_id.toStdString());
  return it == rows_.end() ? v1::ORDER_STATE_UNSPECIFIED : it->second.state;
}

QString QueueView::selected() const {
  const int row = table_->currentRow();
  if (row < 0 || table_->item(row, 0) == nullptr) return QString();
  return table_->item(row, 0)->text();
}

void QueueView::Select(const QString& order_id) {
  for (int r = 0; r < table_->rowCount(); ++r) {
    if (table_->item(r, 0) != nullptr && table_->item(r, 0)->text() == order_id) table_->selectRow(r);
  }
}

template <typename Request>
std::optional<Request> QueueView::Built(const std::vector<std::string>& line,
                                        absl::StatusOr<Request> (*build)(const cli::CommandLine&)) {
  absl::StatusOr<cli::CommandLine> cl = cli::ParseCommandLine(line, [](const std::string&) { return std::nullopt; });
  absl::StatusOr<Request> request = cl.ok() ? build(*cl) : absl::StatusOr<Request>(cl.status());
  if (request.ok()) return *request;
  // The CLI's own words for what is wrong.
  status_->setText("未提交: " + Q(std::string(request.status().message())));
  emit acted(false);
  return std::nullopt;
}

void QueueView::Act(const std::vector<std::string>& args) {
  std::vector<std::string> line = {"act", selected().toStdString()};
  line.insert(line.end(), args.begin(), args.end());
  std::optional<v1::ActRequest> request = Built(line, &cli::BuildActRequest);
  if (!request) return;
  status_->setText("提交中 …");
  gateway_.Call(&v1::Hotline::Stub::Act, *request, this,
                std::function([this](const grpc::Status& s, const v1::ActResponse& done) {
    status_->setText(s.ok() ? Q(done.order().id()) + " → " + Q(enums::ChineseName(done.order().state()))
                            : CallError("操作", s));
    emit acted(s.ok());
  }));
}

void QueueView::Sign() {
  if (!selected().isEmpty()) Act({"sign"});
}

void QueueView::Return() {
  if (selected().isEmpty()) return;
  bool ok = false;
  const QString reason = QInputDialog::getText(this, "退回", "退回原因（必填）:", QLineEdit::Normal, "", &ok);
  if (ok) Act({"return", "--note", reason.toStdString()});
}

void QueueView::HandDown() {
  if (selected().isEmpty()) return;
  v1::ListUnitsRequest r;
  r.set_parent_code(unit_);
  gateway_.Call(&v1::Hotline::Stub::ListUnits, r, this,
                std::function([this](const grpc::Status& s, const v1::ListUnitsResponse& units) {
    if (!s.ok()) {
      status_->setText(CallError("下级单位", s));
      return;
    }
    QStringList items;
    for (const v1::Unit& u : units.units()) {
      if (!u.retired()) items << Q(u.code() + " " + u.name());
    }
    if (items.isEmpty()) {
      status_->setText("本单位没有可下派的下级单位");
      return;
    }
    bool ok = false;
    const QString pick = QInputDialog::getItem(this, "下派", "下派给:", items, 0, false, &ok);
    if (ok) Act({"request-hand-down", "--unit", pick.section(' ', 0, 0).toStdString()});
  }));
}

void QueueView::Reply() {
  if (selected().isEmpty()) return;
  bool ok = false;
  const QString result = QInputDialog::getMultiLineText(this, "办结", "办理结果（必填）:", "", &ok);
  if (ok) Act({"reply", "--note", result.toStdString()});
}

void QueueView::Extend() {
  if (selected().isEmpty()) return;
  bool ok = false;
  const QString due = QInputDialog::getText(this, "延期", "新的办结时限 (YYYY-MM-DD):", QLineEdit::Normal, "", &ok);
  if (!ok) return;
  const QString reason = QInputDialog::getText(this, "延期", "延期理由（必填）:", QLineEdit::Normal, "", &ok);
  if (ok) Extend(due.toStdString(), reason.toStdString());
}

void QueueView::Extend(const std::string& due, const std::string& reason) {
  std::optional<v1::RequestExtensionRequest> request = Built(
      {"extend", selected().toStdString(), "--due", due, "--reason", reason}, &cli::BuildExtendRequest);
  if (!request) return;
  gateway_.Call(&v1::Hotline::Stub::RequestExtension, *request, this,
                std::function([this](const grpc::Status& s, const v1::RequestExtensionResponse&) {
    status_->setText(s.ok() ? "已申请延期" : CallError("延期", s));
    emit acted(s.ok());
  }));
}

}  // namespace hotline::desktop
