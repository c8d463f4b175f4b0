"""Whatever a card answers, the profile raises only its own error type and never hangs."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import id_number as idn
from drivers.channel import CardChannel
from drivers.errors import CardError
from drivers.identity import Identity
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.ssc_profile import SocialSecurityCardProfile

NUMBER = idn.with_check_character("44528119520708131")
MAX_APDUS = 9 * 2 + 16 * 9 + 10  # 6Cxx resends + bounded GET RESPONSE rounds, with margin

status_words = (
    st.sampled_from(
        [b"\x90\x00", b"\x6a\x82", b"\x6a\x83", b"\x69\x82", b"\x6d\x00", b"\x63\xc2", b"\x67\x00"]
    )
    | st.builds(lambda sw2: bytes([0x61, sw2]), st.integers(0, 255))
    | st.builds(lambda sw2: bytes([0x6C, sw2]), st.integers(0, 255))
    | st.binary(min_size=2, max_size=2)
)

# Plausible TLV answers with garbage inside, raw noise, and truncated frames.
responses = st.one_of(
    st.builds(
        lambda tag, length, value, sw: bytes([tag, length]) + value + sw,
        st.integers(0, 255),
        st.integers(0, 255),
        st.binary(max_size=40),
        status_words,
    ),
    st.builds(lambda data, sw: data + sw, st.binary(max_size=64), status_words),
    st.binary(max_size=3),
)


def answer_with(generated: list[bytes], honest: EmulatedSocialSecurityCard, mix: list[bool]):
    """Per APDU: a generated answer, or (when `mix` says so) the honest card's."""
    calls = {"n": 0}

    def transmit(apdu: bytes) -> bytes:
        n = calls["n"]
        calls["n"] += 1
        assert n < MAX_APDUS, "the profile kept talking: it would hang on a real card"
        if n < len(mix) and mix[n]:
            return honest.process(apdu)
        return generated[n % len(generated)] if generated else b""

    return transmit


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    generated=st.lists(responses, min_size=0, max_size=30),
    mix=st.lists(st.booleans(), max_size=30),
)
def test_generated_responses_raise_only_card_errors(generated, mix):
    honest = EmulatedSocialSecurityCard(SocialSecurityCardData("王䶮", NUMBER))
    channel = CardChannel(answer_with(generated, honest, mix))
    try:
        identity = SocialSecurityCardProfile().read_identity(channel)
    except CardError:
        return
    # Anything accepted must still be a plausible, checked identity.
    assert isinstance(identity, Identity)
    assert idn.is_valid(identity.id_number)
    assert identity.name and identity.sex in ("1", "2")
    assert isinstance(identity.birth_date, dt.date)
