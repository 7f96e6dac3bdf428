#pragma once
// The bridge between the network thread (session::SessionTable) and the simulation thread
// (app::GameSync). Neither side ever waits for the other, and nothing one client does can crowd
// out another:
//
//   network thread                                     simulation thread (once per tick)
//   ──────────────                                     ─────────────────────────────────
//   push_control (join, leave) ── spsc queue ────────▶ poll_control    never lost: what the queue
//                                                                      cannot take waits on the
//                                                                      network side, in order
//   poll_reply                 ◀── spsc queue ──────── reply           the player made for a join
//   write_input                ── one InputSlot ─────▶ read_input      the newest input and
//                                 per session                          counters (seqlock, one
//                                                                      writer; a read that races
//                                                                      a write is tried next tick)
//   push_request (chat, board) ── spsc queue ────────▶ poll_request    full: dropped, counted
//   take_batch, give_back      ◀── OutBatch ring ───── batch, publish  every message of a tick in
//                                                                      one batch, then wake()
//
// Why slots and not a queue of inputs: a shared FIFO of every (redundant) input lets one client's
// flood fill it for everybody. A slot per session holds only what the simulation needs: the newest
// input, and monotonic counters of button presses and weapon selections, so the simulation still
// sees a click that came and went between two ticks (it diffs the counters against what it saw).
//
// Sessions are addressed by SessionRef (slot index + generation): a slot is reused after its
// session ends, and whatever still names the old generation is ignored.
#include <boost/lockfree/spsc_queue.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace mgs::session {

/// A session as both threads name it: its slot, and the generation of the slot's current use.
struct SessionRef {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0; ///< 0 never names a live session
    friend bool operator==(const SessionRef&, const SessionRef&) = default;
};

/// Network -> simulation: players and spectators come and go.
struct Control {
    enum class Type : std::uint8_t { Join, Leave };
    Type type = Type::Join;
    SessionRef session;
    bool spectate = false;       ///< Join: a spectator (no player; the game sends no reply)
    std::int8_t team = -1;       ///< Join: -1 auto, 0 red, 1 blue
    std::array<char, 64> name{}; ///< Join: NUL-terminated UTF-8
};

/// Simulation -> network: the player made for a Join.
struct Reply {
    SessionRef session;
    std::uint32_t player_id = 0;
};

/// Network -> simulation: a chat line or a scoreboard request (rate limited per session).
struct Request {
    enum class Type : std::uint8_t { Chat, Scoreboard };
    Type type = Type::Chat;
    SessionRef session;
    bool team_only = false;       ///< Chat
    std::uint16_t top = 20;       ///< Scoreboard: rows wanted
    std::uint8_t text_len = 0;    ///< Chat: bytes of text
    std::array<char, 200> text{}; ///< Chat: UTF-8 (verified by the parser), not NUL-terminated
};

/// What the simulation reads of a session: the state of its connection, its newest input, and
/// counters that only grow while the session lives (the reader keeps what it saw and diffs).
struct InputState {
    std::uint32_t generation = 0; ///< the session generation this state belongs to
    std::uint32_t epoch = 0;      ///< connections welcomed so far (each Welcome starts one)
    bool ready = false;           ///< the connection of `epoch` is up: send it snapshots and events
    bool congested = false;       ///< its peer is behind (unacknowledged data): make no snapshot
    std::uint32_t seq = 0;        ///< newest input seq accepted on this connection (0: none yet)
    std::int8_t move_x = 0;       ///< newest input
    std::int8_t move_y = 0;
    std::uint8_t buttons = 0;
    std::int8_t weapon_slot = -1; ///< the last weapon selection (not -1) seen, with weapon_changes
    float aim = 0.0f;
    std::uint32_t inputs = 0;               ///< inputs accepted (all connections)
    std::array<std::uint16_t, 3> presses{}; ///< inputs holding fire, melee, reload (wrapping)
    std::uint32_t weapon_changes = 0;       ///< inputs with a weapon selection
    std::uint32_t ack = 0;                  ///< newest snapshot acknowledged on this connection
    std::uint32_t resyncs = 0;              ///< full snapshots asked for
    std::uint32_t follow = 0xFFFFFFFFu;     ///< spectators: the followed player, or none
    float camera_x = 0.0f;                  ///< spectators: camera when not following
    float camera_y = 0.0f;
    friend bool operator==(const InputState&, const InputState&) = default;
};

/// One session's input, written by the network thread only, read by the simulation thread: a
/// sequence lock over plain words (64 bytes, one cache line).
class alignas(64) InputSlot {
public:
    static constexpr std::size_t kWords = 15;
    /// Network thread: publishes `s` (whole).
    void write(const InputState& s) noexcept;
    /// Simulation thread: a consistent copy, or false when a write was in progress (try again
    /// next tick; never spins).
    [[nodiscard]] bool read(InputState& out) const noexcept;

private:
    std::atomic<std::uint32_t> version_{0};
    std::array<std::atomic<std::uint32_t>, kWords> words_{};
};
static_assert(sizeof(InputSlot) == 64);

