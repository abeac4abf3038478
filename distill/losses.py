"""The loss terms of the DistilBERT recipe, each a pure function of tensors.

All inputs are cast to float32 first, so the terms are the same under bf16/fp16 autocast.
Terms follow Hugging Face's distillation/distiller.py and run_squad_w_distillation.py:

- `soft_target_kl`: ``KLDiv(batchmean)(log_softmax(s/T), softmax(t/T)) * T^2`` over rows;
- `masked_lm_ce`: cross-entropy with ignore_index -100;
- `hidden_cosine`: cosine embedding loss (target 1) over the selected token vectors;
- `span_ce`: the QA loss, the mean of the start and end cross-entropies;
- `shared_span_ce`: the same with one softmax over the windows of one question (shared
  normalization, Clark & Gardner 2018);
- `in_batch_ranking`: the retriever loss (sentence-transformers' MultipleNegativesRankingLoss),
  cross-entropy of each question over every passage of the batch, its own passage the target;
- `weighted_sum`: ``sum(alpha_k * term_k)``, where a term with alpha 0 is absent, not zeroed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F

IGNORE_INDEX = -100
MASKED_LOGIT = -1e9  # exp(MASKED_LOGIT / T) is exactly 0 in float32 for any sane T


def soft_target_kl(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float
) -> torch.Tensor:
    """KL(teacher || student) of temperature-softened distributions, times T^2.

    Rows are the distributions (last dimension); "batchmean" divides the summed KL by the
    number of rows. Entries of -inf-like size (see `mask_logits`) carry no probability.
    """
    s = student_logits.float() / temperature
    t = teacher_logits.float() / temperature
    kl = F.kl_div(F.log_softmax(s, dim=-1), F.softmax(t, dim=-1), reduction="batchmean")
    return kl * temperature**2


def select_rows(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The vectors of `values` (B, L, D) at positions where `mask` (B, L) is true, as (N, D)."""
    return values[mask.bool()]


def masked_lm_ce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over positions whose label is not -100 (logits (B, L, V))."""
    return F.cross_entropy(
        logits.float().reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=IGNORE_INDEX
    )


def hidden_cosine(
    student_hidden: torch.Tensor, teacher_hidden: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """``CosineEmbeddingLoss(target=1)``, i.e. mean(1 - cos), over the tokens where mask is true."""
    s = select_rows(student_hidden.float(), mask)
    t = select_rows(teacher_hidden.float(), mask)
    target = s.new_ones(s.size(0))
    return F.cosine_embedding_loss(s, t, target)


def mask_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """float32 `logits` with positions where `mask` is false set to MASKED_LOGIT.

    Used for span logits, so padding takes no probability in softmax, KL or cross-entropy.
    """
    logits = logits.float()
    return logits.masked_fill(~mask.bool(), MASKED_LOGIT)


def span_ce(
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    start_positions: torch.Tensor,
    end_positions: torch.Tensor,
) -> torch.Tensor:
    """QA loss: (CE(start) + CE(end)) / 2, each a mean over the batch (logits (B, L))."""
    start = F.cross_entropy(start_logits.float(), start_positions)
    end = F.cross_entropy(end_logits.float(), end_positions)
    return (start + end) / 2


def shared_span_ce(
    start_logits: Sequence[torch.Tensor],
    end_logits: Sequence[torch.Tensor],
    start_positions: torch.Tensor,
    end_positions: torch.Tensor,
) -> torch.Tensor:
    """`span_ce` with one softmax over all windows of a question: row i of every tensor in
    `start_logits`/`end_logits` (each (B, L_k), positions that are no answer already masked)
    is one question's window k; the gold positions index its first window. Training so makes
    span scores comparable across passages (Clark & Gardner 2018, "shared-norm")."""
    start = F.cross_entropy(torch.cat([x.float() for x in start_logits], dim=1), start_positions)
    end = F.cross_entropy(torch.cat([x.float() for x in end_logits], dim=1), end_positions)
    return (start + end) / 2


def mean_pooled(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Unit-length sentence embeddings (B, D): token vectors (B, L, D) averaged over `mask`
    (B, L), then L2-normalised, as all-MiniLM-L6-v2 and `converter.encoder_export` pool."""
    weights = mask.unsqueeze(-1).float()
    summed = (hidden.float() * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    return F.normalize(summed, dim=-1)


def in_batch_ranking(
    queries: torch.Tensor, passages: torch.Tensor, scale: float = 20.0
) -> torch.Tensor:
    """Cross-entropy of `scale` * cosine between each of the B unit query vectors and all
    passages (N >= B unit vectors), query i's own passage being passage i; the other
    passages (the rest of the batch, then any hard negatives) are its negatives."""
    scores = scale * queries.float() @ passages.float().T
    return F.cross_entropy(scores, torch.arange(len(queries), device=scores.device))


def weighted_sum(terms: Mapping[str, torch.Tensor], alphas: Mapping[str, float]) -> torch.Tensor:
    """``sum(alphas[k] * terms[k])`` over the terms whose alpha is not 0.

    A zero alpha removes its term exactly (it is skipped, so even a NaN term cannot leak in).
    Raises ValueError when no term has a non-zero alpha.
    """
    used = [alphas[name] * value for name, value in terms.items() if alphas.get(name, 0.0) != 0]
    if not used:
        raise ValueError("every loss weight is 0: nothing to train")
    total = used[0]
    for value in used[1:]:
        total = total + value
    return total
