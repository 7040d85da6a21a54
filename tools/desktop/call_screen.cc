#include "tools/desktop/call_screen.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QShortcut>
#include <QTimer>
#include <QVBoxLayout>
#include <random>

#include "absl/strings/str_format.h"
#include "enums/chinese_names.h"
#include "intake/validation.h"
#include "orders/phone.h"
#include "tools/desktop/picker.h"
#include "tools/desktop/text.h"

namespace hotline::desktop {
namespace {

constexpr int kSearchDelayMs = 250;  // debounce: a search per pause, not per key
constexpr int kPhoneDelayMs = 300;
constexpr int kTopHits = 5;
constexpr char kStandInPhone[] = "13800000000";
constexpr int kEarlierOrders = 10;
// A keyed submit keeps trying this long while the gateway is unreachable.
constexpr std::chrono::seconds kSubmitPatience{30};

const std::pair<v1::OrderType, const char*> kTypes[] = {
    {v1::ORDER_TYPE_CONSULTATION, "1 咨询"}, {v1::ORDER_TYPE_COMPLAINT, "2 投诉"},
    {v1::ORDER_TYPE_REPORT, "3 举报"},       {v1::ORDER_TYPE_HELP, "4 求助"},
    {v1::ORDER_TYPE_SUGGESTION, "5 建议"},   {v1::ORDER_TYPE_PRAISE, "6 表扬"},
};

std::string NewKey() {
  std::random_device random;
  return absl::StrFormat("desk-%08x%08x%08x", random(), random(), random());
}

// A snippet marks its matches with 【】: shown highlighted.
QString HighlightSnippet(const std::string& snippet) {
  QString html = QString::fromStdString(snippet).toHtmlEscaped();
  html.replace(QStringLiteral("【"), QStringLiteral("<b style='color:#b00000'>"));
  html.replace(QStringLiteral("】"), QStringLiteral("</b>"));
  return html;
}

}  // namespace

CallScreen::CallScreen(Gateway& gateway, QWidget* parent) : QWidget(parent), gateway_(gateway) {
  BuildForm();
  // A field the agent has left is "visited": its problem then shows in red.
  connect(qApp, &QApplication::focusChanged, this, [this](QWidget* old, QWidget*) {
    for (QWidget* f : Fields()) {
      if (old != nullptr && (old == f || f->isAncestorOf(old))) f->setProperty("visited", true);
    }
    Validate();
  });
  NewCall();
  LoadDirectory();
}

void CallScreen::BuildForm() {
  auto* form = new QFormLayout;
  auto row = [&](const QString& label, QWidget* field) {
    auto* l = new QLabel(label);
    l->setBuddy(field);  // Alt + the underlined letter focuses the field
    form->addRow(l, field);
  };
  phone_ = new QLineEdit;
  phone_->setPlaceholderText("13812345678 / 020-83331234");
  name_ = new QLineEdit;
  type_ = new QComboBox;
  for (const auto& [type, text] : kTypes) type_->addItem(QString::fromUtf8(text), static_cast<int>(type));
  type_->setCurrentIndex(-1);
  urgent_ = new QCheckBox("突发 (&U)");
  confidential_ = new QCheckBox("保密 (&S)");
  content_ = new QPlainTextEdit;
  content_->setTabChangesFocus(true);
  content_->setPlaceholderText("来电人反映的问题 …");
  district_ = new Picker;
  street_ = new Picker;
  address_ = new QLineEdit;
  category_ = new Picker;
  category_->lineEdit()->setPlaceholderText("输入中文或代码搜索，如 噪声 / 0101");

  // Names for style sheets and for tests that look for a field.
  for (auto [w, name] : std::initializer_list<std::pair<QWidget*, const char*>>{
           {phone_, "phone"}, {name_, "name"}, {type_, "type"}, {content_, "content"}, {district_, "district"},
           {street_, "street"}, {address_, "address"}, {category_, "category"}}) {
    w->setObjectName(name);
  }
  row("来电号码 (&P)", phone_);
  row("姓名 (&N)", name_);
  row("类型 (&T)", type_);
  row("内容 (&C)", content_);
  row("区 (&D)", district_);
  row("街镇 (&J)", street_);
  row("地址 (&A)", address_);
  row("事项分类 (&G)", category_);
  auto* flags = new QHBoxLayout;
  flags->addWidget(urgent_);
  flags->addWidget(confidential_);
  flags->addStretch();
  form->addRow(QString(), flags);

  problem_ = new QLabel;
  problem_->setWordWrap(true);
  problem_->setObjectName("problem");
  auto* submit = new QPushButton("提交 (Ctrl+Enter)");
  submit->setFocusPolicy(Qt::NoFocus);
  connect(submit, &QPushButton::clicked, this, &CallScreen::Submit);
  order_number_ = new QLabel;
  order_number_->setObjectName("orderNumber");
  order_number_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont big = order_number_->font();
  big.setPointSize(36);
  big.setBold(true);
  order_number_->setFont(big);
  status_ = new QLabel;
  status_->setWordWrap(true);

  auto* left = new QVBoxLayout;
  left->addWidget(new QLabel("<h2>受理 · 来电</h2>"));
  left->addLayout(form);
  left->addWidget(problem_);
  left->addWidget(submit);
  left->addWidget(order_number_);
  left->addWidget(status_);
  left->addStretch();

  kb_query_ = new QLineEdit;
  kb_query_->setPlaceholderText("知识库搜索（空：按来电内容搜索）");
  hits_ = new QListWidget;
  hits_->setObjectName("hits");
  hits_->setFocusPolicy(Qt::ClickFocus);
  hits_->setWordWrap(true);
  earlier_ = new QListWidget;
  earlier_->setObjectName("earlier");
  earlier_->setFocusPolicy(Qt::ClickFocus);
  connect(earlier_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { emit openOrder(item->data(Qt::UserRole).toString()); });

  auto* right = new QVBoxLayout;
  auto* kb_label = new QLabel("知识库 (&K)　Alt+↑/↓ 选择　F8 引用并直接答复");
  kb_label->setBuddy(kb_query_);
  right->addWidget(kb_label);
  right->addWidget(kb_query_);
  right->addWidget(hits_, 3);
  right->addWidget(new QLabel("来电人历史工单　F6 打开所选"));
  right->addWidget(earlier_, 2);

  auto* columns = new QHBoxLayout(this);
  columns->addLayout(left, 1);
  columns->addLayout(right, 1);

  // Tab follows the call: who, what, where, which category.
  setTabOrder(phone_, name_);
  setTabOrder(name_, type_);
  setTabOrder(type_, content_);
  setTabOrder(content_, district_);
  setTabOrder(district_, street_);
  setTabOrder(street_, address_);
  setTabOrder(address_, category_);
  setTabOrder(category_, urgent_);
  setTabOrder(urgent_, confidential_);
  setTabOrder(confidential_, kb_query_);

  auto shortcut = [this](QKeySequence keys, auto slot) {
    auto* s = new QShortcut(keys, this);
    s->setContext(Qt::WidgetWithChildrenShortcut);
    connect(s, &QShortcut::activated, this, slot);
  };
  shortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), &CallScreen::Submit);
  shortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), &CallScreen::Submit);
  shortcut(QKeySequence(Qt::CTRL | Qt::Key_N), &CallScreen::NewCall);
  shortcut(QKeySequence(Qt::Key_F8), &CallScreen::CiteAndFile);
  shortcut(QKeySequence(Qt::ALT | Qt::Key_Down), [this] { SelectHit(1); });
  shortcut(QKeySequence(Qt::ALT | Qt::Key_Up), [this] { SelectHit(-1); });
  shortcut(QKeySequence(Qt::Key_F6), [this] {
    if (auto* item = earlier_->currentItem()) emit openOrder(item->data(Qt::UserRole).toString());
  });
  shortcut(QKeySequence(Qt::ALT | Qt::Key_H), [this] {
    earlier_->setFocus();
    if (earlier_->currentRow() < 0 && earlier_->count() > 0) earlier_->setCurrentRow(0);
  });

  search_timer_ = new QTimer(this);
  search_timer_->setSingleShot(true);
  search_timer_->setInterval(kSearchDelayMs);
  connect(search_timer_, &QTimer::timeout, this, &CallScreen::SearchKnowledge);
  phone_timer_ = new QTimer(this);
  phone_timer_->setSingleShot(true);
  phone_timer_->setInterval(kPhoneDelayMs);
  connect(phone_timer_, &QTimer::timeout, this, &CallScreen::LookUpPhone);

  auto changed = [this] { Validate(); };
  connect(phone_, &QLineEdit::textChanged, this, [this] {
    Validate();
    phone_timer_->start();
  });
  connect(name_, &QLineEdit::textChanged, this, changed);
  connect(type_, &QComboBox::currentIndexChanged, this, changed);
  connect(content_, &QPlainTextEdit::textChanged, this, [this] {
    Validate();
    if (kb_query_->text().isEmpty()) search_timer_->start();
  });
  connect(district_, &Picker::picked, this, [this] {
    FillStreets();
    Validate();
  });
  connect(district_, &QComboBox::editTextChanged, this, changed);
  connect(street_, &QComboBox::editTextChanged, this, changed);
  connect(street_, &Picker::picked, this, changed);
  connect(address_, &QLineEdit::textChanged, this, changed);
  connect(category_, &QComboBox::editTextChanged, this, changed);
  connect(category_, &Picker::picked, this, changed);
  connect(kb_query_, &QLineEdit::textChanged, this, [this] { search_timer_->start(); });
}

