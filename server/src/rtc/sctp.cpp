#include "rtc/sctp.hpp"

#include <usrsctp.h>

#include <algorithm>
#include <arpa/inet.h> // htonl/ntohl
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mgs::rtc {

namespace {

std::atomic<std::size_t> g_live{0};

// Associations whose socket became readable (usrsctp upcall) and must be drained once the
// usrsctp call that signalled it has returned: reading inside the upcall would re-enter usrsctp.
thread_local std::vector<SctpAssociation*> t_ready;

void init_stack() {
    static std::once_flag once;
    std::call_once(once, [] {
        usrsctp_init_nothreads(0, &SctpAssociation::on_output, nullptr);
        // RFC 8831 sec. 6.2: no SCTP-AUTH, no ASCONF; partial reliability and stream reconfig on.
        usrsctp_sysctl_set_sctp_auth_enable(0);
        usrsctp_sysctl_set_sctp_asconf_enable(0);
        usrsctp_sysctl_set_sctp_ecn_enable(0);
        usrsctp_sysctl_set_sctp_pr_enable(1);
        usrsctp_sysctl_set_sctp_reconfig_enable(1);
        usrsctp_sysctl_set_sctp_nrsack_enable(0);
        usrsctp_sysctl_set_sctp_blackhole(2); // no ABORT in answer to stray packets
        usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
        usrsctp_sysctl_set_sctp_rto_initial_default(1000);
        usrsctp_sysctl_set_sctp_rto_min_default(200);
        usrsctp_sysctl_set_sctp_rto_max_default(10000);
        usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
        usrsctp_sysctl_set_sctp_heartbeat_interval_default(10000);
        // Buffers are limits, not allocations: memory is taken as data is queued. The send
        // space bounds what the server holds for a peer that does not read: 256 KiB (the largest
        // message a channel may carry) is about ten seconds of a player's traffic; snapshots stop
        // being queued far earlier (session::SessionConfig::max_unacked_bytes_for_snapshot), and
        // a reliable message that does not fit closes the connection (slow reader).
        usrsctp_sysctl_set_sctp_sendspace(256 * 1024);
        usrsctp_sysctl_set_sctp_recvspace(1024 * 1024);
    });
}

struct StackClock {
    std::mutex mutex;
    std::uint64_t last_us = 0;
    bool started = false;
    std::uint64_t residue_us = 0;
};

StackClock& stack_clock() {
    static StackClock c;
    return c;
}

void drain_ready() {
    // Draining may make other sockets ready (a send from a callback); loop until quiet.
    while (!t_ready.empty()) {
        std::vector<SctpAssociation*> batch;
        batch.swap(t_ready);
        for (SctpAssociation* a : batch) {
            a->drain();
        }
    }
}

} // namespace

void SctpStack::advance(std::uint64_t now_us) {
    init_stack();
    std::uint32_t elapsed_ms = 0;
    {
        StackClock& c = stack_clock();
        const std::lock_guard lock(c.mutex);
        if (!c.started || now_us < c.last_us) {
            c.started = true; // a new clock (another test's virtual time): resynchronise
            c.last_us = now_us;
            c.residue_us = 0;
            return;
        }
        // usrsctp counts whole milliseconds (hz = 1000): carry the fraction.
        const std::uint64_t delta = now_us - c.last_us + c.residue_us;
        c.last_us = now_us;
        elapsed_ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(delta / 1000, 60'000));
        c.residue_us = delta % 1000;
    }
    if (elapsed_ms > 0) {
        usrsctp_handle_timers(elapsed_ms);
        drain_ready();
    }
}

void SctpStack::set_rto(std::uint32_t min_ms, std::uint32_t initial_ms, std::uint32_t max_ms) {
    init_stack();
    usrsctp_sysctl_set_sctp_rto_min_default(min_ms);
    usrsctp_sysctl_set_sctp_rto_initial_default(initial_ms);
    usrsctp_sysctl_set_sctp_rto_max_default(max_ms);
}

std::size_t SctpStack::live_associations() {
    return g_live.load(std::memory_order_relaxed);
}

int SctpAssociation::on_output(void* addr, void* buffer, std::size_t length, std::uint8_t /*tos*/,
                               std::uint8_t /*set_df*/) {
    auto* self = static_cast<SctpAssociation*>(addr);
    self->handler_.sctp_emit_packet({static_cast<const std::uint8_t*>(buffer), length});
    return 0;
}

void SctpAssociation::on_upcall(struct socket* /*sock*/, void* arg, int /*flags*/) {
    auto* self = static_cast<SctpAssociation*>(arg);
    if (!self->readable_) {
        self->readable_ = true;
        t_ready.push_back(self);
    }
}

SctpAssociation::SctpAssociation(SctpHandler& handler, SctpConfig config)
    : handler_(handler), config_(config) {
    init_stack();
    usrsctp_register_address(this);
    sock_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
    if (sock_ == nullptr) {
        closed_ = true;
        return;
    }
    g_live.fetch_add(1, std::memory_order_relaxed);
    usrsctp_set_non_blocking(sock_, 1);
    usrsctp_set_upcall(sock_, &SctpAssociation::on_upcall, this);

    // Closing aborts at once (no lingering SHUTDOWN handshake holding memory).
    linger lin{1, 0};
    usrsctp_setsockopt(sock_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    sctp_assoc_value reset{};
    reset.assoc_id = SCTP_ALL_ASSOC;
    reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset);
    const int on = 1;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on);
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on);
    for (const int type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SENDER_DRY_EVENT}) {
        sctp_event ev{};
        ev.se_assoc_id = SCTP_ALL_ASSOC;
        ev.se_type = static_cast<std::uint16_t>(type);
        ev.se_on = 1;
        usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev);
    }
    sctp_initmsg init{};
    init.sinit_num_ostreams = config_.max_streams;
    init.sinit_max_instreams = config_.max_streams;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init);
    sctp_paddrparams params{};
    params.spp_assoc_id = 0;
    params.spp_flags = SPP_PMTUD_DISABLE;
    params.spp_pathmtu = config_.mtu;
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof params);

    sockaddr_conn local{};
    local.sconn_family = AF_CONN;
    local.sconn_port = htons(config_.local_port);
    local.sconn_addr = this;
    if (usrsctp_bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        closed_ = true;
    }
}

