"""The SAM ID-card reader driver against the emulated reader on a real pseudo-terminal,
opened through pyserial like /dev/ttyUSB0: every card kind, every fault, unplug/replug,
one session per placement, no photo and no address kept, the parser under hypothesis."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import pickle
import queue
import select
import threading
import time
import tty

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import id_number as idn
from drivers.errors import (
    BadFrame,
    CardError,
    CardNotResponding,
    CardRemoved,
    NoCard,
    NoReader,
    ReaderBusy,
    SamError,
)
from drivers.events import CardEvent
from drivers.pcsc.service import (  # the PC/SC service's own event types, by their old path
    CardFailed,
    CardIdentified,
    CardInserted,
    CardLeft,
    ReadersChanged,
)
from drivers.sam.frames import (
    FIND_CARD,
    READ_TEXT_PHOTO,
    SAM_STATUS,
    SELECT_CARD,
    answer_frame,
)
from drivers.sam.port import READ_SLICE_S, SamPort
from drivers.sam.service import (
    SAM_DEVICE_THREAD_NAME,
    SamReaderService,
    probe_reader,
    read_card_once,
)
from drivers.simulated import sam_holder
from drivers.simulated.sam_card import PHOTO_MARKER, PHOTO_SIZE, sam_card
from drivers.simulated.sam_reader import SamReaderEmulator
from tests.helpers.waiting import wait_for

RESIDENT = idn.with_check_character("44528119520708131")
MINORITY = idn.with_check_character("65010219800101002")
HONG_KONG = idn.with_check_character("81000019850315123")
PERMIT = "CAN110075052015"
LONG_MINORITY_NAME = "阿依古丽·买买提艾力·吐尔逊江"
ADDRESS = "广东省清远市连南瑶族自治县三江镇示范村一号"
POLL_S = 0.03
RECONNECT_S = 0.1


class EventLog:
    """The listener: queues events and records which thread delivered each."""

    def __init__(self) -> None:
        self.events: queue.Queue[CardEvent] = queue.Queue()
        self.seen: list[CardEvent] = []
        self.threads: set[str] = set()

    def __call__(self, event: CardEvent) -> None:
        self.threads.add(threading.current_thread().name)
        self.seen.append(event)
        self.events.put(event)

    def next(self, kind, timeout=3.0, where=lambda event: True):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {kind.__name__} within {timeout} s; saw {self.seen}"
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if isinstance(event, kind) and where(event):
                return event

    def none_within(self, kinds, seconds):
        """Fail if an event of `kinds` comes within `seconds`."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                return
            assert not isinstance(event, kinds), f"unexpected {event}"


@pytest.fixture
def emulator(sam_reader):
    return sam_reader


@pytest.fixture
def run_service(emulator):
    started = []

    def start(**options) -> EventLog:
        log = EventLog()
        defaults = dict(
            poll_interval_s=POLL_S, reconnect_interval_s=RECONNECT_S, read_timeout_s=1.0
        )
        service = SamReaderService(emulator.port, log, **(defaults | options))
        service.start()
        started.append(service)
        return log

    yield start
    for service in started:
        service.stop()


def _identified(log: EventLog, timeout: float = 3.0):
    return log.next(CardIdentified, timeout).identity


# -- each card kind --------------------------------------------------------------------------


def test_resident_id_card_with_a_rare_character_and_long_term_validity(emulator, run_service):
    log = run_service()
    ready = log.next(ReadersChanged)
    assert ready.state == "ready" and ready.readers == (f"SAM {emulator.port}",)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT, valid_to="长期"))
    inserted = log.next(CardInserted)
    event = log.next(CardIdentified)
    identity = event.identity
    assert (identity.name, identity.id_number, identity.sex) == ("王䶮", RESIDENT, "1")
    assert identity.birth_date == dt.date(1952, 7, 8)
    assert identity.card_kind == "resident_id" and identity.valid_until == "long_term"
    assert event.detected_at == inserted.detected_at <= event.identified_at
    assert event.apdus_sent == 3  # find, select, read
    assert log.threads == {SAM_DEVICE_THREAD_NAME}  # never the PC/SC "device" thread


def test_a_fifteen_character_minority_name_with_the_middle_dot(emulator, run_service):
    log = run_service()
    emulator.place(sam_card("resident-id", LONG_MINORITY_NAME, MINORITY, valid_to="20310501"))
    identity = _identified(log)
    assert identity.name == LONG_MINORITY_NAME and len(identity.name) == 15
    assert identity.sex == "2" and identity.valid_until == dt.date(2031, 5, 1)


