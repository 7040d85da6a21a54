#pragma once
// Where a service's core gets a kind of reference data in force (the
// directory, the catalogue, the SLA policies ...). It can change while the
// service runs (`hotline-admin <kind> load`, followed by live.h), so a core
// asks for the current snapshot at each decision and keeps the shared pointer
// only for that decision: one decision never mixes two versions.
//
// Thread-safe.
#include <memory>
#include <utility>

namespace hotline::refdata {

template <typename T>
class Source {
 public:
  virtual ~Source() = default;
  // Never null.
  virtual std::shared_ptr<const T> Current() const = 0;
};

// One value for ever: tests, tools that read files, and cores built the old
// way (from a reference to a value that outlives them).
template <typename T>
class FixedSource final : public Source<T> {
 public:
  explicit FixedSource(T value) : value_(std::make_shared<const T>(std::move(value))) {}
  explicit FixedSource(std::shared_ptr<const T> value) : value_(std::move(value)) {}
  // Borrows `value`, which must outlive the source.
  static std::unique_ptr<FixedSource> Borrowing(const T& value) {
    return std::make_unique<FixedSource>(std::shared_ptr<const T>(&value, [](const T*) {}));
  }
  std::shared_ptr<const T> Current() const override { return value_; }

 private:
  std::shared_ptr<const T> value_;
};

// What a service core keeps: the source it was given, or a fixed one made of
// a value it was given by reference (tests, tools). Converts implicitly from
// both, so a core's constructor takes either and callers built for a fixed
// value compile unchanged. The value or source must outlive it.
template <typename T>
class SourceRef {
 public:
  SourceRef(const Source<T>& source) : source_(&source) {}  // NOLINT: implicit by design
  SourceRef(const T& value)                                 // NOLINT: implicit by design
      : owned_(FixedSource<T>::Borrowing(value)), source_(owned_.get()) {}
  SourceRef(SourceRef&&) = default;
  // Never null.
  std::shared_ptr<const T> Current() const { return source_->Current(); }
  const Source<T>& source() const { return *source_; }

 private:
  std::shared_ptr<const Source<T>> owned_;
  const Source<T>* source_;
};

// One member of another source's value (the directory of a service's bundle
// of reference data), sharing its snapshot: the part and the whole read
// together are of the same versions.
template <typename T, typename Whole>
class PartSource final : public Source<T> {
 public:
  PartSource(const Source<Whole>& whole, const T Whole::*member) : whole_(whole), member_(member) {}
  std::shared_ptr<const T> Current() const override {
    std::shared_ptr<const Whole> whole = whole_.Current();
    const T* part = &((*whole).*member_);
    return std::shared_ptr<const T>(std::move(whole), part);
  }

 private:
  const Source<Whole>& whole_;
  const T Whole::*member_;
};

}  // namespace hotline::refdata
