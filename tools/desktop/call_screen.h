#pragma once
// The agent's call screen: the call form (validated as it is typed, with the
// intake's own rules and messages), the knowledge base searched beside it,
// the caller's earlier orders, and the order number in large type once filed.
// One idempotency key per call: submitting twice, or again after the gateway
// came back, files one order.
#include <QElapsedTimer>
#include <QWidget>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "directory/directory.h"
#include "hotline/v1/gateway.pb.h"
#include "tools/desktop/gateway.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTimer;

namespace hotline::desktop {

class Picker;

class CallScreen : public QWidget {
  Q_OBJECT
 public:
  CallScreen(Gateway& gateway, QWidget* parent = nullptr);

  // The request the form describes now (with this call's key).
  v1::CreateWorkOrderRequest Request() const;
  // The validation message shown now ("" when the form is valid).
  QString Problem() const;
  const std::string& idempotency_key() const { return key_; }
  QString filed_order() const { return filed_; }
  bool directory_loaded() const { return directory_.has_value(); }
  int hit_count() const;
  int earlier_order_count() const;

 public slots:
  void NewCall();
  void Submit();
  // Cites the selected knowledge point and files the call as a consultation
  // answered on the spot.
  void CiteAndFile();
  void SelectHit(int delta);

 signals:
  void orderFiled(QString id);
  void openOrder(QString id);
  void directoryLoaded();
  void hitsShown();
  void earlierOrdersShown();
  void submitFinished();

 private:
  void BuildForm();
  void LoadDirectory();
  void Validate();
  // `insist`: at submit, the first problem in the call's order, red, focused.
  void Validate(bool insist);
  // Every bad field of `r` with intake's message for it.
  std::map<std::string, std::string> Problems(v1::CreateWorkOrderRequest r) const;
  void ShowProblem(const QString& field, const QString& message, bool insist);
  void SearchKnowledge();
  void LookUpPhone();
  QWidget* WidgetFor(const std::string& field) const;
  std::vector<QWidget*> Fields() const;
  void FillStreets();
  void Send(v1::CreateWorkOrderRequest request);

  Gateway& gateway_;
  std::optional<directory::Directory> directory_;
  v1::ListUnitsResponse units_;
  std::string stand_in_district_, stand_in_category_;  // valid codes, for Problems()
  std::string key_;
  QElapsedTimer call_clock_;
  QString filed_;
  bool submitting_ = false;
  int search_seq_ = 0, phone_seq_ = 0;
  std::string cited_code_;  // set by CiteAndFile for the request it sends

  QLineEdit* phone_;
  QLineEdit* name_;
  QComboBox* type_;
  QCheckBox* urgent_;
  QCheckBox* confidential_;
  QPlainTextEdit* content_;
  Picker* district_;
  Picker* street_;
  QLineEdit* address_;
  Picker* category_;
  QLabel* problem_;
  QLabel* order_number_;
  QLabel* status_;
  QLineEdit* kb_query_;
  QListWidget* hits_;
  QListWidget* earlier_;
  QTimer* search_timer_;
  QTimer* phone_timer_;
};

}  // namespace hotline::desktop
