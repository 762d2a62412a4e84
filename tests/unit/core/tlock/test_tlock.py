"""The public tlock API against drand's published files, beacons and tlock-js output."""

from __future__ import annotations

import pytest

from capsule.core.errors import DecryptionError, FormatError, SignatureError, TamperError
from capsule.core.tlock import (
    QUICKNET,
    Backend,
    TlockHeader,
    age,
    armor,
    available_backends,
    decrypt,
    encrypt,
    get_backend,
    ibe,
    parse_stanza,
)

from .conftest import BEACONS, DATA, HELLO, HELLO_ROUND, VECTORS

HELLO_TEXT = HELLO.read_bytes()
HELLO_BINARY = armor.dearmor(HELLO_TEXT)
SIG = BEACONS[HELLO_ROUND]


def test_published_quicknet_file_decrypts(backend: Backend) -> None:
    assert decrypt(HELLO_TEXT, SIG, backend=backend) == b"hello world"


def test_binary_form_decrypts_too(fast: Backend) -> None:
    assert decrypt(HELLO_BINARY, SIG, backend=fast) == b"hello world"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["file"])
def test_every_published_file_parses_to_its_round_and_chain(vector: dict) -> None:
    header = parse_stanza((DATA / vector["file"]).read_bytes())
    assert header == TlockHeader(vector["round"], bytes.fromhex(vector["chain_hash"]))


def test_the_lorem_testnet_file_has_a_multiline_header() -> None:
    file = age.parse(armor.dearmor((DATA / "tle_quicknet-t_r5423142_lorem.age").read_bytes()))
    assert len(file.stanzas) == 1 and len(file.stanzas[0].body) == ibe.CIPHERTEXT_SIZE
    # One chunk: nonce, the text (lorem.txt with its final newline), tag.
    assert len(file.payload) - 16 - 16 == len((DATA / "lorem.txt").read_bytes())


@pytest.mark.parametrize("name", ["tlockjs_quicknet-t_r1624910_interop.age",
                                  "tle_quicknet-t_r5423142_lorem.age"])
def test_a_file_for_another_chain_is_refused_before_any_curve_work(name: str) -> None:
    with pytest.raises(FormatError, match="is for chain cc9c3984.*not quicknet 52db9ba7"):
        decrypt((DATA / name).read_bytes(), SIG)


def test_another_rounds_signature_is_refused(backend: Backend) -> None:
    with pytest.raises(SignatureError, match=f"quicknet round {HELLO_ROUND}"):
        decrypt(HELLO_TEXT, BEACONS[1000], backend=backend)


def test_a_flipped_signature_bit_is_refused(fast: Backend) -> None:
    with pytest.raises(SignatureError):
        decrypt(HELLO_TEXT, bytes([SIG[0]]) + bytes([SIG[1] ^ 1]) + SIG[2:], backend=fast)


def test_nothing_is_decrypted_with_an_unverified_beacon(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: object) -> bytes:
        raise AssertionError("ibe.decrypt ran with an unverified beacon")

    monkeypatch.setattr(ibe, "decrypt", must_not_run)
    with pytest.raises(SignatureError):
        decrypt(HELLO_TEXT, BEACONS[1000])


def test_round_trip_at_round_1000(backend: Backend) -> None:
    data = encrypt(b"opening secret", 1000, backend=backend)
    assert parse_stanza(data) == TlockHeader(1000, QUICKNET.chain_hash)
    assert data.startswith(armor.BEGIN + b"\n")
    assert decrypt(data, BEACONS[1000], backend=backend) == b"opening secret"


@pytest.mark.parametrize(("writer", "reader"), [("pyecc", "arkworks"), ("arkworks", "pyecc")])
def test_cross_backend_round_trip(writer: str, reader: str) -> None:
    if reader not in available_backends() or writer not in available_backends():
        pytest.skip("needs both backends")
    data = encrypt(b"x" * 100, 1000, armor=False, backend=get_backend(writer))
    assert decrypt(data, BEACONS[1000], backend=get_backend(reader)) == b"x" * 100


def test_ibe_is_deterministic_given_sigma_and_equal_across_backends() -> None:
    key, sigma = bytes(range(16)), bytes(range(16, 32))
    outputs = {ibe.encrypt(get_backend(n), QUICKNET.public_key, 1000, key, sigma=sigma)
               for n in available_backends()}
    assert len(outputs) == 1
    assert ibe.decrypt(get_backend(), BEACONS[1000], outputs.pop()) == key


def test_a_fresh_file_opens_only_with_its_own_rounds_beacon(fast: Backend) -> None:
    data = encrypt(b"secret", HELLO_ROUND, backend=fast)
    assert decrypt(data, SIG, backend=fast) == b"secret"
    with pytest.raises(SignatureError):
        decrypt(encrypt(b"secret", 1000, backend=fast), SIG, backend=fast)


