"""PC-side tools: Hugging Face QA checkpoint -> validated, quantized TFLite bundle; evaluation."""

__version__ = "0.1.0"