/// Every message of one tick for the network thread: bytes back to back and where each goes.
class OutBatch {
public:
    enum class Channel : std::uint8_t { State, Events }; ///< unreliable snapshots; reliable events
    struct Message {
        SessionRef session;
        std::uint32_t epoch = 0; ///< the connection it was made for: a newer one drops it
        Channel channel = Channel::State;
        std::uint32_t offset = 0;
        std::uint32_t size = 0;
    };

    /// Simulation thread, while it owns the batch.
    void add(SessionRef to, std::uint32_t epoch, Channel channel, std::span<const std::uint8_t> bytes);
    void clear() noexcept;
    [[nodiscard]] bool empty() const noexcept { return messages_.empty(); }
    [[nodiscard]] std::span<const Message> messages() const noexcept { return messages_; }
    [[nodiscard]] std::span<const std::uint8_t> bytes(const Message& m) const noexcept {
        return {bytes_.data() + m.offset, m.size};
    }
    [[nodiscard]] std::size_t byte_size() const noexcept { return bytes_.size(); }
    /// Heap held (capacity), for the memory report.
    [[nodiscard]] std::size_t capacity_bytes() const noexcept {
        return messages_.capacity() * sizeof(Message) + bytes_.capacity();
    }
    std::uint32_t tick = 0;

private:
    std::vector<Message> messages_;
    std::vector<std::uint8_t> bytes_;
};

struct LinkConfig {
    std::size_t max_sessions = 1000;  ///< slots: players and spectators at once, with their grace
    std::size_t request_queue = 1024; ///< chat lines and scoreboard requests waiting for a tick
    std::size_t max_batches = 4;      ///< published batches the network thread may hold at once
};

class GameLink {
public:
    explicit GameLink(LinkConfig config);
    GameLink(const GameLink&) = delete;
    GameLink& operator=(const GameLink&) = delete;

    [[nodiscard]] std::size_t max_sessions() const noexcept { return slots_.size(); }

    // --- network thread ---
    /// Queues a join or leave for the simulation. Never fails: what the queue cannot take now is
    /// kept here, in order, and handed over by flush_control().
    void push_control(const Control& c);
    /// Hands over controls kept back by push_control. Call often (each network loop).
    void flush_control();
    [[nodiscard]] std::size_t control_backlog() const noexcept { return control_backlog_.size(); }
    bool poll_reply(Reply& out) noexcept { return replies_.pop(out); }
    /// The slot of `session` (its generation is written inside the state).
    void write_input(std::uint32_t slot, const InputState& s) noexcept { slots_[slot].write(s); }
    /// False when the queue is full (the caller counts the drop).
    bool push_request(const Request& r) noexcept { return requests_.push(r); }
    /// The oldest published batch, or nullptr. Return it with give_back() once sent.
    OutBatch* take_batch() noexcept;
    void give_back(OutBatch* b) noexcept;
    /// Called by publish() (simulation thread) after a batch was handed over: wakes the network
    /// thread. Set before the simulation runs.
    void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

    // --- simulation thread ---
    bool poll_control(Control& out) noexcept { return control_.pop(out); }
    /// The player made for a join. Kept back here if the queue is full, and retried by publish().
    void reply(const Reply& r);
    [[nodiscard]] bool read_input(std::uint32_t slot, InputState& out) const noexcept {
        return slots_[slot].read(out);
    }
    bool poll_request(Request& out) noexcept { return requests_.pop(out); }
    /// The batch this tick's messages go into (always the same one until publish() succeeds).
    [[nodiscard]] OutBatch& batch() noexcept { return *current_; }
    /// Hands the current batch (and the replies made since the last call) to the network thread
    /// and wakes it. When the network thread already holds max_batches, the batch is not handed
    /// over: its messages stay in the current batch for the next publish (nothing is dropped),
    /// and it returns false.
    bool publish(std::uint32_t tick);
    /// Batches published and not yet given back (the network thread's backlog).
    [[nodiscard]] std::size_t in_flight() const noexcept {
        return in_flight_.load(std::memory_order_acquire);
    }
    /// Heap held by the batches (capacity), for the memory report. Simulation thread.
    [[nodiscard]] std::size_t batch_bytes() const noexcept;

private:
    LinkConfig config_;
    std::vector<InputSlot> slots_;
    boost::lockfree::spsc_queue<Control> control_;
    std::deque<Control> control_backlog_; // network thread
    boost::lockfree::spsc_queue<Reply> replies_;
    std::vector<Reply> reply_backlog_; // simulation thread
    bool replies_pushed_ = false;      // simulation thread: since the last publish
    boost::lockfree::spsc_queue<Request> requests_;
    std::vector<std::unique_ptr<OutBatch>> batches_; // every batch ever made (owned here)
    boost::lockfree::spsc_queue<OutBatch*> ready_;   // published, to the network thread
    boost::lockfree::spsc_queue<OutBatch*> free_;    // given back, to the simulation thread
    OutBatch* current_ = nullptr;                    // simulation thread
    std::atomic<std::size_t> in_flight_{0};
    std::function<void()> wake_;
};

} // namespace mgs::session
