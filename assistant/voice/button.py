"""The button (gpiozero, or the Enter key in PC mode) and the optional status LED.

Buttons never act themselves: they put events into the daemon's event queue from gpiozero's (or
the keyboard reader's) thread, and the daemon's main loop decides what each means in its state
(docs/controls.md). Gestures: a press (PRESS, then RELEASE); a second press within
`double_press_seconds` of the first (REPEAT: say the last answer again), a third within as long
of the second (VOLUME: the volume mode); holding the button for `hold_seconds` (HOLD: where was
that answer found, or, while the assistant is busy, stop). In PC mode the keys are commands:
Enter is a press, "r" Enter a repeat, "w" Enter a where, "s" Enter a stop (CANCEL), "+" / "-"
Enter louder / quieter, and the end of input (Ctrl-D) stops the daemon.
gpiozero picks its pin factory itself (lgpio on the Pi 5; `GPIOZERO_PIN_FACTORY` overrides;
tests set `Device.pin_factory = MockFactory()`).
"""

from __future__ import annotations

import enum
import logging
import math
import queue
import sys
import threading
import time
from typing import TextIO

from assistant.config import ButtonConfig, LedConfig
from assistant.errors import SetupError

log = logging.getLogger(__name__)


class Event(enum.Enum):
    PRESS = "press"
    RELEASE = "release"
    REPEAT = "repeat"  # a double press, "r": say the last answer again
    WHERE = "where"  # "w": where was the last answer found
    HOLD = "hold"  # a held button: WHERE when idle, CANCEL when busy
    CANCEL = "cancel"  # "s": stop what is going on, quietly, and wait for the next press
    VOLUME = "volume"  # a triple press: the volume mode (presses make it louder or quieter)
    LOUDER = "louder"  # "+"
    QUIETER = "quieter"  # "-"
    STOP = "stop"  # the end of the daemon (Ctrl-D in PC mode)


# what the first, second and third of quick presses mean
QUICK_PRESSES = (Event.PRESS, Event.REPEAT, Event.VOLUME)


class GpioButton:
    """A push button between `pin` and ground (pull_up) or 3V3 (pull_up = false)."""

    def __init__(self, config: ButtonConfig, events: queue.Queue[Event]) -> None:
        try:
            from gpiozero import Button
            from gpiozero.exc import GPIOZeroError

            self._button = Button(
                config.pin,
                pull_up=config.pull_up,
                bounce_time=config.bounce_time or None,
                hold_time=config.hold_seconds,
            )
        except (ImportError, GPIOZeroError, OSError, RuntimeError) as err:
            raise SetupError(
                f"button on GPIO{config.pin} is not available ({err}); without GPIO use "
                "--button keyboard"
            ) from err
        self._events = events
        self._double_press_seconds = config.double_press_seconds
        self._last_press = -math.inf
        self._presses = 0  # presses in the current run of quick presses
        self._button.when_pressed = self._pressed
        self._button.when_released = lambda: events.put(Event.RELEASE)
        self._button.when_held = lambda: events.put(Event.HOLD)

    def _pressed(self) -> None:
        """PRESS, REPEAT or VOLUME: the first, second or third of quick presses."""
        now = time.monotonic()
        quick = now - self._last_press < self._double_press_seconds
        self._presses = self._presses + 1 if quick else 1
        self._last_press = now
        self._events.put(QUICK_PRESSES[self._presses - 1])
        if self._presses == len(QUICK_PRESSES):
            self._last_press = -math.inf  # a fourth press starts afresh

    def close(self) -> None:
        self._button.close()


KEYBOARD_COMMANDS = {
    "r": Event.REPEAT,
    "w": Event.WHERE,
    "s": Event.CANCEL,
    "+": Event.LOUDER,
    "-": Event.QUIETER,
}
KEYBOARD_HELP = (
    "Press Enter to ask a question (or to stop the answer), r Enter to hear the answer again, "
    "w Enter to hear where it was found, s Enter to stop, + Enter / - Enter for louder / "
    "quieter, Ctrl-D to quit."
)


class KeyboardButton:
    """PC mode: Enter is a press (and its release); "r", "w", "s", "+" and "-" Enter are the
    commands of `KEYBOARD_COMMANDS`; the end of input (Ctrl-D) stops the daemon."""

    def __init__(self, events: queue.Queue[Event], stream: TextIO = sys.stdin) -> None:
        self._events = events
        self._stream = stream
        threading.Thread(target=self._read, name="keyboard", daemon=True).start()
        print(KEYBOARD_HELP, file=sys.stderr)

    def _read(self) -> None:
        for line in self._stream:
            command = KEYBOARD_COMMANDS.get(line.strip().lower())
            if command is not None:
                self._events.put(command)
            else:
                self._events.put(Event.PRESS)
                self._events.put(Event.RELEASE)
        self._events.put(Event.STOP)

    def close(self) -> None:
        """The reader thread is a daemon thread blocked on input; it ends with the process."""


class StatusLed:
    """Shows the daemon state: idle off, listening on, thinking fast blink, speaking pulse (PWM)
    or on, error slow blink."""

    def __init__(self, config: LedConfig) -> None:
        try:
            from gpiozero import LED, PWMLED
            from gpiozero.exc import GPIOZeroError

            self._led = PWMLED(config.pin) if config.pwm else LED(config.pin)
        except (ImportError, GPIOZeroError, OSError, RuntimeError) as err:
            raise SetupError(f"led.pin: GPIO{config.pin} is not available ({err})") from err
        self._pwm = config.pwm

    def show(self, state: str) -> None:
        led = self._led
        if state == "listening":
            led.on()
        elif state == "thinking":
            led.blink(on_time=0.1, off_time=0.1)
        elif state == "speaking":
            if self._pwm:
                led.pulse(fade_in_time=0.5, fade_out_time=0.5)
            else:
                led.on()
        elif state == "error":
            led.blink(on_time=0.5, off_time=0.5)
        else:
            led.off()

    def close(self) -> None:
        self._led.close()
