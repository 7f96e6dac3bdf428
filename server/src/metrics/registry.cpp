#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace mgs::metrics {

namespace {

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        const bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0)) return false;
    }
    return true;
}

bool valid_label_name(std::string_view name) noexcept {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0)) return false;
    }
    return true;
}

// Label values escape backslash, double quote and line feed; HELP text escapes backslash and line
// feed only (exposition format 0.0.4).
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '"' && quote) {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_double(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest text that round-trips
        out.append(buf, r.ptr);
    }
}

void append_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Histogram

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) noexcept {
    // First bound >= v. NaN compares false with everything, so it lands past the end (+Inf).
    const auto it = std::find_if(bounds_.begin(), bounds_.end(), [v](double b) { return v <= b; });
    const auto index = static_cast<std::size_t>(it - bounds_.begin());
    counts_[index].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
    return out;
}

std::uint64_t Histogram::count() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) n += counts_[i].load(std::memory_order_relaxed);
    return n;
}

// ---------------------------------------------------------------------------------------------
// Registry

enum class Registry::Type : std::uint8_t { Counter, Gauge, Histogram };

namespace {

const char* type_name(int type) noexcept {
    switch (type) {
    case 0:
        return "counter";
    case 1:
        return "gauge";
    default:
        return "histogram";
    }
}

Labels sorted(Labels labels) {
    std::sort(labels.begin(), labels.end());
    return labels;
}

} // namespace

struct Registry::Family {
    struct Series {
        Labels key;             // labels sorted by name: the identity of the series
        std::string label_text; // `a="x",b="y"` in the order given, escaped
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
    };

    std::string name;
    std::string help;
    Type type;
    std::vector<Series> series;

    Series* find(const Labels& key) {
        for (auto& s : series) {
            if (s.key == key) return &s;
        }
        return nullptr;
    }

    Series& add(Labels labels) {
        Series s;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i > 0) s.label_text += ',';
            s.label_text += labels[i].first;
            s.label_text += "=\"";
            append_escaped(s.label_text, labels[i].second, true);
            s.label_text += '"';
        }
        s.key = sorted(std::move(labels));
        series.push_back(std::move(s));
        return series.back();
    }
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family_for(std::string_view name, std::string_view help, Type type) {
    if (!valid_metric_name(name)) {
        throw std::invalid_argument("metrics: invalid metric name '" + std::string(name) + "'");
    }
    for (auto& f : families_) {
        if (f->name != name) continue;
        if (f->type != type) {
            throw std::logic_error("metrics: '" + std::string(name) + "' is already registered as a " +
                                   type_name(static_cast<int>(f->type)) + ", not a " +
                                   type_name(static_cast<int>(type)));
        }
        return *f;
    }
    auto f = std::make_unique<Family>();
    f->name = std::string(name);
    f->help = std::string(help);
    f->type = type;
    families_.push_back(std::move(f));
    return *families_.back();
}

namespace {

void check_labels(std::string_view name, const Labels& labels, bool histogram) {
    const Labels key = sorted(labels);
    for (std::size_t i = 0; i < key.size(); ++i) {
        const std::string& label = key[i].first;
        if (!valid_label_name(label) || (histogram && label == "le")) {
            throw std::invalid_argument("metrics: invalid label name '" + label + "' on '" +
                                        std::string(name) + "'");
        }
        if (i > 0 && key[i - 1].first == label) {
            throw std::invalid_argument("metrics: duplicate label '" + label + "' on '" + std::string(name) +
                                        "'");
        }
    }
}

} // namespace

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
    check_labels(name, labels, false);
    const std::lock_guard lock(mutex_);
    Family& f = family_for(name, help, Type::Counter);
    if (auto* s = f.find(sorted(labels))) return *s->counter;
    auto& s = f.add(std::move(labels));
    s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
    check_labels(name, labels, false);
    const std::lock_guard lock(mutex_);
    Family& f = family_for(name, help, Type::Gauge);
    if (auto* s = f.find(sorted(labels))) return *s->gauge;
    auto& s = f.add(std::move(labels));
    s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> bounds,
                               Labels labels) {
    check_labels(name, labels, true);
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
            throw std::invalid_argument("metrics: histogram '" + std::string(name) +
                                        "' needs finite, strictly increasing bounds");
        }
    }
    const std::lock_guard lock(mutex_);
    Family& f = family_for(name, help, Type::Histogram);
    if (auto* s = f.find(sorted(labels))) {
        if (s->histogram->bounds() != bounds) {
            throw std::logic_error("metrics: histogram '" + std::string(name) +
                                   "' registered again with other bounds");
        }
        return *s->histogram;
    }
    auto& s = f.add(std::move(labels));
    s.histogram = std::make_unique<Histogram>(std::move(bounds));
    return *s.histogram;
}

std::string Registry::render() const {
    const std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(families_.size() * 128);

    // `name{labels}` or `name{labels,extra}` or `name` (braces only when there is a label).
    const auto series_name = [&out](std::string_view name, std::string_view suffix, const std::string& labels,
                                    std::string_view extra) {
        out += name;
        out += suffix;
        if (labels.empty() && extra.empty()) return;
        out += '{';
        out += labels;
        if (!labels.empty() && !extra.empty()) out += ',';
        out += extra;
        out += '}';
    };

    for (const auto& f : families_) {
        out += "# HELP ";
        out += f->name;
        out += ' ';
        append_escaped(out, f->help, false);
        out += "\n# TYPE ";
        out += f->name;
        out += ' ';
        out += type_name(static_cast<int>(f->type));
        out += '\n';
        for (const auto& s : f->series) {
            switch (f->type) {
            case Type::Counter:
                series_name(f->name, "", s.label_text, "");
                out += ' ';
                append_uint(out, s.counter->value());
                out += '\n';
                break;
            case Type::Gauge:
                series_name(f->name, "", s.label_text, "");
                out += ' ';
                append_double(out, s.gauge->value());
                out += '\n';
                break;
            case Type::Histogram: {
                const Histogram& h = *s.histogram;
                const std::vector<std::uint64_t> counts = h.bucket_counts();
                std::uint64_t cumulative = 0;
                std::string le;
                for (std::size_t i = 0; i < counts.size(); ++i) {
                    cumulative += counts[i];
                    le = "le=\"";
                    if (i < h.bounds().size()) {
                        append_double(le, h.bounds()[i]);
                    } else {
                        le += "+Inf";
                    }
                    le += '"';
                    series_name(f->name, "_bucket", s.label_text, le);
                    out += ' ';
                    append_uint(out, cumulative);
                    out += '\n';
                }
                series_name(f->name, "_sum", s.label_text, "");
                out += ' ';
                append_double(out, h.sum());
                out += '\n';
                // _count from the same snapshot as the buckets, so it always equals le="+Inf".
                series_name(f->name, "_count", s.label_text, "");
                out += ' ';
                append_uint(out, cumulative);
                out += '\n';
                break;
            }
            }
        }
    }
    return out;
}

} // namespace mgs::metrics