SctpAssociation::~SctpAssociation() {
    std::erase(t_ready, this);
    if (sock_ != nullptr) {
        usrsctp_set_upcall(sock_, nullptr, nullptr);
        usrsctp_close(sock_);
        g_live.fetch_sub(1, std::memory_order_relaxed);
    }
    usrsctp_deregister_address(this);
    std::erase(t_ready, this);
}

bool SctpAssociation::connect() {
    if (sock_ == nullptr || closed_ || connected_) {
        return false;
    }
    connected_ = true;
    sockaddr_conn remote{};
    remote.sconn_family = AF_CONN;
    remote.sconn_port = htons(config_.remote_port);
    remote.sconn_addr = this;
    const int r = usrsctp_connect(sock_, reinterpret_cast<sockaddr*>(&remote), sizeof remote);
    drain_ready();
    return r == 0 || errno == EINPROGRESS;
}

void SctpAssociation::handle_packet(std::span<const std::uint8_t> packet) {
    if (sock_ == nullptr || closed_ || packet.empty()) {
        return;
    }
    usrsctp_conninput(this, packet.data(), packet.size(), 0);
    drain_ready();
}

bool SctpAssociation::send(std::uint16_t stream, Ppid ppid, std::span<const std::uint8_t> data,
                           bool unordered, int max_retransmits) {
    if (!up_ || closed_ || data.size() > config_.max_message_size) {
        return false;
    }
    sctp_sendv_spa spa{};
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(static_cast<std::uint32_t>(ppid));
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
    if (max_retransmits >= 0) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
        spa.sendv_prinfo.pr_value = static_cast<std::uint32_t>(max_retransmits);
    }
    // RFC 8831 sec. 6.6: an empty message is sent as one zero byte with the "empty" PPID.
    static constexpr std::uint8_t kZero = 0;
    const void* bytes = data.data();
    std::size_t size = data.size();
    if (size == 0) {
        bytes = &kZero;
        size = 1;
        spa.sendv_sndinfo.snd_ppid =
            htonl(static_cast<std::uint32_t>(ppid == Ppid::String ? Ppid::StringEmpty : Ppid::BinaryEmpty));
    }
    const ssize_t n = usrsctp_sendv(sock_, bytes, size, nullptr, 0, &spa, sizeof spa, SCTP_SENDV_SPA, 0);
    drain_ready();
    return n == static_cast<ssize_t>(size);
}

void SctpAssociation::reset_stream(std::uint16_t stream) {
    if (!up_ || closed_) {
        return;
    }
    std::array<std::uint8_t, sizeof(sctp_reset_streams) + sizeof(std::uint16_t)> buf{};
    auto* srs = reinterpret_cast<sctp_reset_streams*>(buf.data());
    srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    srs->srs_number_streams = 1;
    std::memcpy(buf.data() + sizeof(sctp_reset_streams), &stream, sizeof stream);
    usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_RESET_STREAMS, buf.data(),
                       static_cast<socklen_t>(buf.size()));
    drain_ready();
}

