"""The one training loop (in the spirit of Hugging Face's distillation/distiller.py).

Built on `accelerate.Accelerator`: the same code runs as one CPU/GPU process, under
``torchrun --nproc_per_node N`` or under ``accelerate launch`` (DDP; each process takes every
N-th batch). A step is one optimizer update: `grad_accum` micro-batches (gradients synced on
the last one only), gradient clipping, AdamW, linear warmup then linear decay. The objective
computes the loss terms; the trainer weights them, logs them (tqdm, CSV, TensorBoard), saves
checkpoints every `save_every` steps and the final model into the output folder. A NaN or
infinite loss stops the run with a DistillError before its update: the checkpoints already
saved stay as they are and no final model is written.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm
from transformers import PreTrainedModel, get_linear_schedule_with_warmup

from distill import checkpoint
from distill.data import Item, collate, epoch_batches
from distill.errors import DistillError
from distill.losses import weighted_sum
from distill.modeling import save_model
from distill.objectives import Objective
from distill.runlog import RunLog

_NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight")


@dataclass(frozen=True)
class TrainConfig:
    """Optimization settings; `batch_size` is per process and per micro-batch."""

    batch_size: int
    lr: float
    grad_accum: int = 1
    epochs: int = 1
    max_steps: int | None = None  # overrides epochs when given
    warmup: float = 0.0  # fraction of the steps
    weight_decay: float = 0.0
    adam_eps: float = 1e-6
    adam_betas: tuple[float, float] = (0.9, 0.999)
    max_grad_norm: float = 0.0  # 0: no clipping
    seed: int = 56
    save_every: int = 0  # 0: no intermediate checkpoints


class Trainer:
    """Trains `student` on `items` with `objective`; writes everything under `out`."""

    def __init__(
        self,
        *,
        accelerator: Accelerator,
        student: PreTrainedModel,
        objective: Objective,
        items: list[Item],
        pad_id: int,
        config: TrainConfig,
        out: Path,
        run_config: dict[str, Any],
        tokenizer_from: Path,
        desc: str,
    ) -> None:
        self.acc = accelerator
        self.objective = objective
        self.items = items
        self.pad_id = pad_id
        self.config = config
        self.out = out
        self.run_config = run_config
        self.tokenizer_from = tokenizer_from
        self.desc = desc
        # Batches group items of similar size: all their token sequences count.
        self.lengths = [
            sum(len(v) for k, v in item.items() if k.endswith("input_ids")) for item in items
        ]

        n_batches = len(self._batches(epoch=0))
        self.steps_per_epoch = n_batches // config.grad_accum
        if self.steps_per_epoch == 0:
            raise DistillError(
                f"training set too small: {len(items)} items make {n_batches} batches of "
                f"{config.batch_size} per process, fewer than --grad-accum {config.grad_accum}"
            )
        self.total_steps = config.max_steps or config.epochs * self.steps_per_epoch
        optimizer = torch.optim.AdamW(
            _param_groups(student, config.weight_decay),
            lr=config.lr,
            eps=config.adam_eps,
            betas=config.adam_betas,
        )
        self.scheduler = get_linear_schedule_with_warmup(
            optimizer, math.ceil(config.warmup * self.total_steps), self.total_steps
        )
        self.model, self.optimizer = accelerator.prepare(student, optimizer)
        self.term_names = [name for name, alpha in objective.alphas.items() if alpha != 0]

    def _batches(self, epoch: int) -> list[list[int]]:
        return epoch_batches(
            self.lengths,
            self.config.batch_size,
            seed=self.config.seed,
            epoch=epoch,
            num_shards=self.acc.num_processes,
            shard=self.acc.process_index,
        )

    def train(self, resume: Path | None = None) -> int:
        """Run to `total_steps`, from checkpoint folder `resume` if given; returns the last step.

        The final model goes into `out` in Hugging Face format with the tokenizer files.
        """
        step = 0
        if resume is not None:  # the caller has checked its run config
            step = checkpoint.read_state(resume)["step"]
            checkpoint.load_optimization_state(
                resume, accelerator=self.acc, optimizer=self.optimizer, scheduler=self.scheduler
            )
            checkpoint.restore_rng(resume, self.acc.process_index)
        main = self.acc.is_main_process
        log = RunLog(self.out, self.term_names) if main else contextlib.nullcontext()
        bar = tqdm(
            total=self.total_steps, initial=step, desc=self.desc, unit="step", disable=not main
        )
        with log, bar:
            while step < self.total_steps:
                epoch, in_epoch = divmod(step, self.steps_per_epoch)
                batches = self._batches(epoch)
                accum = self.config.grad_accum
                for update in range(in_epoch, self.steps_per_epoch):
                    lr = self.scheduler.get_last_lr()[0]
                    loss, terms = self._step(batches[update * accum : (update + 1) * accum], step)
                    step += 1
                    if main:
                        log.write(step, epoch, lr, loss, terms)
                    bar.update(1)
                    bar.set_postfix(
                        {"loss": f"{loss:.4f}", **{k: f"{v:.4f}" for k, v in terms.items()}}
                    )
                    if self.config.save_every and step % self.config.save_every == 0:
                        self._save_checkpoint(step)
                    if step >= self.total_steps:
                        break
        self.acc.wait_for_everyone()
        if main:
            save_model(self.acc.unwrap_model(self.model), self.out, self.tokenizer_from)
        self.acc.wait_for_everyone()
        return step

    def _step(self, micro_batches: list[list[int]], done: int) -> tuple[float, dict[str, float]]:
        """One optimizer update after `done` steps; returns the loss and its terms, averaged
        over micro-batches and processes. A NaN or infinite loss raises DistillError before
        the update (every process sees the same reduced loss, so all stop together)."""
        self.model.train()
        sums = torch.zeros(len(self.term_names) + 1, device=self.acc.device)
        for i, indices in enumerate(micro_batches):
            batch = collate([self.items[j] for j in indices], self.pad_id)
            batch = {k: v.to(self.acc.device) for k, v in batch.items()}
            last = i == len(micro_batches) - 1
            sync = contextlib.nullcontext() if last else self.acc.no_sync(self.model)
            with sync:
                with self.acc.autocast():
                    terms = self.objective.terms(self.model, batch)
                    loss = weighted_sum(terms, self.objective.alphas)
                self.acc.backward(loss / len(micro_batches))
            values = [loss.detach().float()] + [terms[n].detach().float() for n in self.term_names]
            sums += torch.stack(values)
        means = self.acc.reduce(sums / len(micro_batches), reduction="mean").tolist()
        if not all(math.isfinite(m) for m in means):
            raise DistillError(self._diverged(done + 1, means))
        if self.config.max_grad_norm > 0:
            self.acc.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return means[0], dict(zip(self.term_names, means[1:], strict=True))

    def _diverged(self, step: int, means: list[float]) -> str:
        names = ["loss", *self.term_names]
        terms = ", ".join(f"{n} {v}" for n, v in zip(names, means, strict=True))
        try:
            last = f"the last checkpoint, {checkpoint.find_checkpoint(self.out)}, is kept"
        except DistillError:
            last = "no checkpoint was saved (--save-every)"
        return (
            f"step {step}: the loss is not finite ({terms}); training stopped before that "
            f"update and the final model was not written; {last}. Try a lower --lr."
        )

    def _save_checkpoint(self, step: int) -> None:
        checkpoint.save_checkpoint(
            checkpoint.checkpoint_dir(self.out, step),
            accelerator=self.acc,
            model=self.model,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            step=step,
            run_config=self.run_config,
            tokenizer_from=self.tokenizer_from,
        )


def _param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """AdamW groups: weight decay on weights, none on biases and LayerNorm weights."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (no_decay if name.endswith(_NO_DECAY) else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
