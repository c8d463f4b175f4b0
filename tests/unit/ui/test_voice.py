"""Voice guidance through a recording voice backend, and real espeak-ng audio."""

import io
import re
import subprocess
import threading
import wave
from pathlib import Path

import pytest

from kiosk.voice import (
    ESPEAK_VOICES,
    LEAD_IN_MS,
    PRIVATE_DIGITS,
    EspeakVoice,
    RecordingVoice,
    Speaker,
)
from tests.helpers.kiosk_ui import choose_service, insert_card_event, make_window, tap
from tests.helpers.waiting import wait_for
from ui.tour import ELDER, run_tour


@pytest.mark.parametrize("language", ["zh", "yue", "en"])
def test_every_screen_speaks_its_prompt_in_the_chosen_language(qtbot, tmp_path, language):
    voice = RecordingVoice()
    core, window = make_window(
        qtbot, tmp_path, voice=voice, backend_url="http://127.0.0.1:9", language=language
    )
    checked = []

    def check(stop: str) -> None:
        screen = window.stack.currentWidget()
        if window.showing("attractScreen", "staffScreen") or stop.startswith("verifier-waiting"):
            return  # attract waits silently; the staff screen never speaks
        expected = PRIVATE_DIGITS.sub("", screen.speech(language)).strip()
        if stop == "home-page-2":  # a page turn says which page it is (English wraps more)
            expected = window.home._page_text()(language)
        assert voice.utterances, stop
        spoken_language, text, _, _ = voice.utterances[-1]
        assert spoken_language == language, stop
        assert text == expected, stop
        checked.append(stop)

    run_tour(window, qtbot_app(), check)
    assert len(checked) >= 45
    everything = " ".join(voice.texts)
    assert ELDER.id_number not in everything and ELDER.name not in everything
    if language == "yue":
        assert "你嘅手機號碼" in everything  # Cantonese wording, not read-aloud Mandarin
    if language == "en":
        assert not re.search(r"[\u4e00-\u9fff]", everything)


def qtbot_app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def test_repeat_interrupt_and_a_fresh_volume_for_each_villager(qtbot, tmp_path):
    voice = RecordingVoice()
    core, window = make_window(qtbot, tmp_path, voice=voice)
    insert_card_event(core, ELDER)
    choose_service(qtbot, window, "pension_certification")
    prompt = voice.texts[-1]
    stops = voice.stops
    tap(qtbot, window, "nav_repeat")
    assert voice.texts[-1] == prompt and voice.stops > stops  # the tap cut it off first
    tap(qtbot, window, "nav_volume")
    tap(qtbot, window, "nav_rate")
    _, _, rate, volume = voice.utterances[-1]
    assert (rate, volume) == (115, 190)
    assert "音量:大" in window.nav.volume_button.text()
    core.end_session("card_left")
    insert_card_event(core, ELDER)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=3000)
    _, _, rate, volume = voice.utterances[-1]
    assert (rate, volume) == (160, 120)  # reset for the next villager
    assert "音量:中" in window.nav.volume_button.text()


def test_errors_are_spoken_and_long_digit_runs_never_are(qtbot, tmp_path):
    voice = RecordingVoice()
    core, window = make_window(qtbot, tmp_path, voice=voice)
    insert_card_event(core, ELDER)
    choose_service(qtbot, window, "progress_query")
    for digit in "123456789012345":
        tap(qtbot, window, f"key_{digit}")
    tap(qtbot, window, "answer_next")
    assert "办件编号有误" in voice.texts[-1]
    speaker = Speaker(voice)
    from kiosk.text import Text

    speaker.say(Text(f"身份证 {ELDER.id_number} 密码 246810", "x"), "zh")
    assert ELDER.id_number not in voice.texts[-1] and "246810" not in voice.texts[-1]


def samples_of(wav_bytes: bytes) -> tuple[memoryview, int]:
    """(16-bit samples, rate) of a WAV from espeak-ng --stdout. Its header is written before
    the audio, with a frame count of "as many as come": count the samples themselves."""
    with wave.open(io.BytesIO(wav_bytes)) as wav:
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    return memoryview(frames).cast("h"), rate


def audio_of(wav_bytes: bytes) -> tuple[float, int]:
    """(seconds, peak sample) of a 16-bit WAV from espeak-ng --stdout."""
    samples, rate = samples_of(wav_bytes)
    return len(samples) / rate, max(abs(s) for s in samples)


def first_sound_s(wav_bytes: bytes) -> float:
    samples, rate = samples_of(wav_bytes)
    return next(i for i, sample in enumerate(samples) if abs(sample) > 200) / rate


@pytest.mark.parametrize(
    "language, prompt",
    [
        ("zh", "请插入社保卡。"),
        ("yue", "請插入社保卡,跟住螢幕提示辦理。"),
        ("en", "Insert the card & go"),
    ],
)
def test_every_prompt_starts_with_silence_so_a_waking_sound_device_loses_no_syllable(
    language, prompt
):
    """Issue 16: the lead-in is in what espeak-ng plays (the same command as speak()), and
    the words still follow it."""
    lead_in = LEAD_IN_MS / 1000
    # 0.9: a vowel's onset rises through the loudness threshold a little after it starts.
    assert 0.9 * lead_in <= first_sound_s(EspeakVoice.render_wav(prompt, language)) < lead_in + 0.2
    seconds, peak = audio_of(EspeakVoice.render_wav(prompt, language))
    assert seconds > lead_in + 0.5 and peak > 1000
    # The control: espeak-ng left alone starts speaking at once, which is what gets clipped.
    plain = subprocess.run(
        ["espeak-ng", "-v", ESPEAK_VOICES[language], "--stdout", "--", prompt],
        capture_output=True,
        check=True,
    ).stdout
    assert first_sound_s(plain) < 0.1


