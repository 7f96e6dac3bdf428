// libFuzzer target: STUN parsing and integrity checking (rtc/stun.hpp), i.e. what every UDP
// datagram that passes looks_like_stun() goes through. For each message that parses, the
// responses a server would build are built, parsed back and verified.
#include "rtc/stun.hpp"

#include <cstdlib>
#include <cstring>

namespace {

using namespace mgs::rtc;

void check(bool ok) {
    if (!ok) std::abort();
}

// A built message must parse, carry the transaction ID, and verify with its password.
void check_built(std::span<const std::uint8_t> built, const StunTransactionId& txid,
                 std::string_view password) {
    check(!built.empty());
    check(looks_like_stun(built));
    StunMessage m;
    check(parse_stun(built, m) == StunParseError::None);
    check(m.transaction_id == txid);
    check(m.has_fingerprint());
    check(m.has_integrity() == !password.empty());
    if (!password.empty()) {
        check(verify_message_integrity(built, m, password));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in(data, size);
    (void)looks_like_stun(in);
    StunMessage m;
    if (parse_stun(in, m) != StunParseError::None) return 0;

    // Offsets and views stay inside the input.
    if (m.has_integrity()) check(m.integrity_offset >= kStunHeaderSize && m.integrity_offset + 24 <= size);
    if (m.has_fingerprint()) check(m.fingerprint_offset + 8 == size);
    const auto inside = [&](std::string_view s) {
        return s.empty() || (reinterpret_cast<const std::uint8_t*>(s.data()) >= data &&
                             reinterpret_cast<const std::uint8_t*>(s.data()) + s.size() <= data + size);
    };
    check(inside(m.username) && inside(m.software) && inside(m.error_reason));

    (void)verify_message_integrity(in, m, "VOkJxbRl1RmTxUk/WvJxBt");
    (void)verify_message_integrity(in, m, "");

    std::array<std::uint8_t, kStunMaxBuiltSize> out{};
    const Address mapped = m.xor_mapped_address.value_or(Address::v4(192, 0, 2, 1, 32853));
    std::size_t n = build_binding_success(out, m.transaction_id, mapped, "server-password");
    check_built(std::span(out).first(n), m.transaction_id, "server-password");

    n = build_binding_error(out, m.transaction_id, m.error_code.value_or(400), m.error_reason, "",
                            m.unknown_attributes());
    check_built(std::span(out).first(n), m.transaction_id, "");

    n = build_binding_request(out, m.transaction_id, m.username, m.software, m.priority.value_or(0),
                              m.ice_controlling.has_value(), m.ice_controlling.value_or(0), m.use_candidate);
    check_built(std::span(out).first(n), m.transaction_id, m.software);
    return 0;
}
