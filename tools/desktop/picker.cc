#include "tools/desktop/picker.h"

#include <QCompleter>
#include <QLineEdit>

namespace hotline::desktop {

Picker::Picker(QWidget* parent) : QComboBox(parent) {
  setEditable(true);
  setInsertPolicy(QComboBox::NoInsert);
  completer()->setFilterMode(Qt::MatchContains);
  completer()->setCaseSensitivity(Qt::CaseInsensitive);
  completer()->setCompletionMode(QCompleter::PopupCompletion);
  completer()->setMaxVisibleItems(12);
  connect(this, &QComboBox::currentIndexChanged, this, [this] { emit picked(); });
  connect(lineEdit(), &QLineEdit::returnPressed, this, &Picker::Resolve);
}

void Picker::SetItems(const std::vector<std::pair<QString, QString>>& items) {
  const QSignalBlocker block(this);
  clear();
  for (const auto& [text, code] : items) addItem(text, code);
  setCurrentIndex(-1);
  setEditText(QString());
}

QString Picker::Code() const {
  const QString text = currentText().trimmed();
  if (text.isEmpty()) return QString();
  const int exact = findText(text, Qt::MatchExactly);
  if (exact >= 0) return itemData(exact).toString();
  const int by_code = findData(text);
  if (by_code >= 0) return itemData(by_code).toString();
  return text;
}

void Picker::Resolve() {
  const QString text = currentText().trimmed();
  if (text.isEmpty() || findText(text, Qt::MatchExactly) >= 0) return;
  int first = findData(text);
  if (first < 0) first = findText(text, Qt::MatchContains);
  if (first >= 0) setCurrentIndex(first);
  if (first >= 0) setEditText(itemText(first));
  emit picked();
}

void Picker::focusOutEvent(QFocusEvent* event) {
  Resolve();
  QComboBox::focusOutEvent(event);
}

}  // namespace hotline::desktop
