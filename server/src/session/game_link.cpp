#include "session/game_link.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace mgs::session {

namespace {

// InputState <-> words. The layout is private to this file: both sides go through it.
using Words = std::array<std::uint32_t, InputSlot::kWords>;

std::uint32_t bits_of(float f) noexcept {
    return std::bit_cast<std::uint32_t>(f);
}

Words pack(const InputState& s) noexcept {
    Words w{};
    w[0] = s.generation;
    w[1] = (s.epoch << 2) | (s.congested ? 2u : 0u) | (s.ready ? 1u : 0u);
    w[2] = s.seq;
    w[3] = static_cast<std::uint32_t>(static_cast<std::uint8_t>(s.move_x)) |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(s.move_y)) << 8 |
           static_cast<std::uint32_t>(s.buttons) << 16 |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(s.weapon_slot)) << 24;
    w[4] = bits_of(s.aim);
    w[5] = s.inputs;
    w[6] = static_cast<std::uint32_t>(s.presses[0]) | static_cast<std::uint32_t>(s.presses[1]) << 16;
    w[7] = s.presses[2];
    w[8] = s.weapon_changes;
    w[9] = s.ack;
    w[10] = s.resyncs;
    w[11] = s.follow;
    w[12] = bits_of(s.camera_x);
    w[13] = bits_of(s.camera_y);
    w[14] = 0;
    return w;
}

InputState unpack(const Words& w) noexcept {
    InputState s;
    s.generation = w[0];
    s.epoch = w[1] >> 2;
    s.congested = (w[1] & 2u) != 0;
    s.ready = (w[1] & 1u) != 0;
    s.seq = w[2];
    s.move_x = static_cast<std::int8_t>(w[3] & 0xFF);
    s.move_y = static_cast<std::int8_t>(w[3] >> 8 & 0xFF);
    s.buttons = static_cast<std::uint8_t>(w[3] >> 16 & 0xFF);
    s.weapon_slot = static_cast<std::int8_t>(w[3] >> 24 & 0xFF);
    s.aim = std::bit_cast<float>(w[4]);
    s.inputs = w[5];
    s.presses = {static_cast<std::uint16_t>(w[6] & 0xFFFF), static_cast<std::uint16_t>(w[6] >> 16),
                 static_cast<std::uint16_t>(w[7] & 0xFFFF)};
    s.weapon_changes = w[8];
    s.ack = w[9];
    s.resyncs = w[10];
    s.follow = w[11];
    s.camera_x = std::bit_cast<float>(w[12]);
    s.camera_y = std::bit_cast<float>(w[13]);
    return s;
}

} // namespace

// A sequence lock (one writer): the version is odd while a write is under way. The words are
// atomics, so a racing read is defined behaviour; it is detected by the version and thrown away.
void InputSlot::write(const InputState& s) noexcept {
    const Words w = pack(s);
    const std::uint32_t v = version_.load(std::memory_order_relaxed);
    version_.store(v + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < kWords; ++i) {
        words_[i].store(w[i], std::memory_order_relaxed);
    }
    version_.store(v + 2, std::memory_order_release);
}

bool InputSlot::read(InputState& out) const noexcept {
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::uint32_t v1 = version_.load(std::memory_order_acquire);
        if ((v1 & 1u) != 0) {
            continue;
        }
        Words w{};
        for (std::size_t i = 0; i < kWords; ++i) {
            w[i] = words_[i].load(std::memory_order_relaxed);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        if (version_.load(std::memory_order_relaxed) == v1) {
            out = unpack(w);
            return true;
        }
    }
    return false;
}

void OutBatch::add(SessionRef to, std::uint32_t epoch, Channel channel, std::span<const std::uint8_t> bytes) {
    Message m;
    m.session = to;
    m.epoch = epoch;
    m.channel = channel;
    m.offset = static_cast<std::uint32_t>(bytes_.size());
    m.size = static_cast<std::uint32_t>(bytes.size());
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    messages_.push_back(m);
}

void OutBatch::clear() noexcept {
    messages_.clear();
    bytes_.clear();
}

GameLink::GameLink(LinkConfig config)
    : config_(config), slots_(std::max<std::size_t>(1, config.max_sessions)),
      // A session has at most a join and a leave outstanding at once (a resume needs neither).
      control_(2 * std::max<std::size_t>(1, config.max_sessions) + 16),
      replies_(std::max<std::size_t>(1, config.max_sessions) + 16),
      requests_(std::max<std::size_t>(16, config.request_queue)),
      ready_(std::max<std::size_t>(1, config.max_batches) + 1),
      free_(std::max<std::size_t>(1, config.max_batches) + 2) {
    config_.max_batches = std::max<std::size_t>(1, config_.max_batches);
    for (InputSlot& slot : slots_) {
        slot.write(InputState{}); // read as nobody's (generation 0) until a session writes it
    }
    batches_.push_back(std::make_unique<OutBatch>());
    current_ = batches_.back().get();
}

void GameLink::push_control(const Control& c) {
    if (!control_backlog_.empty() || !control_.push(c)) {
        control_backlog_.push_back(c);
    }
}

void GameLink::flush_control() {
    while (!control_backlog_.empty() && control_.push(control_backlog_.front())) {
        control_backlog_.pop_front();
    }
}

OutBatch* GameLink::take_batch() noexcept {
    OutBatch* b = nullptr;
    return ready_.pop(b) ? b : nullptr;
}

void GameLink::give_back(OutBatch* b) noexcept {
    b->clear();
    // The free queue holds every batch at once if need be (sized max_batches + 2), so this
    // push cannot fail.
    (void)free_.push(b);
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
}

void GameLink::reply(const Reply& r) {
    if (!reply_backlog_.empty() || !replies_.push(r)) {
        reply_backlog_.push_back(r);
    } else {
        replies_pushed_ = true;
    }
}

bool GameLink::publish(std::uint32_t tick) {
    // Replies kept back first, in order.
    std::size_t sent = 0;
    while (sent < reply_backlog_.size() && replies_.push(reply_backlog_[sent])) {
        ++sent;
    }
    reply_backlog_.erase(reply_backlog_.begin(), reply_backlog_.begin() + static_cast<std::ptrdiff_t>(sent));
    const bool replied = sent > 0 || replies_pushed_;
    replies_pushed_ = false;
    if (current_->empty() || in_flight_.load(std::memory_order_acquire) >= config_.max_batches) {
        // Nothing to hand over, or the network thread is behind: keep adding to this batch.
        if (replied && wake_) {
            wake_();
        }
        return current_->empty();
    }
    OutBatch* next = nullptr;
    if (!free_.pop(next)) {
        batches_.push_back(std::make_unique<OutBatch>());
        next = batches_.back().get();
    }
    current_->tick = tick;
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    (void)ready_.push(current_); // at most max_batches are in flight: there is room
    current_ = next;
    if (wake_) {
        wake_();
    }
    return true;
}

std::size_t GameLink::batch_bytes() const noexcept {
    std::size_t n = 0;
    for (const auto& b : batches_) {
        n += b->capacity_bytes();
    }
    return n;
}

} // namespace mgs::session
