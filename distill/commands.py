"""The ``qa-distill`` commands: wire data, models and objective into the trainer.

Each training command: checks its inputs (fail before any heavy work), builds the run config,
refuses a mismatched --resume, loads data and models, trains, saves the final model in
Hugging Face format into --out and prints a one-line summary (plus EM/F1 with --eval).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs, set_seed

from assistant.qa.checkpoint import takes_token_types
from assistant.qa.features import QATokenizer
from assistant.qa.squad import Example, SquadFormatError, load_examples
from distill import checkpoint
from distill.data import (
    mlm_items,
    qa_items,
    read_text,
    retrieval_items,
    shared_norm_items,
    token_counts,
)
from distill.distractors import add_distractors
from distill.entries import add_entry_lists
from distill.errors import DistillError
from distill.from_bundle import recover
from distill.household import add_household
from distill.masking import Masker, token_probabilities
from distill.modeling import (
    Vocabulary,
    check_same_vocabulary,
    load_model,
    read_vocabulary,
)
from distill.objectives import (
    MLMDistillation,
    RankingObjective,
    SharedNormObjective,
    SpanObjective,
)
from distill.runlog import read_log
from distill.split import split_squad
from distill.student_init import init_student, parse_layers
from distill.teacher_cache import attach_teacher_logits
from distill.trainer import TrainConfig, Trainer

_PATH_ARGS = ("teacher", "student", "model", "train", "data")
# Options that do not change what is computed: allowed to differ on --resume.
_NOT_RUN_CONFIG = ("out", "resume", "save_every", "eval", "eval_limit")


def run(args: argparse.Namespace) -> None:
    """Dispatch a parsed command line."""
    if args.command == "split":
        counts = split_squad(args.file, args.out_dir, holdout_fraction=args.holdout, seed=args.seed)
        print(
            f"wrote {args.out_dir}: train.json {counts[0]} and holdout.json {counts[1]} questions"
        )
        return
    if args.command == "distractors":
        asked, added = add_distractors(args.file, args.out, per_question=args.per_question)
        print(f"wrote {args.out}: {added} distractor questions for {asked} answerable ones")
        return
    if args.command == "entries":
        lists, added = add_entry_lists(
            args.file, args.out, per_question=args.per_question, seed=args.seed
        )
        print(f"wrote {args.out}: {added} questions asked against {lists} lists of entries")
        return
    if args.command == "household":
        kept, added, unanswerable = add_household(
            args.file, args.out, passages=args.passages, keep=args.keep, seed=args.seed
        )
        print(
            f"wrote {args.out}: {kept} questions of {args.file} and {added} household "
            f"questions ({unanswerable} unanswerable)"
        )
        return
    if args.command == "from-bundle":
        recover(args.bundle, args.config_from, args.out)
        print(f"wrote {args.out}: the weights of {args.bundle}")
        return
    if args.command == "init-student":
        layers = parse_layers(args.layers) if args.layers else None
        set_seed(args.seed)
        mapping = init_student(
            args.teacher,
            args.out,
            layers=layers,
            student_type=args.student_type,
            random_init=args.random_init,
        )
        print(f"wrote {args.out}: {len(mapping)} tensors copied from {args.teacher}")
        return
    # A cosine-only mlm run leaves the MLM head out of the loss, mean pooling leaves BERT's
    # pooler out of the retriever's; DDP must be told.
    head_unused = args.command == "retriever" or (
        args.command == "mlm" and args.alpha_ce == 0 and args.alpha_mlm == 0
    )
    accelerator = _accelerator(args.precision, find_unused_parameters=head_unused)
    config = _run_config(args, accelerator)
    resume = _resume_folder(args, config)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    set_seed(args.seed + accelerator.process_index)
    try:
        {"mlm": _mlm, "squad": _squad, "finetune": _finetune, "retriever": _retriever}[
            args.command
        ](args, accelerator, config, resume)
    finally:
        # Destroys the process group: left to interpreter exit, gloo's worker threads can abort
        # a process that has finished its work ("terminate called without an active exception").
        accelerator.end_training()


def _mlm(args: argparse.Namespace, acc: Accelerator, config: dict, resume: Path | None) -> None:
    vocab = check_same_vocabulary(args.teacher, args.student)
    tokenizer = QATokenizer(vocab.path, lowercase=vocab.lowercase)
    items = mlm_items(
        read_text(args.data, limit=args.limit), tokenizer, args.max_seq_len, args.doc_stride
    )
    probs = token_probabilities(
        token_counts(items, len(vocab.tokens)), vocab.special_ids(), args.mlm_smoothing
    )
    masker = Masker(
        probs, mask_id=vocab.id_of("[MASK]"), mlm_prob=args.mlm_prob, pred_probs=args.mask_probs
    )
    teacher = _frozen(load_model(args.teacher, "mlm", require_head=True), acc)
    student_dir = resume or Path(args.student)
    student = load_model(student_dir, "mlm", require_head=False)
    _check_length(args.max_seq_len, teacher, student)
    objective = MLMDistillation(
        teacher,
        student,
        masker,
        alpha_ce=args.alpha_ce,
        alpha_mlm=args.alpha_mlm,
        alpha_cos=args.alpha_cos,
        temperature=args.temperature,
        restrict_ce_to_mask=args.restrict_ce_to_mask,
    )
    _train(args, acc, config, resume, student, objective, items, vocab, betas=(0.9, 0.98))


def _squad(args: argparse.Namespace, acc: Accelerator, config: dict, resume: Path | None) -> None:
    vocab = check_same_vocabulary(args.teacher, args.student)
    eval_examples = _eval_examples(args)
    items = _qa_items(args, vocab)
    teacher = _frozen(load_model(args.teacher, "qa", require_head=True), acc)
    student = load_model(resume or Path(args.student), "qa", require_head=False)
    _check_length(args.max_seq_len, teacher, student)
    if args.cache_teacher_logits:
        fingerprint = {
            k: config[k]
            for k in (
                "teacher",
                "train",
                "limit",
                "max_seq_len",
                "doc_stride",
                "max_query_len",
                "max_negative_windows",
                "seed",
            )
        }
        attach_teacher_logits(
            teacher,
            items,
            cache_path=Path(args.out) / "teacher_logits.pt",
            fingerprint=fingerprint,
            accelerator=acc,
            batch_size=args.batch_size,
            pad_id=vocab.id_of("[PAD]"),
            token_types=takes_token_types(teacher),
        )
    live_teacher = teacher if args.alpha_cos or not args.cache_teacher_logits else None
    objective = SpanObjective(
        student,
        teacher=live_teacher,
        alpha_ce=args.alpha_ce,
        alpha_squad=args.alpha_squad,
        alpha_cos=args.alpha_cos,
        temperature=args.temperature,
        student_token_types=takes_token_types(student),
        teacher_token_types=takes_token_types(teacher),
    )
    _train(args, acc, config, resume, student, objective, items, vocab)
    _evaluate(args, acc, eval_examples)


def _finetune(
    args: argparse.Namespace, acc: Accelerator, config: dict, resume: Path | None
) -> None:
    vocab = read_vocabulary(args.model)
    eval_examples = _eval_examples(args)
    if args.shared_norm:
        items = shared_norm_items(args.train, _qa_tokenizer(args, vocab), limit=args.limit)
    else:
        items = _qa_items(args, vocab)
    model = load_model(resume or Path(args.model), "qa", require_head=False)
    _check_length(args.max_seq_len, model)
    objective: Any = (
        SharedNormObjective(token_types=takes_token_types(model))
        if args.shared_norm
        else SpanObjective(
            model, alpha_ce=0.0, alpha_squad=1.0, student_token_types=takes_token_types(model)
        )
    )
    _train(args, acc, config, resume, model, objective, items, vocab)
    _evaluate(args, acc, eval_examples)


def _retriever(
    args: argparse.Namespace, acc: Accelerator, config: dict, resume: Path | None
) -> None:
    vocab = read_vocabulary(args.model)
    items = retrieval_items(
        args.train,
        QATokenizer(vocab.path, lowercase=vocab.lowercase),
        max_query_len=args.max_query_len,
        max_seq_len=args.max_seq_len,
        limit=args.limit,
    )
    model = load_model(resume or Path(args.model), "none", require_head=False)
    _check_length(args.max_seq_len, model)
    _train(args, acc, config, resume, model, RankingObjective(scale=args.scale), items, vocab)


def _qa_items(args: argparse.Namespace, vocab: Vocabulary) -> list:
    return qa_items(
        args.train,
        _qa_tokenizer(args, vocab),
        limit=args.limit,
        max_negative_windows=args.max_negative_windows,
        seed=args.seed,
    )


def _train(
    args: argparse.Namespace,
    acc: Accelerator,
    config: dict,
    resume: Path | None,
    student: torch.nn.Module,
    objective: Any,
    items: list,
    vocab: Vocabulary,
    betas: tuple[float, float] = (0.9, 0.999),
) -> None:
    out = Path(args.out)
    if acc.is_main_process:
        (out / "run_config.json").write_text(json.dumps(config, indent=2) + "\n")
    train_config = TrainConfig(
        batch_size=args.batch_size,
        lr=args.lr,
        grad_accum=args.grad_accum,
        epochs=args.epochs,
        max_steps=args.max_steps,
        warmup=args.warmup,
        weight_decay=args.weight_decay,
        adam_eps=args.adam_eps,
        adam_betas=betas,
        max_grad_norm=args.max_grad_norm,
        seed=args.seed,
        save_every=args.save_every,
    )
    trainer = Trainer(
        accelerator=acc,
        student=student,
        objective=objective,
        items=items,
        pad_id=vocab.id_of("[PAD]"),
        config=train_config,
        out=out,
        run_config=config,
        tokenizer_from=vocab.path.parent,
        desc=args.command,
    )
    steps = trainer.train(resume)
    rows = read_log(out / "log.csv") if acc.is_main_process else []
    if rows:
        print(
            f"{args.command}: {steps} steps, loss {rows[0]['loss']:.4f} (step "
            f"{int(rows[0]['step'])}) -> {rows[-1]['loss']:.4f} (step {int(rows[-1]['step'])}); "
            f"model saved to {out}"
        )


def _accelerator(precision: str, *, find_unused_parameters: bool) -> Accelerator:
    if precision == "auto":
        if torch.cuda.is_available():
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            precision = "no"
    elif precision != "no" and not torch.cuda.is_available():
        raise DistillError(f"--precision {precision} needs a GPU; use no (or auto) on CPU")
    # cpu=True on a machine without CUDA is what lets accelerate see a torchrun CPU job (gloo).
    return Accelerator(
        mixed_precision=precision,
        cpu=not torch.cuda.is_available(),
        kwargs_handlers=[
            DistributedDataParallelKwargs(find_unused_parameters=find_unused_parameters)
        ],
    )


def _run_config(args: argparse.Namespace, acc: Accelerator) -> dict[str, Any]:
    """The options that define the run (resolved paths), plus precision and process count."""
    config: dict[str, Any] = {}
    for key, value in sorted(vars(args).items()):
        if key in _NOT_RUN_CONFIG:
            continue
        if key in _PATH_ARGS:
            value = (
                [str(Path(v).resolve()) for v in value]
                if isinstance(value, list)
                else (str(Path(value).resolve()))
            )
        config[key] = value
    config["precision"] = acc.mixed_precision
    config["processes"] = acc.num_processes
    return config


def _resume_folder(args: argparse.Namespace, config: dict[str, Any]) -> Path | None:
    """The checkpoint to resume from (its run config checked), or None for a fresh run.

    A fresh run refuses an output folder that already holds a run's logs or checkpoints.
    """
    out = Path(args.out)
    if args.resume is None:
        if (out / "log.csv").exists() or any(out.glob("checkpoint-*")):
            raise DistillError(f"{out} already holds a run; use --resume {out} or another --out")
        return None
    folder = checkpoint.find_checkpoint(args.resume)
    checkpoint.check_run_config(folder, config)
    return folder


def _frozen(model: torch.nn.Module, acc: Accelerator) -> torch.nn.Module:
    """A teacher: on the device, eval mode (no dropout), no gradients."""
    model.requires_grad_(False)
    return model.eval().to(acc.device)


def _check_length(max_seq_len: int, *models: torch.nn.Module) -> None:
    for model in models:
        limit = model.config.max_position_embeddings
        if max_seq_len > limit:
            raise DistillError(f"--max-seq-len {max_seq_len} exceeds the model's limit of {limit}")


def _qa_tokenizer(args: argparse.Namespace, vocab: Vocabulary) -> QATokenizer:
    try:
        return QATokenizer(
            vocab.path,
            lowercase=vocab.lowercase,
            max_seq_len=args.max_seq_len,
            max_query_len=args.max_query_len,
            doc_stride=args.doc_stride,
        )
    except ValueError as err:
        raise DistillError(str(err)) from None


def _eval_examples(args: argparse.Namespace) -> list[Example] | None:
    """The --eval questions, read before training so that a bad file fails fast."""
    if args.eval is None:
        return None
    try:
        examples = load_examples(args.eval, limit=args.eval_limit)
    except SquadFormatError as err:
        raise DistillError(str(err)) from None
    if not any(ex.answers for ex in examples):
        raise DistillError(f"--eval {args.eval}: no answerable questions to score")
    return examples


def _evaluate(args: argparse.Namespace, acc: Accelerator, examples: list[Example] | None) -> None:
    """EM/F1 of the saved model on the --eval questions (main process), into OUT/eval.json."""
    if examples is None or not acc.is_main_process:
        return
    from assistant.qa.evaluation import evaluate
    from converter.errors import ConvertError
    from converter.torch_runner import load_checkpoint_engine

    try:
        engine = load_checkpoint_engine(
            args.out, max_seq_len=args.max_seq_len, doc_stride=args.doc_stride
        )
    except ConvertError as err:
        raise DistillError(f"model saved to {args.out}, but --eval cannot load it: {err}") from None
    report = evaluate(engine, examples, progress=True)
    Path(args.out, "eval.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    print(f"eval on {args.eval}: {report.summary()}")
