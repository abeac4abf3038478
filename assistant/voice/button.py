"""The button (gpiozero, or the Enter key in PC mode) and the optional status LED.

Buttons never act themselves: they put events into the daemon's event queue from gpiozero's (or
the keyboard reader's) thread, and the daemon's main loop decides. Gestures: a press (PRESS, then
RELEASE); a second press within `double_press_seconds` of the first (REPEAT: say the last answer
again); holding the button for `hold_seconds` (WHERE: where was that answer found?). In PC mode,
Enter is a press, "r" Enter a repeat, "w" Enter a where, and the end of input (Ctrl-D) stops.
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
    REPEAT = "repeat"
    WHERE = "where"
    STOP = "stop"


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
        self._button.when_pressed = self._pressed
        self._button.when_released = lambda: events.put(Event.RELEASE)
        self._button.when_held = lambda: events.put(Event.WHERE)

    def _pressed(self) -> None:
        now = time.monotonic()
        if now - self._last_press < self._double_press_seconds:
            self._events.put(Event.REPEAT)
            self._last_press = -math.inf  # a third press starts afresh
        else:
            self._events.put(Event.PRESS)
            self._last_press = now

    def close(self) -> None:
        self._button.close()


KEYBOARD_COMMANDS = {"r": Event.REPEAT, "w": Event.WHERE}


class KeyboardButton:
    """PC mode: Enter is a press (and its release), "r" Enter a repeat, "w" Enter a where; the
    end of input (Ctrl-D) stops the daemon."""

    def __init__(self, events: queue.Queue[Event], stream: TextIO = sys.stdin) -> None:
        self._events = events
        self._stream = stream
        threading.Thread(target=self._read, name="keyboard", daemon=True).start()
        print(
            "Press Enter to ask a question, r Enter to hear the answer again, w Enter to hear "
            "where it was found, Ctrl-D to quit.",
            file=sys.stderr,
        )

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
