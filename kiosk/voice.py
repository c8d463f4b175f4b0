"""Voice guidance: every screen speaks its prompt, offline, in Mandarin, Cantonese or English.

`Speaker` holds the villager's volume and rate (reset for each new villager) and guards
what is said: long digit runs (ID numbers, card numbers, PINs) are never spoken. The
voices are backends behind one small contract, Electrum-style:

- `EspeakVoice`: espeak-ng in a child process, started and killed by a thread of its own,
  so speaking never blocks the GUI and the next tap can cut it off (kill the process).
- `RecordingVoice`: records what would be said, for tests.
- `SilentVoice`: no voice installed; the kiosk works silently and tells staff.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
from typing import Protocol
from xml.sax.saxutils import escape

from kiosk.text import Text

log = logging.getLogger(__name__)

ESPEAK_VOICES = {"zh": "cmn", "yue": "yue", "en": "en"}
VOLUME_LEVELS = (
    (Text("音量:小", "Volume: low"), 70),
    (Text("音量:中", "Volume: medium"), 120),
    (Text("音量:大", "Volume: high"), 190),
)
RATE_LEVELS = (
    (Text("语速:正常", "Speed: normal"), 160),
    (Text("语速:慢", "Speed: slow"), 115),
)
DEFAULT_VOLUME, DEFAULT_RATE = 1, 0
# A sound device idle between prompts (an HDA codec powering up, an HDMI sink locking on)
# drops the first few hundred ms it is sent, and with them the first syllable. Without a
# sound server to keep it open (VxSuite turned off PulseAudio's suspend-on-idle for this),
# each utterance starts with this much silence, so the silence is what gets lost.
LEAD_IN_MS = 300
# 6+ digits in a row (spaces allowed, optionally ending in X) is an ID, card or phone
# number, or a PIN: never read aloud. Tracking numbers are spoken in groups of four.
PRIVATE_DIGITS = re.compile(r"\d[\d ]{4,}\d[\dXx]?")


class Voice(Protocol):
    available: bool
    status: str

    def speak(self, text: str, language: str, rate: int, volume: int) -> None: ...

    def stop(self) -> None: ...

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Until what was asked is done (started, or cut off); False on the timeout."""
        ...


class SilentVoice:
    available = False

    def __init__(self, status: str = "no voice installed (espeak-ng missing)") -> None:
        self.status = status

    def speak(self, text: str, language: str, rate: int, volume: int) -> None:
        pass

    def stop(self) -> None:
        pass

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        return True


class RecordingVoice:
    """Records utterances instead of playing them: (language, text, rate, volume)."""

    available = True
    status = "recording (tests)"

    def __init__(self) -> None:
        self.utterances: list[tuple[str, str, int, int]] = []
        self.stops = 0

    def speak(self, text: str, language: str, rate: int, volume: int) -> None:
        self.utterances.append((language, text, rate, volume))

    def stop(self) -> None:
        self.stops += 1

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        return True

    @property
    def texts(self) -> list[str]:
        return [text for _, text, _, _ in self.utterances]


