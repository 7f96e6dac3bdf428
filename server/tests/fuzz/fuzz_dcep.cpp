// libFuzzer target: DATA_CHANNEL_OPEN messages (rtc/dcep.hpp), which a peer sends on any SCTP
// stream it likes. An accepted message must serialise and parse back to the same fields.
#include "rtc/dcep.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mgs::rtc;
    const std::span<const std::uint8_t> in(data, size);
    (void)is_dcep_ack(in);
    DcepOpen open;
    if (!parse_dcep_open(in, open)) return 0;
    (void)open.max_retransmits();
    const std::vector<std::uint8_t> bytes = build_dcep_open(open);
    DcepOpen again;
    if (!parse_dcep_open(bytes, again)) std::abort();
    if (again.type != open.type || again.priority != open.priority || again.reliability != open.reliability ||
        again.label != open.label || again.protocol != open.protocol) {
        std::abort();
    }
    return 0;
}
