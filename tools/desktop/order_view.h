#pragma once
// One order: its fields, the timeline of every step (who held it, for how
// long), its deadlines and who held it against them (GetOrderSla). The
// caller's number stays masked; revealing it takes a reason and is logged by
// the gateway's backend (RevealCallerPhone).
#include <QWidget>

#include "hotline/v1/gateway.pb.h"
#include "tools/desktop/gateway.h"

class QLabel;
class QLineEdit;
class QTableWidget;

namespace hotline::desktop {

class OrderView : public QWidget {
  Q_OBJECT
 public:
  OrderView(Gateway& gateway, QWidget* parent = nullptr);
  QString shown_order() const { return QString::fromStdString(order_.id()); }
  QString shown_phone() const;
  int timeline_rows() const;
  QString deadlines_text() const;

 public slots:
  void Open(const QString& id);
  // Asks for the reason, then reveals (the reason is required by the API).
  void Reveal();
  void RevealWithReason(const QString& reason);

 signals:
  void shown();
  void revealed();

 private:
  void ShowOrder();
  void ShowSla(const v1::OrderSla& sla);

  Gateway& gateway_;
  v1::WorkOrder order_;
  QLineEdit* id_;
  QLabel* header_;
  QLabel* phone_;
  QLabel* deadlines_;
  QTableWidget* timeline_;
  QLabel* status_;
};

}  // namespace hotline::desktop
