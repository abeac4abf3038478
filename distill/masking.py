"""Dynamic MLM masking as in DistilBERT's distiller.py (prepare_batch_mlm).

Per batch, exactly ceil(mlm_prob * n) of the n maskable tokens (non-special, non-padding) are
chosen, without replacement, with probability proportional to ``max(count, 1) ** -smoothing``
of their token id (frequent word pieces are masked less often). Each chosen token becomes
[MASK] / stays / becomes a uniformly random id with probabilities `pred_probs`
(0.8 / 0.1 / 0.1). Labels are the original ids at chosen positions and -100 elsewhere.
Randomness comes from torch's global generator, so a checkpoint's RNG state replays it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch

from distill.losses import IGNORE_INDEX


def token_probabilities(
    counts: torch.Tensor, special_ids: Iterable[int], smoothing: float = 0.7
) -> torch.Tensor:
    """Masking weight per token id: ``max(count, 1) ** -smoothing``, 0 for special tokens."""
    probs = counts.double().clamp(min=1) ** -smoothing
    probs[list(special_ids)] = 0.0
    return probs.float()


class Masker:
    """Chooses and corrupts the tokens to predict in a padded batch of token ids."""

    def __init__(
        self,
        token_probs: torch.Tensor,
        *,
        mask_id: int,
        mlm_prob: float = 0.15,
        pred_probs: Sequence[float] = (0.8, 0.1, 0.1),
    ) -> None:
        if not 0 < mlm_prob < 1:
            raise ValueError(f"mlm_prob must be in (0, 1), got {mlm_prob}")
        if len(pred_probs) != 3 or min(pred_probs) < 0 or not math.isclose(sum(pred_probs), 1):
            raise ValueError(
                f"pred_probs must be 3 non-negative numbers summing to 1: {pred_probs}"
            )
        self.token_probs = token_probs
        self.mask_id = mask_id
        self.mlm_prob = mlm_prob
        self.pred_probs = torch.tensor(pred_probs, dtype=torch.float)
        self.vocab_size = token_probs.numel()

    def __call__(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(corrupted input_ids, labels) for `input_ids` (B, L); inputs are not modified."""
        weights = self.token_probs.to(input_ids.device)[input_ids] * attention_mask.bool()
        flat = weights.flatten()
        n_maskable = int((flat > 0).sum())
        labels = torch.full_like(input_ids, IGNORE_INDEX)
        if n_maskable == 0:
            return input_ids.clone(), labels
        n_target = min(math.ceil(self.mlm_prob * n_maskable), n_maskable)
        chosen = torch.multinomial(flat, n_target, replacement=False)
        pred_mask = torch.zeros_like(flat, dtype=torch.bool)
        pred_mask[chosen] = True
        pred_mask = pred_mask.view_as(input_ids)

        original = input_ids[pred_mask]
        action = torch.multinomial(self.pred_probs, original.numel(), replacement=True)
        action = action.to(input_ids.device)
        random_ids = torch.randint(self.vocab_size, original.shape, device=input_ids.device)
        replaced = torch.where(action == 0, torch.full_like(original, self.mask_id), original)
        replaced = torch.where(action == 2, random_ids, replaced)

        corrupted = input_ids.clone()
        corrupted[pred_mask] = replaced
        labels[pred_mask] = original
        return corrupted, labels