def test_hkmt_residence_permit(emulator, run_service):
    log = run_service()
    card = sam_card("hkmt", "陈大文", HONG_KONG)
    emulator.place(card)
    identity = _identified(log)
    assert identity.card_kind == "residence_permit_hkmt"
    assert identity.id_number == HONG_KONG and identity.card_number == card.pass_number


def test_foreign_permanent_resident_card(emulator, run_service):
    log = run_service()
    emulator.place(
        sam_card(
            "foreign",
            "SMITH, JOHN",
            PERMIT,
            nationality="GBR",
            birth_date=dt.date(1975, 5, 20),
            valid_to=dt.date(2027, 8, 31),
        )
    )
    identity = _identified(log)
    assert identity.card_kind == "foreign_permanent_resident"
    assert (identity.name_en, identity.nationality, identity.id_number) == (
        "SMITH, JOHN",
        "GBR",
        PERMIT,
    )
    assert identity.birth_date == dt.date(1975, 5, 20)
    assert identity.valid_until == dt.date(2027, 8, 31)


# -- placements --------------------------------------------------------------------------------


def test_one_session_per_placement(emulator, run_service):
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    _identified(log)
    # Left on the reader for 20 polls: confirmed, never read again, nothing reported.
    finds = emulator.commands[FIND_CARD]
    log.none_within((CardInserted, CardIdentified, CardFailed, CardLeft), 20 * POLL_S)
    assert emulator.commands[FIND_CARD] > finds
    assert emulator.commands[READ_TEXT_PHOTO] == 1
    emulator.lift()
    log.next(CardLeft)
    emulator.place(sam_card("resident-id", LONG_MINORITY_NAME, MINORITY))
    assert _identified(log).name == LONG_MINORITY_NAME
    assert emulator.commands[READ_TEXT_PHOTO] == 2
    kinds = [type(event).__name__ for event in log.seen if not isinstance(event, ReadersChanged)]
    assert kinds == [
        "CardInserted",
        "CardIdentified",
        "CardLeft",
        "CardInserted",
        "CardIdentified",
    ]


def test_a_card_laid_over_another_is_a_new_placement(emulator, run_service):
    """The demo panel and `kiosk card insert` swap cards without a lift in between: the
    kiosk must see the first card leave and read the second, not keep the first session."""
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    _identified(log)
    emulator.place(sam_card("hkmt", "陈大文", HONG_KONG))
    log.next(CardLeft)
    assert _identified(log).card_kind == "residence_permit_hkmt"


def test_polling_waits_for_each_answer_and_the_interval(emulator, run_service):
    run_service(poll_interval_s=0.1)
    finds = emulator.commands[FIND_CARD]
    threading.Event().wait(1.0)  # measuring a rate: a fixed span is the point here
    polled = emulator.commands[FIND_CARD] - finds
    assert 5 <= polled <= 11  # ~one find per 100 ms, not a flood


def test_no_card(emulator, run_service):
    with pytest.raises(NoCard, match="no card") as caught:
        read_card_once(emulator.port, timeout_s=1.0)
    assert caught.value.kind == "no_card"
    log = run_service()
    log.next(ReadersChanged)
    log.none_within((CardInserted, CardFailed), 10 * POLL_S)
    emulator.profile = "no-card"  # a card lies there, the reader finds none
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    log.none_within((CardInserted, CardFailed), 10 * POLL_S)


# -- faults ------------------------------------------------------------------------------------


def test_bad_checksum(emulator, run_service):
    emulator.profile = "bad-checksum"
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    with pytest.raises(BadFrame, match="checksum"):
        read_card_once(emulator.port)
    emulator.lift()
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    error = log.next(CardFailed).error
    assert isinstance(error, BadFrame) and "XOR checksum" in str(error)
    assert error.kind == "card_not_responding"


def test_truncated_frame(emulator, run_service):
    emulator.profile = "truncated"
    log = run_service(read_timeout_s=0.5)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    inserted = log.next(CardInserted)
    failed = log.next(CardFailed)
    assert isinstance(failed.error, BadFrame)
    assert "truncated answer to read text + photo: 647 of 1295 bytes" in str(failed.error)
    assert time.monotonic() - inserted.detected_at < 0.5 + 0.5