void SctpAssociation::abort() {
    if (sock_ == nullptr || closed_) {
        return;
    }
    closed_ = true;
    // SO_LINGER {1, 0}: close sends ABORT.
    usrsctp_set_upcall(sock_, nullptr, nullptr);
    usrsctp_close(sock_);
    sock_ = nullptr;
    g_live.fetch_sub(1, std::memory_order_relaxed);
    std::erase(t_ready, this);
    set_up(false);
}

// usrsctp's SCTP_GET_SNDBUF_USE (read-only option, netinet/sctp.h) is not in the installed
// usrsctp.h: the option number and its structure, as usrsctp defines them.
namespace {
constexpr int kSctpGetSndbufUse = 0x00001101;
struct SctpSockstat {
    sctp_assoc_t ss_assoc_id;
    std::uint32_t ss_total_sndbuf;
    std::uint32_t ss_total_recv_buf;
};
} // namespace

std::size_t SctpAssociation::buffered_bytes() const {
    if (sock_ == nullptr || !up_) {
        return 0;
    }
    SctpSockstat stat{};
    socklen_t len = sizeof stat;
    if (usrsctp_getsockopt(sock_, IPPROTO_SCTP, kSctpGetSndbufUse, &stat, &len) != 0) {
        return 0;
    }
    return stat.ss_total_sndbuf;
}

void SctpAssociation::set_up(bool up) {
    if (up_ == up) {
        return;
    }
    up_ = up;
    handler_.sctp_on_state(up);
}

void SctpAssociation::drain() {
    readable_ = false;
    thread_local std::vector<std::uint8_t> buf(std::size_t{256} * 1024);
    while (sock_ != nullptr && !closed_) {
        sctp_rcvinfo info{};
        socklen_t info_len = sizeof info;
        unsigned int info_type = 0;
        int flags = 0;
        const ssize_t n = usrsctp_recvv(sock_, buf.data(), buf.size(), nullptr, nullptr, &info, &info_len,
                                        &info_type, &flags);
        if (n < 0) {
            if (errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN) {
                closed_ = true;
                set_up(false);
            }
            return;
        }
        if (n == 0) {
            // Orderly end: the peer shut the association down.
            closed_ = true;
            set_up(false);
            return;
        }
        const auto size = static_cast<std::size_t>(n);
        if ((flags & MSG_NOTIFICATION) != 0) {
            handle_notification(buf.data(), size);
            continue;
        }
        const bool complete = (flags & MSG_EOR) != 0;
        if (!complete || !partial_.empty()) {
            if (partial_.size() + size > config_.max_message_size) {
                partial_.clear(); // over the negotiated limit: dropped (RFC 8841 sec. 6.1)
                continue;
            }
            partial_.insert(partial_.end(), buf.data(), buf.data() + size);
            if (!complete) {
                continue;
            }
        }
        const std::span<const std::uint8_t> msg = partial_.empty()
                                                      ? std::span<const std::uint8_t>(buf.data(), size)
                                                      : std::span<const std::uint8_t>(partial_);
        const auto ppid = static_cast<Ppid>(ntohl(info.rcv_ppid));
        if (ppid == Ppid::StringEmpty || ppid == Ppid::BinaryEmpty) {
            handler_.sctp_on_message(info.rcv_sid, ppid == Ppid::StringEmpty ? Ppid::String : Ppid::Binary,
                                     {});
        } else {
            handler_.sctp_on_message(info.rcv_sid, ppid, msg);
        }
        partial_.clear();
    }
}

void SctpAssociation::handle_notification(const std::uint8_t* data, std::size_t size) {
    if (size < sizeof(sctp_notification::sctp_tlv)) {
        return;
    }
    sctp_notification n{};
    std::memcpy(&n, data, std::min(size, sizeof n));
    switch (n.sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        switch (n.sn_assoc_change.sac_state) {
        case SCTP_COMM_UP:
        case SCTP_RESTART:
            set_up(true);
            break;
        case SCTP_COMM_LOST:
        case SCTP_SHUTDOWN_COMP:
        case SCTP_CANT_STR_ASSOC:
            closed_ = true;
            set_up(false);
            break;
        default:
            break;
        }
        break;
    case SCTP_STREAM_RESET_EVENT: {
        if ((n.sn_strreset_event.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) == 0) {
            break;
        }
        const std::size_t count = (size - sizeof(sctp_stream_reset_event)) / sizeof(std::uint16_t);
        for (std::size_t i = 0; i < count; ++i) {
            std::uint16_t stream = 0;
            std::memcpy(&stream, data + sizeof(sctp_stream_reset_event) + i * sizeof stream, sizeof stream);
            handler_.sctp_on_stream_reset(stream);
        }
        break;
    }
    default:
        break;
    }
}

} // namespace mgs::rtc
