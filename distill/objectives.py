"""What one training step computes: the named loss terms of a batch.

An objective has ``alphas`` (term name -> weight) and ``terms(student, batch)``, which
returns only the terms whose alpha is not 0 (the trainer weights and sums them with
`losses.weighted_sum`). Term names are the alpha names of the CLI: ``ce`` (soft-target KL
against the teacher), ``mlm``, ``squad`` (gold-label cross-entropies), ``cos`` (hidden states);
``shared`` the span cross-entropy shared across a question's windows; ``ranking`` is the
retriever's in-batch ranking loss.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from distill.errors import DistillError
from distill.losses import (
    IGNORE_INDEX,
    hidden_cosine,
    in_batch_ranking,
    mask_logits,
    masked_lm_ce,
    mean_pooled,
    select_rows,
    shared_span_ce,
    soft_target_kl,
    span_ce,
)
from distill.masking import Masker

Batch = dict[str, torch.Tensor]


class Objective(Protocol):
    alphas: dict[str, float]

    def terms(self, student: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        """The loss terms with non-zero alpha for `batch` (student in train mode)."""
        ...


def encoder_inputs(batch: Batch, token_types: bool) -> Batch:
    """input_ids and attention_mask, plus token_type_ids for models that take them."""
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if token_types and "token_type_ids" in batch:
        inputs["token_type_ids"] = batch["token_type_ids"]
    return inputs


def check_cosine(alpha_cos: float, teacher: nn.Module | None, student: nn.Module) -> None:
    """DistillError when a cosine term is asked for but cannot be computed."""
    if alpha_cos == 0:
        return
    if teacher is None:
        raise DistillError("--alpha-cos needs the teacher's hidden states (a live teacher)")
    t_dim, s_dim = teacher.config.hidden_size, student.config.hidden_size
    if t_dim != s_dim:
        raise DistillError(
            f"--alpha-cos needs equal hidden sizes, teacher has {t_dim} and student {s_dim}"
        )


class MLMDistillation:
    """DistilBERT's triple loss: alpha_ce * KL + alpha_mlm * MLM-CE + alpha_cos * cosine.

    The KL runs over attention-masked positions, or only the masked (predicted) positions
    with `restrict_ce_to_mask`; the cosine over the last hidden states of non-pad tokens.
    """

    def __init__(
        self,
        teacher: nn.Module,
        student: nn.Module,
        masker: Masker,
        *,
        alpha_ce: float = 5.0,
        alpha_mlm: float = 2.0,
        alpha_cos: float = 1.0,
        temperature: float = 2.0,
        restrict_ce_to_mask: bool = False,
    ) -> None:
        check_cosine(alpha_cos, teacher, student)
        self.teacher = teacher
        self.masker = masker
        self.alphas = {"ce": alpha_ce, "mlm": alpha_mlm, "cos": alpha_cos}
        self.temperature = temperature
        self.restrict_ce_to_mask = restrict_ce_to_mask

    def terms(self, student: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        attention = batch["attention_mask"]
        input_ids, labels = self.masker(batch["input_ids"], attention)
        want = {name for name, alpha in self.alphas.items() if alpha != 0}
        hidden = "cos" in want
        s_out = student(input_ids=input_ids, attention_mask=attention, output_hidden_states=hidden)
        terms = {}
        if want & {"ce", "cos"}:
            with torch.no_grad():
                t_out = self.teacher(
                    input_ids=input_ids, attention_mask=attention, output_hidden_states=hidden
                )
        if "ce" in want:
            where = labels != IGNORE_INDEX if self.restrict_ce_to_mask else attention.bool()
            terms["ce"] = soft_target_kl(
                select_rows(s_out.logits, where), select_rows(t_out.logits, where), self.temperature
            )
        if "mlm" in want:
            terms["mlm"] = masked_lm_ce(s_out.logits, labels)
        if hidden:
            terms["cos"] = hidden_cosine(
                s_out.hidden_states[-1], t_out.hidden_states[-1], attention
            )
        return terms


class SpanObjective:
    """QA: ``alpha_ce * (KL_start + KL_end)/2 * T^2 + alpha_squad * CE(gold) + alpha_cos * cos``.

    Padding positions are excluded from every span distribution. Teacher logits come from
    the batch (``teacher_start``/``teacher_end``, cached) when present, else from the live
    teacher. With no teacher and no cache only the squad term is possible (fine-tuning).
    """

    def __init__(
        self,
        student: nn.Module,
        *,
        teacher: nn.Module | None = None,
        alpha_ce: float = 0.5,
        alpha_squad: float = 0.5,
        alpha_cos: float = 0.0,
        temperature: float = 2.0,
        student_token_types: bool,
        teacher_token_types: bool = False,
    ) -> None:
        check_cosine(alpha_cos, teacher, student)
        self.teacher = teacher
        self.alphas = {"ce": alpha_ce, "squad": alpha_squad, "cos": alpha_cos}
        self.temperature = temperature
        self.student_token_types = student_token_types
        self.teacher_token_types = teacher_token_types

    def terms(self, student: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        mask = batch["attention_mask"]
        want = {name for name, alpha in self.alphas.items() if alpha != 0}
        hidden = "cos" in want
        s_out = student(
            **encoder_inputs(batch, self.student_token_types), output_hidden_states=hidden
        )
        s_start, s_end = mask_logits(s_out.start_logits, mask), mask_logits(s_out.end_logits, mask)
        terms = {}
        if "squad" in want:
            terms["squad"] = span_ce(
                s_start, s_end, batch["start_positions"], batch["end_positions"]
            )
        if not want & {"ce", "cos"}:
            return terms
        if "teacher_start" in batch and not hidden:
            t_start, t_end = batch["teacher_start"], batch["teacher_end"]
        else:
            if self.teacher is None:
                raise DistillError("the teacher terms need a teacher or cached teacher logits")
            with torch.no_grad():
                t_out = self.teacher(
                    **encoder_inputs(batch, self.teacher_token_types), output_hidden_states=hidden
                )
            t_start, t_end = t_out.start_logits, t_out.end_logits
        if "ce" in want:
            kl_start = soft_target_kl(s_start, mask_logits(t_start, mask), self.temperature)
            kl_end = soft_target_kl(s_end, mask_logits(t_end, mask), self.temperature)
            terms["ce"] = (kl_start + kl_end) / 2
        if hidden:
            terms["cos"] = hidden_cosine(s_out.hidden_states[-1], t_out.hidden_states[-1], mask)
        return terms


class SharedNormObjective:
    """QA across passages: ``squad + shared`` for items of `distill.data.shared_norm_items`
    (a question's answer window and a distractor window).

    ``squad``: each window's own span cross-entropy, the distractor labelled [CLS] (the
    distractor training that makes the no-answer score mean "not in this passage");
    ``shared``: `shared_span_ce` over the context tokens of both windows ([CLS] and padding
    take no probability), so a span in the distractor competes with the gold span.
    """

    def __init__(self, *, token_types: bool) -> None:
        self.alphas = {"squad": 1.0, "shared": 1.0}
        self.token_types = token_types

    def terms(self, student: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        (g_start, g_end), (d_start, d_end) = (
            self._logits(student, batch, prefix) for prefix in ("", "distractor_")
        )
        gold = batch["start_positions"], batch["end_positions"]
        cls = torch.zeros_like(gold[0])
        squad = (span_ce(g_start, g_end, *gold) + span_ce(d_start, d_end, cls, cls)) / 2
        shared = shared_span_ce(  # [CLS] dropped: the gold positions move down by one
            [g_start[:, 1:], d_start[:, 1:]], [g_end[:, 1:], d_end[:, 1:]], gold[0] - 1, gold[1] - 1
        )
        return {"squad": squad, "shared": shared}

    def _logits(
        self, student: nn.Module, batch: Batch, prefix: str
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked start and end logits of the window whose keys start with `prefix`
        (`encoder_inputs` takes the window's own keys)."""
        window = {k.removeprefix(prefix): v for k, v in batch.items() if k.startswith(prefix)}
        out = student(**encoder_inputs(window, self.token_types))
        mask = window["attention_mask"]
        return mask_logits(out.start_logits, mask), mask_logits(out.end_logits, mask)


class RankingObjective:
    """Sentence-encoder training: ``in_batch_ranking`` of the question embeddings against the
    batch's positive passages then its hard negatives (all mean-pooled, unit length).

    `student` is a bare encoder (BertModel); batches come from `distill.data.retrieval_items`.
    """

    def __init__(self, *, scale: float = 20.0) -> None:
        self.alphas = {"ranking": 1.0}
        self.scale = scale

    def terms(self, student: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        def embed(prefix: str) -> torch.Tensor:
            ids, mask = batch[f"{prefix}input_ids"], batch[f"{prefix}attention_mask"]
            hidden = student(input_ids=ids, attention_mask=mask).last_hidden_state
            return mean_pooled(hidden, mask)

        passages = torch.cat([embed("positive_"), embed("negative_")])
        return {"ranking": in_batch_ranking(embed(""), passages, self.scale)}