def test_unknown_status_code(emulator, run_service):
    emulator.profile = "unknown-status"
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    error = log.next(CardFailed).error
    assert isinstance(error, SamError) and error.kind == "sam_error"
    assert str(error) == "status 5A to read text + photo: not defined by GA/T 467"


def test_a_silent_reader_is_reported_within_the_timeout(emulator, run_service):
    emulator.profile = "silent"
    started = time.monotonic()
    with pytest.raises(CardNotResponding, match="no answer to SAM status within 0.40 s"):
        read_card_once(emulator.port, timeout_s=0.4)
    assert time.monotonic() - started < 0.4 + 0.3
    log = run_service(answer_timeout_s=0.3)
    state = log.next(ReadersChanged)
    assert state.state == "reader_not_responding" and "no answer" in state.detail
    emulator.profile = "normal"  # it wakes up: the service finds it by itself
    assert log.next(ReadersChanged, 3.0).state == "ready"


def test_a_read_that_never_answers_fails_within_read_timeout(emulator, run_service):
    emulator.profile = "silent-read"
    log = run_service(read_timeout_s=0.6)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    inserted = log.next(CardInserted)
    failed = log.next(CardFailed)
    took = time.monotonic() - inserted.detected_at
    assert isinstance(failed.error, CardNotResponding) and "within" in str(failed.error)
    assert 0.55 <= took < 0.6 + 0.3


def test_a_sam_fault_is_a_reader_state(emulator, run_service):
    emulator.profile = "sam-fault"
    with pytest.raises(SamError, match="status 60 to SAM status: SAM self-check failed"):
        probe_reader(emulator.port)
    log = run_service()
    state = log.next(ReadersChanged)
    assert state.state == "sam_error" and "self-check" in state.detail
    emulator.profile = "normal"  # the SAM recovers (reset, re-seated): ready by itself
    assert log.next(ReadersChanged, 3.0).state == "ready"


def test_the_device_removed_and_re_created_reads_again_without_restart(emulator, run_service):
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    _identified(log)
    emulator.unplug()
    assert not os.path.lexists(emulator.port)
    log.next(CardLeft)  # the card went with the reader, as far as the kiosk can tell
    gone = log.next(ReadersChanged)
    assert gone.state == "no_reader" and gone.readers == ()
    emulator.start()  # plugged back: a new pty behind the same path
    assert os.path.exists(emulator.port)  # the link points at the new pty
    assert log.next(ReadersChanged, 3.0).state == "ready"
    identity = _identified(log)  # the card still lying there is a new placement
    assert identity.name == "王䶮"
    states = [e.state for e in log.seen if isinstance(e, ReadersChanged)]
    assert states[0] == "ready" and states[-1] == "ready" and "no_reader" in states


def test_a_missing_port_at_start_then_plugged_in(tmp_path):
    log = EventLog()
    path = tmp_path / "ttyLATER"
    service = SamReaderService(str(path), log, reconnect_interval_s=RECONNECT_S)
    service.start()
    try:
        state = log.next(ReadersChanged)
        assert state.state == "no_reader" and "No such file" in state.detail
        with SamReaderEmulator(path) as late:
            assert log.next(ReadersChanged, 3.0).state == "ready"
            late.place(sam_card("hkmt", "陈大文", HONG_KONG))
            assert _identified(log).card_kind == "residence_permit_hkmt"
    finally:
        service.stop()


def test_the_port_is_held_exclusively(emulator, run_service):
    log = run_service()
    log.next(ReadersChanged)
    with pytest.raises(ReaderBusy, match="in use"):
        read_card_once(emulator.port)


def test_stop_is_prompt_even_in_a_long_read(emulator):
    emulator.profile = "silent-read"
    log = EventLog()
    service = SamReaderService(emulator.port, log, poll_interval_s=POLL_S, read_timeout_s=30)
    service.start()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    log.next(CardInserted)
    started = time.monotonic()
    service.stop()
    assert time.monotonic() - started < 0.5
    assert not any(t.name == SAM_DEVICE_THREAD_NAME for t in threading.enumerate())


# -- personal data ---------------------------------------------------------------------------


def _blobs(value, found, depth=0):
    """Every bytes-like value reachable from an event (dataclass fields, nested)."""
    if isinstance(value, bytes | bytearray | memoryview):
        found.append(bytes(value))
    elif dataclasses.is_dataclass(value) and depth < 5:
        for field in dataclasses.fields(value):
            _blobs(getattr(value, field.name), found, depth + 1)
    elif isinstance(value, BaseException) and depth < 5:
        for arg in value.args:
            _blobs(arg, found, depth + 1)
    return found