class EspeakVoice:
    """espeak-ng with the cmn, yue and en voices, one utterance at a time.

    The GUI thread only hands over what to say next: killing the last process, reaping it
    and starting the next cost ~1.3 ms and a wait on the child, paid on every screen.
    The speech thread does that, and only for the newest request (taps that come faster
    than processes start skip the utterances nobody would hear)."""

    def __init__(self, executable: str = "espeak-ng") -> None:
        self.executable = shutil.which(executable) or executable
        self.available = True
        self.status = "espeak-ng"
        self._process: subprocess.Popen | None = None  # the speech thread's alone
        self._request: list[str] | None = None  # the command to start next; [] = stop
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def speak(self, text: str, language: str, rate: int, volume: int) -> None:
        command = espeak_command(
            text, language, rate, "-a", str(volume), executable=self.executable
        )
        self._hand_over(command)

    def stop(self) -> None:
        self._hand_over([])

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Until the speech thread has acted on every request (shutdown, tests)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._request is None, timeout_s)

    @property
    def speaking_pid(self) -> int | None:
        """The espeak-ng process speaking now, if any."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _hand_over(self, request: list[str]) -> None:
        with self._changed:
            if request == [] and self._request is None and self._process is None:
                return  # nothing speaks and nothing will: a stop has nothing to do
            self._request = request
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._request is not None)
                request = self._request
            try:
                self._note_failure()
                self._kill()
                if request:
                    self._start(request)
            except Exception:  # noqa: BLE001 - the thread goes on with the next request;
                # staff see the status on the terminal page
                log.exception("speech thread")
                self.available = False
                self.status = "espeak-ng failed (see the log)"
            with self._changed:
                if self._request is request:  # else a newer one came meanwhile
                    self._request = None
                self._changed.notify_all()

    def _start(self, command: list[str]) -> None:
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as error:
            self.available = False
            self.status = f"espeak-ng cannot start: {error}"
            log.warning("voice unavailable: %s", self.status)

    def _note_failure(self) -> None:
        """A previous utterance that ended in error (no sound device): tell staff."""
        process = self._process
        # A positive code is espeak-ng's own failure; negative ones are our kills.
        if process is not None and (process.poll() or 0) > 0:
            self.status = f"espeak-ng exited {process.returncode} (no audio output?)"

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    @staticmethod
    def render_wav(text: str, language: str, rate: int = 160) -> bytes:
        """The audio espeak-ng makes for `text`, as WAV bytes (doctor and tests)."""
        result = subprocess.run(
            espeak_command(text, language, rate, "--stdout"),
            capture_output=True,
            check=True,
            timeout=30,
        )
        return result.stdout


def espeak_command(
    text: str, language: str, rate: int, *options: str, executable: str = "espeak-ng"
) -> list[str]:
    """espeak-ng speaking `text` after LEAD_IN_MS of silence. SSML, because espeak-ng drops a
    leading pause in plain text; it keeps a <break> that follows a lone comma."""
    ssml = f'<speak>,<break time="{LEAD_IN_MS}ms"/>{escape(text)}</speak>'
    voice = ESPEAK_VOICES.get(language, "cmn")
    return [executable, "-m", "-v", voice, "-s", str(rate), *options, "--", ssml]


def default_voice() -> Voice:
    if shutil.which("espeak-ng") is None:
        return SilentVoice()
    return EspeakVoice()


class Speaker:
    """What the villager hears: the current screen's prompt, in their language."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.volume_level = DEFAULT_VOLUME
        self.rate_level = DEFAULT_RATE
        self.last: tuple[Text, str] | None = None

    def say(self, text: Text, language: str) -> None:
        self.last = (text, language)
        spoken = PRIVATE_DIGITS.sub("", text(language)).strip()
        if not spoken:
            return
        self.voice.speak(
            spoken, language, RATE_LEVELS[self.rate_level][1], VOLUME_LEVELS[self.volume_level][1]
        )

    def repeat(self) -> None:
        """再听一遍."""
        if self.last is not None:
            self.say(*self.last)

    def stop(self) -> None:
        self.voice.stop()

    def voice_idle(self, timeout_s: float) -> bool:
        """Until the voice has acted on what it was asked: at shutdown, so an utterance
        cut off is really gone."""
        return self.voice.wait_idle(timeout_s)

    def next_volume(self) -> Text:
        self.volume_level = (self.volume_level + 1) % len(VOLUME_LEVELS)
        self.repeat()
        return VOLUME_LEVELS[self.volume_level][0]

    def next_rate(self) -> Text:
        self.rate_level = (self.rate_level + 1) % len(RATE_LEVELS)
        self.repeat()
        return RATE_LEVELS[self.rate_level][0]

    def reset(self) -> None:
        """A new villager starts at the default volume and rate, hearing nothing old."""
        self.stop()
        self.volume_level = DEFAULT_VOLUME
        self.rate_level = DEFAULT_RATE
        self.last = None
