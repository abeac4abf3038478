"""DistilBERT-style distillation and QA fine-tuning for the assistant's reader (``qa-distill``).

Modules, one job each: `losses` (the loss terms), `masking` (dynamic MLM masking),
`student_init` (a student from a subset of teacher layers), `modeling` (model folders:
loading, vocabularies, saving), `data` (MLM chunks, QA features, length-grouped batches),
`objectives` (what a training step computes), `teacher_cache` (teacher logits computed once),
`trainer` (the one training loop), `checkpoint` (save / --resume), `runlog` (CSV +
TensorBoard), `commands` (each command's wiring), `cli` (argument parsing, error exit).
See README.md.
"""

from distill.errors import DistillError

__all__ = ["DistillError"]