# --- tampering and malformed files ---------------------------------------------------------

def rebuild(body: bytes) -> bytes:
    """The hello-world file with another stanza body (and so a header MAC that cannot match)."""
    file = age.parse(HELLO_BINARY)
    stanza = age.Stanza("tlock", file.stanzas[0].args, body)
    return age.encode_header([stanza]) + b" " + age.b64_raw(file.mac) + b"\n" + file.payload


@pytest.mark.parametrize(("offset", "errors"), [
    (0, (FormatError,)),  # flag byte of U: no longer a compressed point
    (50, (FormatError, DecryptionError)),  # x of U: usually no point, else the FO check fails
    (96, (DecryptionError,)),  # V
    (127, (DecryptionError,)),  # W
])
def test_a_changed_stanza_body_is_refused(fast: Backend, offset: int, errors: tuple) -> None:
    body = bytearray(age.parse(HELLO_BINARY).stanzas[0].body)
    body[offset] ^= 0x80 if offset == 0 else 1
    with pytest.raises(errors):
        decrypt(rebuild(bytes(body)), SIG, backend=fast)


def test_a_changed_header_mac_is_refused(fast: Backend) -> None:
    file = age.parse(HELLO_BINARY)
    mac = bytes([file.mac[0] ^ 1]) + file.mac[1:]
    data = file.header + b" " + age.b64_raw(mac) + b"\n" + file.payload
    with pytest.raises(TamperError, match="header mac does not match"):
        decrypt(data, SIG, backend=fast)


def test_a_changed_payload_is_refused(fast: Backend) -> None:
    data = bytearray(HELLO_BINARY)
    data[-1] ^= 1
    with pytest.raises(DecryptionError, match="chunk 0 fails authentication"):
        decrypt(bytes(data), SIG, backend=fast)


def test_every_truncation_is_refused(fast: Backend) -> None:
    # Cuts in the header fail to parse; cuts in the payload cost a verification and an IBE
    # decryption each, so py_ecc alone (0.3 s each) tries every fifth.
    step = 1 if fast.name == "arkworks" else 5
    for text, payload_at in ((HELLO_BINARY, len(HELLO_BINARY) - 43),
                             (HELLO_TEXT[:-1], HELLO_TEXT.index(b"\n", 300))):
        for cut in [*range(payload_at), *range(payload_at, len(text), step)]:
            with pytest.raises((FormatError, DecryptionError)):
                decrypt(text[:cut], SIG, backend=fast)


def tlock_file(*stanzas: age.Stanza) -> bytes:
    return age.seal(list(stanzas), bytes(16), b"x")


BODY = age.parse(HELLO_BINARY).stanzas[0].body
HASH = QUICKNET.chain_hash.hex()


def tlock_args(*args: str) -> bytes:
    return tlock_file(age.Stanza("tlock", args, BODY))


BAD_ARGS = "malformed tlock stanza arguments"


@pytest.mark.parametrize(("data", "message"), [
    (tlock_file(age.Stanza("X25519", ("abc",), b"")), "expected one tlock stanza, found 0"),
    (tlock_file(age.Stanza("tlock", ("1000", HASH), BODY), age.Stanza("tlock", ("1", HASH), BODY)),
     "expected one tlock stanza, found 2"),
    (tlock_args("01000", HASH), BAD_ARGS),
    (tlock_args("0", HASH), BAD_ARGS),
    (tlock_args("-1", HASH), BAD_ARGS),
    (tlock_args(str(2**64), HASH), BAD_ARGS),
    (tlock_args("1000", HASH.upper()), BAD_ARGS),
    (tlock_args("1000", HASH[:-2]), BAD_ARGS),
    (tlock_args("1000"), BAD_ARGS),
    (tlock_args("1000", HASH, "x"), BAD_ARGS),
    (b"garbage", "armor: invalid first line"),
])
def test_malformed_tlock_stanzas_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_stanza(data)


def test_a_short_stanza_body_is_refused(fast: Backend) -> None:
    data = tlock_file(age.Stanza("tlock", ("1000", HASH), BODY[:-1]))
    with pytest.raises(FormatError, match="tlock stanza body must be 128 bytes, got 127"):
        decrypt(data, BEACONS[1000], backend=fast)


def test_other_stanzas_beside_the_tlock_one_are_ignored(fast: Backend) -> None:
    # age files may carry other recipients (or grease); the tlock stanza is found among them.
    key = bytes(range(16))
    tlock = age.Stanza("tlock", ("1000", HASH), ibe.encrypt(fast, QUICKNET.public_key, 1000, key))
    data = age.seal([age.Stanza("X25519", ("abc",), b"\0"), tlock], key, b"hi")
    assert parse_stanza(data) == TlockHeader(1000, QUICKNET.chain_hash)
    assert decrypt(data, BEACONS[1000], backend=fast) == b"hi"