void CallScreen::LoadDirectory() {
  // Both lists, then one Directory: the same checks intake runs.
  gateway_.Call(&v1::Hotline::Stub::ListUnits, v1::ListUnitsRequest(), this,
                std::function([this](const grpc::Status& s, const v1::ListUnitsResponse& units) {
    if (!s.ok()) {
      status_->setText(CallError("读取单位目录 (ListUnits)", s));
      return;
    }
    gateway_.Call(&v1::Hotline::Stub::ListCategories, v1::ListCategoriesRequest(), this,
                  std::function([this, units](const grpc::Status& s, const v1::ListCategoriesResponse& cats) {
      if (!s.ok()) {
        status_->setText(CallError("读取事项分类 (ListCategories)", s));
        return;
      }
      v1::UnitDirectory unit_dir;
      *unit_dir.mutable_units() = units.units();
      v1::CategoryList category_list;
      *category_list.mutable_categories() = cats.categories();
      absl::StatusOr<directory::Directory> built =
          directory::Directory::Build(std::move(unit_dir), std::move(category_list), "ListUnits", "ListCategories");
      if (!built.ok()) {
        status_->setText(QString::fromStdString("目录无法使用: " + std::string(built.status().message())));
        return;
      }
      directory_ = std::move(*built);
      units_ = units;
      for (const v1::Unit& u : units.units()) {
        if (u.kind() == v1::UNIT_KIND_DISTRICT && !u.retired() && stand_in_district_.empty()) {
          stand_in_district_ = u.code();
        }
      }
      if (!cats.categories().empty()) stand_in_category_ = cats.categories(0).code();
      std::vector<std::pair<QString, QString>> districts, categories;
      for (const v1::Unit& u : units.units()) {
        if (u.kind() == v1::UNIT_KIND_DISTRICT && !u.retired()) {
          districts.push_back({Q(u.name() + " " + u.code()), Q(u.code())});
        }
      }
      for (const v1::Category& c : cats.categories()) {
        categories.push_back({Q(c.code() + " " + c.name()), Q(c.code())});
      }
      district_->SetItems(districts);
      category_->SetItems(categories);
      Validate();
      emit directoryLoaded();
    }));
  }));
}

