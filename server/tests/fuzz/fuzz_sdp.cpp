// libFuzzer target: SDP offers from clients (rtc/sdp.hpp). Whatever parse_sdp() accepts must
// survive write_sdp() and parse again to the same description; candidates parse on their own too.
#include "rtc/sdp.hpp"

#include <cstdlib>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mgs::rtc;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    IceCandidate candidate;
    if (parse_candidate(text, candidate)) {
        IceCandidate again;
        check(parse_candidate(format_candidate(candidate), again));
        check(again.address == candidate.address && again.priority == candidate.priority &&
              again.foundation == candidate.foundation && again.type == candidate.type);
    }

    SessionDescription d;
    std::string error;
    if (!parse_sdp(text, d, error)) {
        check(!error.empty());
        return 0;
    }
    check(error.empty());
    check(d.candidates.size() <= kSdpMaxCandidates);

    const bool offer = size % 2 == 0;
    const std::string written = write_sdp(d, offer);
    SessionDescription back;
    if (!parse_sdp(written, back, error)) std::abort();
    check(back.ice_ufrag == d.ice_ufrag && back.ice_pwd == d.ice_pwd && back.ice_lite == d.ice_lite);
    check(back.fingerprint_sha256 == d.fingerprint_sha256 && back.setup == d.setup && back.mid == d.mid);
    check(back.sctp_port == d.sctp_port && back.max_message_size == d.max_message_size);
    check(back.session_id == d.session_id && back.candidates.size() == d.candidates.size());
    for (std::size_t i = 0; i < d.candidates.size(); ++i) {
        check(back.candidates[i].address == d.candidates[i].address);
        check(back.candidates[i].priority == d.candidates[i].priority);
        check(back.candidates[i].foundation == d.candidates[i].foundation);
        check(back.candidates[i].type == d.candidates[i].type);
    }
    check(write_sdp(back, offer) == written);
    return 0;
}