def test_the_photo_is_never_kept(emulator, run_service, caplog):
    caplog.set_level(logging.DEBUG)
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    identity = _identified(log)
    emulator.profile = "bad-checksum"  # a failed read holds the photo too
    emulator.lift()
    log.next(CardLeft)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    log.next(CardFailed)
    assert emulator.reads_answered == 2  # two 1024-byte photos went over the line
    for event in [identity, *log.seen]:
        assert not [blob for blob in _blobs(event, []) if len(blob) >= PHOTO_SIZE]
        assert PHOTO_MARKER not in pickle.dumps(event)
    assert PHOTO_MARKER.decode() not in caplog.text


def test_no_personal_data_in_events_or_logs_and_no_address_unless_asked(
    emulator, run_service, caplog
):
    caplog.set_level(logging.DEBUG)
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT, address=ADDRESS))
    identity = _identified(log)
    assert identity.address is None
    emulator.profile = "unknown-status"
    emulator.lift()
    log.next(CardLeft)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT, address=ADDRESS))
    log.next(CardFailed)
    texts = [repr(event) for event in log.seen]
    texts += [str(event.error) for event in log.seen if isinstance(event, CardFailed)]
    for secret in ("䶮", RESIDENT, ADDRESS, "三江镇"):
        assert secret not in caplog.text
        assert not any(secret in text for text in texts)
    assert ADDRESS.encode("utf-8") not in pickle.dumps(log.seen)


def test_the_address_when_a_service_asks_for_it(emulator, run_service):
    log = run_service(keep_address=True)
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT, address=ADDRESS))
    identity = _identified(log)
    assert identity.address == ADDRESS
    assert "三江" not in repr(identity)


# -- doctor, one-shot read, holder process ------------------------------------------------------


def test_probe_names_the_sam_masked(emulator):
    probe = probe_reader(emulator.port)
    assert probe.sam_id_masked.endswith(emulator.sam_id.hex().upper()[-4:])
    assert emulator.sam_id.hex().upper()[:8] not in probe.sam_id_masked
    with pytest.raises(NoReader):
        probe_reader(emulator.port + "-missing")


def test_one_shot_read(emulator):
    emulator.place(sam_card("foreign", "SMITH, JOHN", PERMIT))
    reader, identity, frames = read_card_once(emulator.port)
    assert reader == f"SAM {emulator.port}" and frames == 4  # status, find, select, read
    assert identity.name_en == "SMITH, JOHN"


def test_the_holder_process_keeps_the_reader_and_takes_cards(tmp_path):
    link, control = tmp_path / "ttySAM", tmp_path / "sam-reader.json"
    pid = sam_holder.start_holder(link, control)
    try:
        assert pid != os.getpid() and os.path.islink(link)
        with pytest.raises(NoCard):
            read_card_once(str(link))
        sam_holder.place_card(control, sam_card("hkmt", "陈大文", HONG_KONG))
        deadline = time.monotonic() + 3
        while True:  # the holder applies the control file within ~20 ms
            try:
                _, identity, _ = read_card_once(str(link))
                break
            except NoCard:
                assert time.monotonic() < deadline, "the holder never placed the card"
                threading.Event().wait(0.02)
        assert identity.card_kind == "residence_permit_hkmt"
        assert oct(control.stat().st_mode & 0o777) == "0o600"
        sam_holder.set_plugged(control, False)
        deadline = time.monotonic() + 3
        while os.path.lexists(link):
            assert time.monotonic() < deadline, "the holder never unplugged"
            threading.Event().wait(0.02)
        sam_holder.set_plugged(control, True)
        sam_holder.set_profile(control, "sam-fault")
        deadline = time.monotonic() + 3
        while not os.path.lexists(link):
            assert time.monotonic() < deadline, "the holder never plugged back"
            threading.Event().wait(0.02)
        with pytest.raises(SamError):
            read_card_once(str(link))
    finally:
        assert sam_holder.stop_holder(control)
    assert not os.path.lexists(link)


