#include "tools/desktop/order_view.h"

#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QShortcut>
#include <QTableWidget>
#include <QVBoxLayout>

#include "absl/strings/str_format.h"
#include "enums/chinese_names.h"
#include "enums/enum_names.h"
#include "google/protobuf/util/time_util.h"
#include "tools/desktop/text.h"

namespace hotline::desktop {
namespace {

using google::protobuf::util::TimeUtil;

QString Span(int64_t seconds) {
  if (seconds < 0) return "-" + Span(-seconds);
  if (seconds >= 86400) return QString::fromStdString(absl::StrFormat("%d天%d小时", seconds / 86400, seconds % 86400 / 3600));
  if (seconds >= 3600) return QString::fromStdString(absl::StrFormat("%d小时%d分", seconds / 3600, seconds % 3600 / 60));
  return QString::fromStdString(absl::StrFormat("%d分%d秒", seconds / 60, seconds % 60));
}

QString DeadlineText(const char* name, const v1::Deadline& d) {
  if (!d.armed()) return QString();
  QString text = QString::fromUtf8(name) + ": " + LocalTime(d.due());
  if (d.provisional()) text += "（暂定）";
  if (d.met()) text += " · 按时";
  else if (d.breached()) text += " · <b style='color:#c00000'>已超时</b>";
  else if (d.running()) text += " · 剩余 " + Span(d.left_seconds()) + (d.wall_clock() ? "（自然时间）" : "（工作时间）");
  if (d.has_original_due() && d.original_due().seconds() != d.due().seconds()) {
    text += " · 原时限 " + LocalTime(d.original_due());
  }
  return text;
}

}  // namespace

OrderView::OrderView(Gateway& gateway, QWidget* parent) : QWidget(parent), gateway_(gateway) {
  id_ = new QLineEdit;
  id_->setPlaceholderText("工单号，回车打开 (Ctrl+L)");
  header_ = new QLabel;
  header_->setWordWrap(true);
  header_->setTextFormat(Qt::RichText);
  phone_ = new QLabel;
  deadlines_ = new QLabel;
  deadlines_->setTextFormat(Qt::RichText);
  deadlines_->setWordWrap(true);
  timeline_ = new QTableWidget(0, 7);
  timeline_->setHorizontalHeaderLabels({"#", "时间", "操作人", "动作", "状态", "单位", "停留"});
  timeline_->horizontalHeader()->setStretchLastSection(true);
  timeline_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  timeline_->verticalHeader()->hide();
  status_ = new QLabel;
  status_->setWordWrap(true);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(id_);
  layout->addWidget(header_);
  layout->addWidget(phone_);
  layout->addWidget(deadlines_);
  layout->addWidget(new QLabel("<b>处理过程</b>（停留：到下一步为止）"));
  layout->addWidget(timeline_, 1);
  layout->addWidget(status_);

  connect(id_, &QLineEdit::returnPressed, this, [this] { Open(id_->text().trimmed()); });
  auto key = [this](QKeySequence keys, auto slot) {
    auto* s = new QShortcut(keys, this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, slot);
  };
  key(QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
    id_->setFocus();
    id_->selectAll();
  });
  key(QKeySequence(Qt::CTRL | Qt::Key_R), &OrderView::Reveal);
}

QString OrderView::shown_phone() const { return phone_->text(); }
QString OrderView::deadlines_text() const { return deadlines_->text(); }
int OrderView::timeline_rows() const { return timeline_->rowCount(); }

void OrderView::Open(const QString& id) {
  if (id.isEmpty()) return;
  id_->setText(id);
  status_->setText("读取中 …");
  v1::GetWorkOrderRequest r;
  r.set_id(id.toStdString());
  gateway_.Call(&v1::Hotline::Stub::GetWorkOrder, std::move(r), this,
                std::function([this](const grpc::Status& s, const v1::GetWorkOrderResponse& got) {
    if (!s.ok()) {
      status_->setText(CallError("读取工单", s));
      return;
    }
    order_ = got.order();
    ShowOrder();
    v1::GetOrderSlaRequest q;
    q.set_order_id(order_.id());
    gateway_.Call(&v1::Hotline::Stub::GetOrderSla, std::move(q), this,
                  std::function([this](const grpc::Status& s, const v1::GetOrderSlaResponse& sla) {
      if (!s.ok()) {
        deadlines_->setText(CallError("时限", s).toHtmlEscaped());
      } else {
        ShowSla(sla.sla());
      }
      emit shown();
    }));
  }));
}