void CallScreen::FillStreets() {
  const QString district = district_->Code();
  std::vector<std::pair<QString, QString>> streets;
  for (const v1::Unit& u : units_.units()) {
    if (u.kind() == v1::UNIT_KIND_STREET && !u.retired() && Q(u.parent_code()) == district) {
      streets.push_back({Q(u.name() + " " + u.code()), Q(u.code())});
    }
  }
  street_->SetItems(streets);
}

void CallScreen::NewCall() {
  key_ = NewKey();
  for (QWidget* f : Fields()) f->setProperty("visited", false);
  call_clock_.start();
  filed_.clear();
  cited_code_.clear();
  for (QLineEdit* e : {phone_, name_, address_, kb_query_}) e->clear();
  content_->clear();
  type_->setCurrentIndex(-1);
  urgent_->setChecked(false);
  confidential_->setChecked(false);
  district_->Clear();
  street_->SetItems({});
  category_->Clear();
  hits_->clear();
  earlier_->clear();
  order_number_->clear();
  status_->setText("新来电 · 幂等键 " + Q(key_));
  Validate();
  phone_->setFocus();
}

v1::CreateWorkOrderRequest CallScreen::Request() const {
  v1::CreateWorkOrderRequest r;
  r.set_idempotency_key(key_);
  r.set_type(static_cast<v1::OrderType>(type_->currentIndex() < 0 ? 0 : type_->currentData().toInt()));
  r.set_urgent(urgent_->isChecked());
  r.set_channel(v1::CHANNEL_PHONE);
  r.mutable_caller()->set_phone(phone_->text().trimmed().toStdString());
  r.mutable_caller()->set_name(name_->text().trimmed().toStdString());
  r.mutable_caller()->set_confidential(confidential_->isChecked());
  r.mutable_location()->set_district_code(district_->Code().toStdString());
  r.mutable_location()->set_street_code(street_->Code().toStdString());
  r.mutable_location()->set_address(address_->text().trimmed().toStdString());
  r.set_category_code(category_->Code().toStdString());
  r.set_content(content_->toPlainText().trimmed().toStdString());
  const qint64 seconds = call_clock_.elapsed() / 1000;
  if (seconds >= intake::kMinHandlingSeconds && seconds <= intake::kMaxHandlingSeconds) {
    r.mutable_handling_time()->set_seconds(seconds);
  }
  return r;
}

