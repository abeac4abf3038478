"""The device's voice and hands: microphone and speaker (`audio`), when a question ends
(`endpointing`), the button and LED (`button`), tones, and text to speech (`tts`, one module
per voice)."""
