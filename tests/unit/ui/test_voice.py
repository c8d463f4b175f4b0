"""Voice guidance through a recording voice backend, and real espeak-ng audio."""

import io
import re
import subprocess
import wave

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