def test_a_damaged_control_file_does_not_unplug_the_holders_reader(tmp_path):
    link, control = tmp_path / "ttySAM", tmp_path / "sam-reader.json"
    sam_holder.start_holder(link, control)
    try:
        control.write_text("{not json", encoding="utf-8")
        log_file = control.with_suffix(".log")
        wait_for(lambda: "control file ignored" in log_file.read_text(), 3, "the holder's note")
        sam_holder.pid_path(control).stat()  # the holder still runs ...
        with pytest.raises(NoCard):
            read_card_once(str(link))  # ... and its reader still answers
        sam_holder.write_control(control, sam_holder.HolderControl())
        sam_holder.place_card(control, sam_card("resident-id", "王䶮", RESIDENT))
        deadline = time.monotonic() + 3
        while True:
            try:
                _, identity, _ = read_card_once(str(link))
                break
            except NoCard:
                assert time.monotonic() < deadline, "the holder stopped taking cards"
                threading.Event().wait(0.02)
        assert identity.name == "王䶮"
    finally:
        sam_holder.stop_holder(control)


def test_control_writes_from_many_threads_never_tear(tmp_path):
    control = tmp_path / "sam-reader.json"
    cards = [sam_card("resident-id", "王䶮", RESIDENT), None]
    errors = []

    def write(index: int) -> None:
        try:
            for _ in range(50):
                state = sam_holder.HolderControl(card=cards[index % 2], placement=index)
                sam_holder.write_control(control, state)
                sam_holder.read_control(control)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["sam-reader.json"]  # no temporaries left


# -- the frame parser under hypothesis, through the real pty -----------------------------------


class RawReader:
    """A pty whose 'reader' answers each command with whatever bytes the test says."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.slave = slave
        self.path = os.ttyname(slave)
        self.answer = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    os.read(self.master, 4096)
                    os.write(self.master, self.answer)
                except OSError:
                    return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture(scope="module")
def raw_reader():
    reader = RawReader()
    port = SamPort(reader.path)
    port.open()
    yield reader, port
    port.close()
    reader.close()


answers = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda body: bytes.fromhex("AAAAAA9669") + body, st.binary(max_size=40)),
    st.builds(
        lambda sw3, data, cut: answer_frame(sw3, data)[: 7 + len(data) + 4 - cut],
        st.integers(0, 255),
        st.binary(max_size=40),
        st.integers(0, 6),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answer=answers)
def test_whatever_the_line_carries_only_card_errors_escape_in_bounded_time(raw_reader, answer):
    reader, port = raw_reader
    reader.answer = answer
    started = time.monotonic()
    try:
        response = port.transact(SAM_STATUS, 0.1)
    except CardError:
        pass
    else:
        assert answer.startswith(answer_frame(response.sw3, bytes(response.data)))
    # The timeout, one read slice, and slack for a loaded 2-core machine: never a hang.
    assert time.monotonic() - started < 0.1 + READ_SLICE_S + 0.35


def test_removal_mid_read_is_told_from_a_stuck_card(emulator, run_service):
    """Select fails because the card went: CardRemoved; select fails with it there: stuck."""
    log = run_service()
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    _identified(log)
    emulator.lift()
    log.next(CardLeft)
    # A reader that lost the card between find and select answers 81; our one find-card
    # afterwards sees it gone.
    original = emulator._reply

    def find_then_gone(command):
        reply = original(command)
        if command == FIND_CARD and reply == answer_frame(0x9F, bytes(4)):
            emulator.lift()
        return reply

    emulator._reply = find_then_gone
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    failed = log.next(CardFailed)
    assert isinstance(failed.error, CardRemoved) and failed.error.kind == "card_removed"
    log.next(CardLeft)
    # Select refused with the card still there (badly placed, damaged): not "removed".
    emulator._reply = lambda command: (
        answer_frame(0x81) if command == SELECT_CARD else original(command)
    )
    emulator.place(sam_card("resident-id", "王䶮", RESIDENT))
    failed = log.next(CardFailed)
    assert type(failed.error).__name__ == "CardSideFailure"
    assert failed.error.kind == "card_not_responding" and "status 81" in str(failed.error)
    log.none_within((CardLeft, CardInserted), 10 * POLL_S)  # still there: no new session


def test_a_late_answer_is_never_taken_for_the_next_one(raw_reader):
    """An answer that arrived after its command timed out is flushed, not read as the
    answer to the next command."""
    reader, port = raw_reader
    stale = answer_frame(0x41)  # e.g. the read that failed after we gave up on it
    os.write(reader.master, stale)
    deadline = time.monotonic() + 2
    while port._serial.in_waiting < len(stale):
        assert time.monotonic() < deadline, "the stale answer never reached the port"
        threading.Event().wait(0.005)
    reader.answer = answer_frame(0x90)
    assert port.transact(SAM_STATUS, 0.5).sw3 == 0x90
