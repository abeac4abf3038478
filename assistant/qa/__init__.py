"""Runtime extractive-QA engine. Imports neither TensorFlow nor PyTorch.

- `features`: question + context -> model windows with character offsets (and training labels).
- `decoding`: start/end logits of all windows -> the best answer span of the original context.
- `squad`: SQuAD 1.1/2.0 reading and the official v1.1 EM/F1 scoring.
- `bundle`: reading and verifying a converted model bundle.
- `runner`: the TFLite runner (ai-edge-litert, tflite-runtime or tensorflow.lite).
- `engine`: the pieces put together: `QAEngine.answer(question, context)`.
"""