@pytest.mark.parametrize(
    "language, prompt",
    [("zh", "请插入社保卡。"), ("yue", "請插入社保卡,跟住螢幕提示辦理。")],
)
def test_espeak_ng_makes_audio_for_mandarin_and_cantonese(language, prompt):
    seconds, peak = audio_of(EspeakVoice.render_wav(prompt, language))
    assert seconds > 0.8 and peak > 1000


def fake_espeak(tmp_path) -> Path:
    """An executable in espeak-ng's place: notes its pid and what it was asked to say, then
    speaks for 30 s (unless killed)."""
    script = tmp_path / "espeak-ng"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> {tmp_path / "said"}\nexec sleep 30\n')
    script.chmod(0o755)
    return script


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


def test_espeak_starts_and_cuts_off_on_its_own_thread(tmp_path):
    voice = EspeakVoice(str(fake_espeak(tmp_path)))
    said = tmp_path / "said"
    voice.speak("请刷卡", "zh", 160, 120)
    assert voice.wait_idle()
    first = voice.speaking_pid
    assert first is not None and alive(first)
    wait_for(lambda: said.exists() and "请刷卡" in said.read_text(), 5, "the first utterance")
    voice.speak("Please swipe", "en", 160, 120)  # the next screen cuts the last one off
    assert voice.wait_idle()
    second = voice.speaking_pid
    assert second not in (None, first) and alive(second) and not alive(first)
    voice.stop()
    assert voice.wait_idle()
    assert voice.speaking_pid is None and not alive(second)
    assert voice.available


def test_a_burst_of_screens_speaks_only_the_last_and_the_gui_never_waits(tmp_path):
    voice = EspeakVoice(str(fake_espeak(tmp_path)))
    gate = threading.Event()
    real_start = voice._start
    taken: list[str] = []  # what the speech thread took first: the latest when it woke
    voice._start = lambda command: (
        taken.append(" ".join(command)),
        gate.wait(10),
        real_start(command),
    )
    for n in range(50):  # the speech thread is stuck starting the first: the GUI goes on
        voice.speak(f"第{n}页", "zh", 160, 120)
    assert not voice.wait_idle(0.05)
    gate.set()
    assert voice.wait_idle()
    said = tmp_path / "said"
    wait_for(lambda: said.exists() and "第49页" in said.read_text(), 5, "the last utterance")
    lines = said.read_text().splitlines()
    spoken = {re.search(r"第\d+页", line)[0] for line in lines}
    first = re.search(r"第\d+页", taken[0])[0]
    # The one it took first (if it started before it was cut), then the last: none between.
    assert spoken <= {first, "第49页"}
    assert len(taken) <= 2
    voice.stop()
    assert voice.wait_idle()
    assert not [line for line in lines if alive(int(line.split()[0]))]


def test_a_stop_while_a_process_is_starting_still_cuts_it_off(tmp_path):
    """The villager taps (or the session ends) while espeak-ng is being started: the
    process that comes up is killed, whatever the order."""
    voice = EspeakVoice(str(fake_espeak(tmp_path)))
    gate = threading.Event()
    real_start = voice._start
    voice._start = lambda command: (gate.wait(10), real_start(command))
    voice.speak("您的电话号码", "zh", 160, 120)
    voice.stop()  # the speech thread is still inside the start
    gate.set()
    assert voice.wait_idle()
    said = tmp_path / "said"
    started = said.read_text().splitlines() if said.exists() else []
    assert voice.speaking_pid is None
    assert not [line for line in started if alive(int(line.split()[0]))]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # on purpose
def test_a_speech_thread_that_died_is_started_again(tmp_path):
    voice = EspeakVoice(str(fake_espeak(tmp_path)))
    real_start = voice._start

    def start_once_then_die(command):
        voice._start = real_start
        raise SystemExit  # not an Exception: the thread ends

    voice._start = start_once_then_die
    voice.speak("请刷卡", "zh", 160, 120)
    wait_for(lambda: not voice._thread.is_alive(), 5, "the speech thread to end")
    voice.speak("请放身份证", "zh", 160, 120)
    assert voice.wait_idle()
    said = tmp_path / "said"
    wait_for(lambda: said.exists() and "请放身份证" in said.read_text(), 5, "the next utterance")
    voice.stop()
    assert voice.wait_idle()


def test_espeak_that_cannot_start_leaves_the_kiosk_silent_and_says_why(tmp_path):
    voice = EspeakVoice(str(tmp_path / "no-such-espeak"))
    voice.speak("请刷卡", "zh", 160, 120)
    assert voice.wait_idle()
    assert not voice.available and "cannot start" in voice.status