QWidget* CallScreen::WidgetFor(const std::string& field) const {
  if (field == "caller.phone") return phone_;
  if (field == "caller.name") return name_;
  if (field == "type") return type_;
  if (field == "content") return content_;
  if (field == "location.district_code") return district_;
  if (field == "location.street_code") return street_;
  if (field == "location.address") return address_;
  if (field == "category_code") return category_;
  if (field.rfind("on_spot_answer", 0) == 0) return hits_;
  return nullptr;
}

std::vector<QWidget*> CallScreen::Fields() const {
  return {phone_, name_, type_, content_, district_, street_, address_, category_};
}

QString CallScreen::Problem() const { return problem_->text(); }

// The fields in the order of the call (the tab order); a problem is shown for
// the first of them that has one.
const std::vector<std::string>& CallOrder() {
  static const std::vector<std::string> kOrder = {
      "caller.phone",  "caller.name", "type", "content", "location.district_code", "location.street_code",
      "location.address", "category_code", "on_spot_answer", "on_spot_answer.knowledge_code",
      "on_spot_answer.answer", "channel", "handling_time", "idempotency_key", "location.point"};
  return kOrder;
}

std::map<std::string, std::string> CallScreen::Problems(v1::CreateWorkOrderRequest r) const {
  // ValidateCreate names the first bad field in intake's order; with that
  // field given a valid stand-in, the next one shows. So every field gets
  // intake's own message, whatever order the agent fills them in.
  std::map<std::string, std::string> problems;
  for (size_t i = 0; i < CallOrder().size(); ++i) {
    std::optional<intake::FieldError> e = intake::ValidateCreate(r, *directory_);
    if (!e || problems.count(e->field) > 0) break;
    problems[e->field] = e->message;
    const std::string& f = e->field;
    if (f == "type") r.set_type(r.has_on_spot_answer() ? v1::ORDER_TYPE_CONSULTATION : v1::ORDER_TYPE_COMPLAINT);
    else if (f == "channel") r.set_channel(v1::CHANNEL_PHONE);
    else if (f == "content") r.set_content("-");
    else if (f == "caller.name") r.mutable_caller()->clear_name();
    else if (f == "caller.phone") r.mutable_caller()->set_phone(kStandInPhone);
    else if (f == "location.district_code") {
      r.mutable_location()->set_district_code(stand_in_district_);
      r.mutable_location()->clear_street_code();
    } else if (f == "location.street_code") r.mutable_location()->clear_street_code();
    else if (f == "location.address") r.mutable_location()->clear_address();
    else if (f == "location.point") r.mutable_location()->clear_point();
    else if (f == "category_code") r.set_category_code(stand_in_category_);
    else if (f.rfind("on_spot_answer", 0) == 0) r.clear_on_spot_answer();
    else if (f == "handling_time") r.clear_handling_time();
    else if (f == "idempotency_key") r.set_idempotency_key("stand-in");
    else break;
  }
  return problems;
}