void OrderView::ShowOrder() {
  const v1::WorkOrder& o = order_;
  header_->setText(QString("<span style='font-size:20pt;font-weight:bold'>%1</span>　%2 · %3%4<br>%5<br>"
                           "区 %6　街镇 %7　%8　分类 %9")
                       .arg(Q(o.id()), Q(enums::ChineseName(o.type())), Q(enums::ChineseName(o.state())),
                            o.urgent() ? " · <b style='color:#c00000'>突发</b>" : "",
                            Q(o.content()).toHtmlEscaped(), Q(o.location().district_code()),
                            Q(o.location().street_code()), Q(o.location().address()).toHtmlEscaped(),
                            Q(o.category_code())));
  phone_->setText("来电人: " + Q(o.caller().name()) + "　" + Q(o.caller().phone_masked()) +
                  "　（Ctrl+R 查看完整号码：须填原因，留痕）");
  timeline_->setRowCount(o.history_size());
  for (int i = 0; i < o.history_size(); ++i) {
    const v1::HistoryEntry& e = o.history(i);
    // Held: from this step to the next one (the last: until now).
    const google::protobuf::Timestamp until =
        i + 1 < o.history_size() ? o.history(i + 1).at() : TimeUtil::GetCurrentTime();
    const int64_t held = TimeUtil::DurationToSeconds(until - e.at());
    const QString state = e.from_state() == e.to_state() || e.from_state() == v1::ORDER_STATE_UNSPECIFIED
                              ? Q(enums::ChineseName(e.to_state()))
                              : Q(enums::ChineseName(e.from_state())) + " → " + Q(enums::ChineseName(e.to_state()));
    const QStringList cells = {QString::number(e.seq()), LocalTime(e.at()),
                               Q(e.actor().user_id()) + " (" + Q(enums::ShortName(e.actor().role())) + ")",
                               Q(enums::HistoryActionName(e.action())) + (e.note().empty() ? "" : "：" + Q(e.note())),
                               state,
                               Q(e.unit_code()), Span(held)};
    for (int c = 0; c < cells.size(); ++c) timeline_->setItem(i, c, new QTableWidgetItem(cells[c]));
  }
  timeline_->resizeColumnsToContents();
  status_->setText(o.history_total() > o.history_size()
                       ? QString("显示 %1 / %2 步").arg(o.history_size()).arg(o.history_total())
                       : QString());
}

void OrderView::ShowSla(const v1::OrderSla& sla) {
  QStringList lines;
  lines << "时限状态: " + Q(enums::SlaStatusName(sla.status())) +
               (sla.level().empty() || sla.level() == "none" ? "" : " / " + Q(enums::SlaLevelName(sla.level())));
  for (const QString& d : {DeadlineText("签收时限", sla.sign_off()), DeadlineText("办结时限", sla.closing())}) {
    if (!d.isEmpty()) lines << d;
  }
  QStringList holders;
  for (const v1::HolderShare& h : sla.holders()) {
    holders << (h.unit_code().empty() ? Q(h.kind()) : Q(h.unit_code())) + " " + Span(h.seconds());
  }
  if (!holders.isEmpty()) lines << "各方用时: " + holders.join("，");
  if (!sla.late_unit_code().empty()) lines << "超时时承办: " + Q(sla.late_unit_code());
  deadlines_->setText(lines.join("<br>"));
}

void OrderView::Reveal() {
  if (order_.id().empty()) return;
  bool ok = false;
  const QString reason =
      QInputDialog::getText(this, "查看完整号码", "原因（必填，记入访问日志）:", QLineEdit::Normal, "", &ok);
  if (ok) RevealWithReason(reason);
}

void OrderView::RevealWithReason(const QString& reason) {
  v1::RevealCallerPhoneRequest r;
  r.set_order_id(order_.id());
  r.set_reason(reason.trimmed().toStdString());
  gateway_.Call(&v1::Hotline::Stub::RevealCallerPhone, std::move(r), this,
                std::function([this](const grpc::Status& s, const v1::RevealCallerPhoneResponse& got) {
    if (!s.ok()) {
      status_->setText(CallError("查看号码", s));
    } else {
      phone_->setText("来电人: " + Q(order_.caller().name()) + "　" + Q(got.phone()) + "　（已记录: " +
                      Q(got.audit_id()) + "）");
    }
    emit revealed();
  }));
}

}  // namespace hotline::desktop
