#pragma once
// A searchable picker: an editable combo box whose typing filters its items
// by any part of the text (Chinese names or codes), shown in a popup. Leaving
// it with text that names no item exactly takes the first item that contains
// it, so "天河" + Tab picks 天河区.
#include <QComboBox>
#include <QString>

namespace hotline::desktop {

class Picker : public QComboBox {
  Q_OBJECT
 public:
  explicit Picker(QWidget* parent = nullptr);
  // Replaces the items: shown text and code for each.
  void SetItems(const std::vector<std::pair<QString, QString>>& items);
  // The code of the picked item; typed text that names none is returned as
  // typed (the validation then names it), empty text as "".
  QString Code() const;
  void Clear() { setCurrentIndex(-1); setEditText(QString()); }

 signals:
  void picked();

 protected:
  void focusOutEvent(QFocusEvent* event) override;

 private:
  void Resolve();
};

}  // namespace hotline::desktop