void CallScreen::Validate() { Validate(false); }

void CallScreen::Validate(bool insist) {
  if (!directory_) {
    ShowProblem("", "正在读取目录 …", false);
    return;
  }
  v1::CreateWorkOrderRequest r = Request();
  if (!cited_code_.empty()) r.mutable_on_spot_answer()->set_knowledge_code(cited_code_);
  const std::map<std::string, std::string> problems = Problems(r);
  // A field the agent has been in first; else the next one to fill.
  std::string field;
  for (const std::string& f : CallOrder()) {
    if (problems.count(f) == 0) continue;
    if (field.empty()) field = f;
    QWidget* w = WidgetFor(f);
    if (!insist && w != nullptr && w->property("visited").toBool()) {
      field = f;
      break;
    }
  }
  for (const auto& [f, message] : problems) {
    if (field.empty()) field = f;  // a field outside the call's order
  }
  ShowProblem(Q(field), field.empty() ? QString() : Q(problems.at(field)), insist);
}

void CallScreen::ShowProblem(const QString& field, const QString& message, bool insist) {
  problem_->setText(message);
  // A field still waiting to be filled is grey; one the agent has been in,
  // or any field at submit, is red.
  QWidget* w = WidgetFor(field.toStdString());
  const bool red = insist || (w != nullptr && w->property("visited").toBool());
  problem_->setStyleSheet(red ? "color:#c00000;font-weight:bold" : "color:#666666");
  for (QWidget* f : Fields()) {
    f->setStyleSheet(f == w && red ? "border:2px solid #c00000" : "");
  }
  if (insist && w != nullptr) w->setFocus();
}

void CallScreen::Submit() {
  if (!directory_) return;
  v1::CreateWorkOrderRequest r = Request();
  if (!cited_code_.empty()) r.mutable_on_spot_answer()->set_knowledge_code(cited_code_);
  if (intake::ValidateCreate(r, *directory_)) {
    Validate(true);
    cited_code_.clear();
    return;
  }
  Send(std::move(r));
}

void CallScreen::Send(v1::CreateWorkOrderRequest r) {
  if (submitting_) return;  // the same key is on its way already
  submitting_ = true;
  status_->setText("提交中 … (幂等键 " + Q(key_) + ")");
  gateway_.Call(&v1::Hotline::Stub::CreateWorkOrder, std::move(r), this,
                std::function([this](const grpc::Status& s, const v1::CreateWorkOrderResponse& answer) {
    submitting_ = false;
    if (!s.ok()) {
      cited_code_.clear();
      if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        const std::string field = s.error_message().substr(0, s.error_message().find(':'));
        ShowProblem(Q(field), Q(s.error_message()), true);
      }
      status_->setText(CallError("提交", s) +
                       "\n按 Ctrl+Enter 以同一幂等键重试：不会重复立单。");
      emit submitFinished();
      return;
    }
    filed_ = Q(answer.order().id());
    order_number_->setText(filed_);
    QString state = Q(enums::ChineseName(answer.order().state()));
    status_->setText((answer.replayed() ? "同一来电已立单（重复提交未新建）· " : "已立单 · ") + state +
                     "　Ctrl+N 下一个来电");
    emit orderFiled(filed_);
    emit submitFinished();
  }), kSubmitPatience);
}

void CallScreen::CiteAndFile() {
  QListWidgetItem* item = hits_->currentItem();
  if (item == nullptr) {
    status_->setText("没有选中的知识点：先搜索（Alt+K），Alt+↑/↓ 选择");
    return;
  }
  cited_code_ = item->data(Qt::UserRole).toString().toStdString();
  const int consultation = type_->findData(static_cast<int>(v1::ORDER_TYPE_CONSULTATION));
  type_->setCurrentIndex(consultation);
  Submit();
}

void CallScreen::SelectHit(int delta) {
  if (hits_->count() == 0) return;
  const int row = std::clamp(hits_->currentRow() + delta, 0, hits_->count() - 1);
  hits_->setCurrentRow(row);
}

int CallScreen::hit_count() const { return hits_->count(); }
int CallScreen::earlier_order_count() const { return earlier_->count(); }

void CallScreen::SearchKnowledge() {
  QString query = kb_query_->text().trimmed();
  if (query.isEmpty()) query = content_->toPlainText().trimmed().left(200);
  const int seq = ++search_seq_;
  if (query.isEmpty()) {
    hits_->clear();
    return;
  }
  v1::SearchKnowledgeRequest r;
  r.set_query(query.toStdString());
  r.set_limit(kTopHits);
  gateway_.Call(&v1::Hotline::Stub::SearchKnowledge, std::move(r), this,
                std::function([this, seq](const grpc::Status& s, const v1::SearchKnowledgeResponse& found) {
    if (seq != search_seq_) return;  // a later search is out: this answer is stale
    hits_->clear();
    if (!s.ok()) {
      hits_->addItem(CallError("知识库搜索", s));
      return;
    }
    for (const v1::KnowledgeHit& hit : found.hits()) {
      auto* item = new QListWidgetItem;
      item->setData(Qt::UserRole, Q(hit.code()));
      auto* label = new QLabel("<b>" + Q(hit.title()).toHtmlEscaped() + "</b>　<small>" + Q(hit.code()) +
                               "</small><br>" + HighlightSnippet(hit.snippet()));
      label->setWordWrap(true);
      label->setMargin(4);
      // As tall as the wrapped text at the list's width.
      item->setSizeHint(QSize(100, label->heightForWidth(hits_->viewport()->width() - 12) + 4));
      hits_->addItem(item);
      hits_->setItemWidget(item, label);
    }
    if (hits_->count() > 0) hits_->setCurrentRow(0);
    emit hitsShown();
  }));
}

void CallScreen::LookUpPhone() {
  const int seq = ++phone_seq_;
  const std::optional<std::string> phone = orders::NormalizePhone(phone_->text().toStdString());
  if (!phone) {
    earlier_->clear();
    return;
  }
  // The logged lookup: the access log records that this agent looked.
  v1::FindOrdersByPhoneRequest r;
  r.set_phone(*phone);
  r.set_page_size(kEarlierOrders);
  gateway_.Call(&v1::Hotline::Stub::FindOrdersByPhone, std::move(r), this,
                std::function([this, seq](const grpc::Status& s, const v1::FindOrdersByPhoneResponse& found) {
    if (seq != phone_seq_) return;
    earlier_->clear();
    if (!s.ok()) {
      earlier_->addItem(CallError("历史工单", s));
      return;
    }
    if (found.orders().empty()) earlier_->addItem("（无历史工单：首次来电）");
    for (const v1::WorkOrder& o : found.orders()) {
      auto* item = new QListWidgetItem(
          Q(o.id()) + "　" + LocalTime(o.created_at()) + "　" + Q(enums::ChineseName(o.type())) + "　" +
          Q(enums::ChineseName(o.state())) + "\n" + Q(o.content()).left(60));
      item->setData(Qt::UserRole, Q(o.id()));
      earlier_->addItem(item);
    }
    emit earlierOrdersShown();
  }));
}

}  // namespace hotline::desktop
